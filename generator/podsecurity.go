package generator

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// evaluator is the API server's Pod Security admission, built once, on
// first use, from latestChecks.
var evaluator = sync.OnceValue(func() policy.Evaluator {
	e, err := policy.NewEvaluator(latestChecks(), nil)
	if err != nil {
		panic(fmt.Sprintf("pod-security-admission's own checks are invalid: %v", err))
	}
	return e
})

// latestChecks are the default checks as they are at the newest policy
// version, the only one eds-fn evaluates: each check keeps only its last
// revision (the one the full registry runs at that version, with its
// overrides), moved to that version. NewEvaluator indexes every check by
// every version from 1.0 up; with the full history that costs about four
// times as much (0.4 ms against 0.1 ms on a busy machine), on the start-up
// path of every run. TestLatestChecksEvaluateAsTheFullRegistry holds them
// to the same results.
func latestChecks() []policy.Check {
	checks := policy.DefaultChecks()
	var newest psapi.Version
	for _, c := range checks {
		if v := c.Versions[len(c.Versions)-1].MinimumVersion; newest.Older(v) {
			newest = v
		}
	}
	for i, c := range checks {
		last := c.Versions[len(c.Versions)-1]
		last.MinimumVersion = newest
		checks[i].Versions = []policy.VersionedCheck{last}
	}
	return checks
}

// psaFields maps a check's ForbiddenReason to the field it looks at, in a
// container (or, for pod-level checks, in the pod spec), so that a violation
// is reported at the part of the patch that caused it.
var psaFields = map[string]string{
	"privileged":                        "securityContext.privileged",
	"allowPrivilegeEscalation != false": "securityContext.allowPrivilegeEscalation",
	"unrestricted capabilities":         "securityContext.capabilities",
	"non-default capabilities":          "securityContext.capabilities.add",
	"runAsNonRoot != true":              "securityContext.runAsNonRoot",
	"runAsUser=0":                       "securityContext.runAsUser",
	"seccompProfile":                    "securityContext.seccompProfile",
	"seLinuxOptions":                    "securityContext.seLinuxOptions",
	"procMount":                         "securityContext.procMount",
	"hostProcess":                       "securityContext.windowsOptions.hostProcess",
	"forbidden AppArmor profile":        "securityContext.appArmorProfile",
	"forbidden AppArmor profiles":       "securityContext.appArmorProfile",
	"forbidden sysctls":                 "securityContext.sysctls",
	"hostPort":                          "ports",
	"probe or lifecycle host":           "",
}

// checkPodSecurity evaluates the pod template at the service's Pod Security
// level, with the checks of the current Kubernetes version, as a namespace
// with pod-security.kubernetes.io/enforce=<level> would.
func checkPodSecurity(level v1alpha1.PodSecurityLevel, tmpl *corev1.PodTemplateSpec, patch map[string]any) field.ErrorList {
	if level == v1alpha1.PodSecurityPrivileged {
		return nil
	}
	lv := psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}
	if level == v1alpha1.PodSecurityBaseline {
		lv.Level = psapi.LevelBaseline
	}
	var errs field.ErrorList
	for _, r := range evaluator().EvaluatePod(lv, &tmpl.ObjectMeta, &tmpl.Spec) {
		if r.Allowed {
			continue
		}
		msg := fmt.Sprintf("violates Pod Security %q: %s", lv.Level, r.ForbiddenReason)
		if r.ForbiddenDetail != "" {
			msg += " (" + r.ForbiddenDetail + ")"
		}
		msg += "; " + psaAdvice(level)
		seen := map[string]bool{}
		for _, p := range violationPaths(r, &tmpl.Spec, patch) {
			if !seen[p.String()] {
				seen[p.String()] = true
				errs = append(errs, field.Forbidden(p, msg))
			}
		}
	}
	return errs
}

func psaAdvice(level v1alpha1.PodSecurityLevel) string {
	lower := `spec.podSecurity: baseline (or privileged)`
	if level == v1alpha1.PodSecurityBaseline {
		lower = `spec.podSecurity: privileged`
	}
	return "keep the pod within the level (the generated worker's securityContext is an example), " +
		"or lower the level for this service on purpose with " + lower
}

// violationPaths are the places in the patch that a failed check points at:
// the containers or volumes its detail names, else the pod-level field.
func violationPaths(r policy.CheckResult, pod *corev1.PodSpec, patch map[string]any) []*field.Path {
	names := quoted(r.ForbiddenDetail)
	switch r.ForbiddenReason {
	case "hostPath volumes", "restricted volume types":
		vp, vv, _ := v1alpha1.WalkPatch(patch, v1alpha1.CustomDeploymentPath, podSpecPath("volumes")...)
		var out []*field.Path
		patchVolumes := newPatchList(vv, vp, "name")
		for _, v := range pod.Volumes {
			if slices.Contains(names, v.Name) {
				p, _ := patchVolumes.item(v.Name, 0)
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			out = append(out, vp)
		}
		return out
	case "host namespaces":
		var out []*field.Path
		for _, f := range []string{"hostNetwork", "hostPID", "hostIPC"} {
			if strings.Contains(r.ForbiddenDetail, f+"=") {
				out = append(out, at(patch, podSpecPath(f)...))
			}
		}
		return out
	}
	sub := strings.Split(psaFields[r.ForbiddenReason], ".")
	if sub[0] == "" {
		sub = nil
	}
	var out []*field.Path
	for _, kind := range []string{"initContainers", "containers", "ephemeralContainers"} {
		for _, c := range containersOf(pod, kind) {
			if !slices.Contains(names, c) {
				continue
			}
			p, entry := containerAt(patch, kind, c, 0)
			if entry == nil {
				// The patch has no entry for this container: what changed it
				// is at the pod level (its securityContext, or a directive).
				continue
			}
			cp, _, _ := v1alpha1.WalkPatch(entry, p, sub...)
			out = append(out, cp)
		}
	}
	// "pod must not set ..." and "pod and container ... must not set ..."
	// blame the pod too; "pod or container ... must set ..." is fixed in
	// either place, and the container is named already.
	if len(out) == 0 || strings.HasPrefix(r.ForbiddenDetail, "pod must") || strings.HasPrefix(r.ForbiddenDetail, "pod and") {
		out = append(out, at(patch, podSpecPath(sub...)...))
	}
	return out
}

func containersOf(pod *corev1.PodSpec, kind string) []string {
	var names []string
	switch kind {
	case "initContainers":
		for _, c := range pod.InitContainers {
			names = append(names, c.Name)
		}
	case "containers":
		for _, c := range pod.Containers {
			names = append(names, c.Name)
		}
	default:
		for _, c := range pod.EphemeralContainers {
			names = append(names, c.Name)
		}
	}
	return names
}

// quoted are the names a Pod Security check's detail lists ("container
// \"a\" must ...", "volumes \"x\", \"y\"").
func quoted(detail string) []string {
	var out []string
	for {
		i := strings.IndexByte(detail, '"')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(detail[i+1:], '"')
		if j < 0 {
			return out
		}
		out = append(out, detail[i+1:i+1+j])
		detail = detail[i+2+j:]
	}
}
