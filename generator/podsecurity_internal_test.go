package generator

import (
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestLatestChecksEvaluateAsTheFullRegistry: the trimmed checks eds-fn
// builds its evaluator from give the same results, at every level, as the
// library's full registry at the newest version, for the generated pod and
// for a variant that fails each check.
func TestLatestChecksEvaluateAsTheFullRegistry(t *testing.T) {
	full, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	eds, errs := v1alpha1.LoadEventDrivenService(yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata: {name: w}
spec:
  image: ghcr.io/acme/w:v1
  nats: {stream: S, consumer: C}
  initContainer: {command: [sh]}
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	yes, zero := true, int64(0)
	variants := map[string]func(p *corev1.PodTemplateSpec){
		"generated":       func(*corev1.PodTemplateSpec) {},
		"privileged":      func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].SecurityContext.Privileged = &yes },
		"host namespaces": func(p *corev1.PodTemplateSpec) { p.Spec.HostNetwork, p.Spec.HostPID, p.Spec.HostIPC = true, true, true },
		"hostPath": func(p *corev1.PodTemplateSpec) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		},
		"nfs": func(p *corev1.PodTemplateSpec) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}}})
		},
		"hostPort": func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].Ports[0].HostPort = 8080 },
		"capabilities": func(p *corev1.PodTemplateSpec) {
			p.Spec.InitContainers[0].SecurityContext.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN", "NET_BIND_SERVICE"}}
		},
		"escalation": func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = &yes },
		"root": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.RunAsUser = &zero
			p.Spec.SecurityContext.RunAsNonRoot = nil
		},
		"no non-root": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.RunAsNonRoot = nil
			p.Spec.Containers[0].SecurityContext.RunAsNonRoot = nil
		},
		"seccomp": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		},
		"selinux": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t", User: "root"}
		},
		"procMount": func(p *corev1.PodTemplateSpec) {
			u := corev1.UnmaskedProcMount
			p.Spec.Containers[0].SecurityContext.ProcMount = &u
		},
		"sysctls": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}, {Name: "net.ipv4.ping_group_range", Value: "0 1"}}
		},
		"apparmor": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		},
		"apparmor annotation": func(p *corev1.PodTemplateSpec) {
			p.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/w": "unconfined"}
		},
		"hostProcess": func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[0].SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: &yes}
		},
		"probe host": func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].LivenessProbe.HTTPGet.Host = "10.0.0.1" },
		"lifecycle host": func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(1), Host: "h"}}}
		},
		// Allowed: a pod in its own user namespace may run as UID 0.
		"user namespace": func(p *corev1.PodTemplateSpec) {
			no := false
			p.Spec.HostUsers = &no
			p.Spec.SecurityContext.RunAsUser = &zero
		},
	}
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			tmpl := deployment(eds).Spec.Template
			change(&tmpl)
			failed := false
			for _, level := range []psapi.Level{psapi.LevelRestricted, psapi.LevelBaseline, psapi.LevelPrivileged} {
				lv := psapi.LevelVersion{Level: level, Version: psapi.LatestVersion()}
				want := full.EvaluatePod(lv, &tmpl.ObjectMeta, &tmpl.Spec)
				got := evaluator().EvaluatePod(lv, &tmpl.ObjectMeta, &tmpl.Spec)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-full registry +latest checks):\n%s", level, diff)
				}
				failed = failed || !policy.AggregateCheckResults(want).Allowed
			}
			if name != "generated" && name != "user namespace" && !failed {
				t.Errorf("the variant passes every level: it tests nothing")
			}
		})
	}
}
