package v1alpha1

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CustomDeploymentPath is where problems of spec.customDeployment are
// reported; paths inside the patch are below it.
var CustomDeploymentPath = field.NewPath("spec", "customDeployment")

var podSpecPrefix = CustomDeploymentPath.Child("spec", "template", "spec").String()

// WalkPatch follows the field names segs into v, a decoded strategic-merge
// patch (or part of one) found at p, and returns the path and value of the
// deepest part of the patch on the way (a directive's value for a directive). touched reports whether that part sets or removes
// the field at segs: the field itself, a null or other non-mapping that
// replaces a mapping on the way, a "$patch: delete", a "$patch: replace"
// without the field, or a "$retainKeys" that does not keep it. Otherwise the
// patch leaves the field alone and the path is only the closest it gets.
func WalkPatch(v any, p *field.Path, segs ...string) (path *field.Path, value any, touched bool) {
	// Inside a replaced mapping every field the patch leaves out is
	// removed, by that "$patch: replace".
	var replacedBy *field.Path
	for _, s := range segs {
		m, isMap := v.(map[string]any)
		if !isMap {
			return p, v, true
		}
		next, has := m[s]
		switch d := m["$patch"]; d {
		case "delete":
			return p.Child("$patch"), d, true
		case "replace":
			replacedBy = p.Child("$patch")
		}
		if keys, ok := m["$retainKeys"].([]any); ok && !slices.Contains(keys, any(s)) {
			return p.Child("$retainKeys"), keys, true
		}
		if !has {
			if replacedBy != nil {
				return replacedBy, "replace", true
			}
			return p, v, false
		}
		p, v = p.Child(s), next
	}
	return p, v, true
}

const (
	msgServiceAccount = `runs the pod as another ServiceAccount than the generated %q (which mounts no API token): ` +
		`the worker gets that account's identity and RBAC; make sure it exists in the namespace and is meant for this worker`
	msgDeprecatedAccount = `is the deprecated alias of serviceAccountName, which eds-fn sets to %q and which wins: ` +
		`it changes nothing; set serviceAccountName to run the pod as another ServiceAccount`
	msgAutomountToken = `mounts a Kubernetes API token into the pod, which the generated ServiceAccount turns off ` +
		`because the worker talks to NATS, not to the API server; keep it only if the worker calls the API`
	msgPodSecurityLowered = `checks the pod against Pod Security %q instead of "restricted", for this service only: ` +
		`customDeployment may now give it what %q allows; the namespace's pod-security.kubernetes.io/enforce label must allow it too`
)

// patchWarnings are the changes of spec.customDeployment that are allowed
// but deserve a look: a different identity for the pod.
func (e *EventDrivenService) patchWarnings() field.ErrorList {
	cd := e.Spec.CustomDeployment
	if cd == nil || len(cd.Raw) == 0 {
		return nil
	}
	var patch map[string]any
	if json.Unmarshal(cd.Raw, &patch) != nil || patch == nil {
		return nil // an error of Generate
	}
	var w field.ErrorList
	seen := map[string]bool{}
	warn := func(f string, ok func(any) bool, msg string) {
		p, v, touched := WalkPatch(patch, CustomDeploymentPath, "spec", "template", "spec", f)
		// A patch that removes the whole pod spec or more is an error of
		// Generate (the worker is gone), not a change of identity.
		if !touched || !strings.HasPrefix(p.String(), podSpecPrefix) || seen[p.String()] || ok(v) {
			return
		}
		seen[p.String()] = true
		w = append(w, field.Invalid(p, v, msg))
	}
	account := e.Spec.ServiceAccountName(e.Name)
	sameAccount := func(v any) bool { return v == account }
	warn("serviceAccountName", sameAccount, fmt.Sprintf(msgServiceAccount, account))
	// The deprecated alias is only read when serviceAccountName is empty.
	warn("serviceAccount", func(v any) bool { return v == account || v == nil }, fmt.Sprintf(msgDeprecatedAccount, account))
	warn("automountServiceAccountToken", func(v any) bool { return v == false || v == nil }, msgAutomountToken)
	return w
}

// CustomScaledObjectPath is where problems of spec.customScaledObject are
// reported; paths inside the patch are below it.
var CustomScaledObjectPath = field.NewPath("spec", "customScaledObject")
