package generator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A mistyped EventDrivenService is not expanded: in a kpt package its
// objects would then look orphaned and be pruned, and the mistyped object,
// still marked local-config, would be kept away from the cluster too: one
// typo would delete the workload. So an object that looks like one is an
// error that stops the run.

// knownKinds are the kinds of eds-fn's group.
var knownKinds = []string{
	v1alpha1.KindEventDrivenService, v1alpha1.KindEventDrivenServiceDefaults, v1alpha1.KindExpandEventDrivenServices,
	v1alpha1.KindNATSHeadlessEndpoint,
}

// maxTypo is how many single-character edits count as a typo of a kind or
// group name.
const maxTypo = 2

// lookalikes reports every item that looks like a mistyped
// EventDrivenService, with a "did you mean".
func lookalikes(items []*yaml.RNode) krm.Results {
	var results krm.Results
	for _, it := range items {
		if IsEventDrivenService(it) {
			continue
		}
		if path, msg := lookalike(it); msg != "" {
			results = append(results, krm.FieldResult(it, path, msg+
				"; nothing was generated or removed. Fix it, or if this object really is something else, give it an apiVersion and kind of its own",
				krm.Error))
		}
	}
	return results
}

// lookalike says which field of n makes it look like a mistyped
// EventDrivenService, and why; msg is "" when it does not.
func lookalike(n *yaml.RNode) (path, msg string) {
	apiVersion, kind := n.GetApiVersion(), n.GetKind()
	group, _, _ := strings.Cut(apiVersion, "/")
	want := v1alpha1.APIVersion + " " + v1alpha1.KindEventDrivenService
	if slices.Contains(knownKinds, kind) {
		want = v1alpha1.APIVersion + " " + kind
	}
	switch {
	case group == v1alpha1.Group:
		for _, k := range knownKinds {
			if kind == k {
				return "", ""
			}
		}
		return "kind", fmt.Sprintf("kind %q is not a kind of %s (%s); did you mean %q?",
			kind, v1alpha1.Group, strings.Join(knownKinds, ", "), closest(kind, knownKinds))
	case typo(kind, v1alpha1.KindEventDrivenService):
		return "kind", fmt.Sprintf("%s %s looks like a misspelt EventDrivenService; did you mean %q?", apiVersion, kind, want)
	case typo(kind, v1alpha1.KindEventDrivenServiceDefaults):
		// Services expanded without their platform's defaults would be
		// wrong in every field the defaults set.
		return "kind", fmt.Sprintf("%s %s looks like a misspelt EventDrivenServiceDefaults; did you mean %q?",
			apiVersion, kind, v1alpha1.APIVersion+" "+v1alpha1.KindEventDrivenServiceDefaults)
	case typo(group, v1alpha1.Group):
		return "apiVersion", fmt.Sprintf("apiVersion %q looks like a misspelt %q; did you mean %q?", apiVersion, v1alpha1.APIVersion, want)
	}
	if spec := n.Field("spec"); spec != nil && spec.Value.YNode().Kind == yaml.MappingNode {
		image, nats := spec.Value.Field("image"), spec.Value.Field("nats")
		if image != nil && nats != nil && image.Value.YNode().Kind == yaml.ScalarNode && nats.Value.YNode().Kind == yaml.MappingNode {
			return "apiVersion", fmt.Sprintf("%s %s has spec.image and spec.nats like an EventDrivenService; did you mean %q?",
				apiVersion, kind, want)
		}
	}
	return "", ""
}

// typo reports whether s is a small edit away from want, or the same but for
// case, without being want.
func typo(s, want string) bool {
	return s != want && s != "" && editDistance(strings.ToLower(s), strings.ToLower(want)) <= maxTypo
}

func closest(s string, of []string) string {
	best, bestD := of[0], -1
	for _, o := range of {
		if d := editDistance(strings.ToLower(s), strings.ToLower(o)); bestD < 0 || d < bestD {
			best, bestD = o, d
		}
	}
	return best
}

// editDistance is v1alpha1.EditDistance, answering maxTypo+1 at once when
// the lengths alone differ by more than maxTypo, so that a 10 MB kind costs
// nothing.
func editDistance(a, b string) int {
	if d := len(a) - len(b); d > maxTypo || -d > maxTypo {
		return maxTypo + 1
	}
	return v1alpha1.EditDistance(a, b)
}
