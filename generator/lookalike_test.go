package generator

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestLookalike(t *testing.T) {
	cases := []struct {
		name, obj string
		path, msg string // msg: a part of the message; "" when n is fine
	}{
		{"kind one letter off", "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenSevice", "kind", `did you mean "EventDrivenService"`},
		{"kind lower case, our group", "apiVersion: platform.bizmatters.io/v1alpha1\nkind: eventdrivenservice", "kind", `did you mean "EventDrivenService"`},
		{"kind off, other group", "apiVersion: acme.io/v1\nkind: EventDrivenServices", "kind", `did you mean "platform.bizmatters.io/v1alpha1 EventDrivenService"`},
		{"group off", "apiVersion: platform.bizmatter.io/v1alpha1\nkind: EventDrivenService", "apiVersion", `misspelt "platform.bizmatters.io/v1alpha1"`},
		{"group off, other kind", "apiVersion: platfrom.bizmatters.io/v1\nkind: Worker", "apiVersion", "misspelt"},
		{"our spec under another kind", "apiVersion: v1\nkind: ConfigMap\nspec:\n  image: x\n  nats: {stream: S}", "apiVersion", "has spec.image and spec.nats"},
		{"unknown kind of our group", "apiVersion: platform.bizmatters.io/v1alpha1\nkind: Worker", "kind", "is not a kind of platform.bizmatters.io"},
		{"transformer config", "apiVersion: platform.bizmatters.io/v1alpha1\nkind: NATSHeadlessEndpoint", "", ""},
		{"bulk config", "apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices", "", ""},
		{"a Deployment", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template: {}", "", ""},
		{"spec.nats not a mapping", "apiVersion: acme.io/v1\nkind: Broker\nspec:\n  image: x\n  nats: true", "", ""},
		{"a kind far from ours", "apiVersion: acme.io/v1\nkind: EventService", "", ""},
		{"a long kind", "apiVersion: acme.io/v1\nkind: " + strings.Repeat("E", 100000), "", ""},
		{"no kind at all", "metadata: {name: x}", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, msg := lookalike(yaml.MustParse(tc.obj))
			if path != tc.path || (tc.msg == "") != (msg == "") || !strings.Contains(msg, tc.msg) {
				t.Errorf("lookalike = %q, %q; want %q and a message with %q", path, msg, tc.path, tc.msg)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "abd", 1}, {"abc", "ab", 1}, {"ab", "ba", 2},
		{"kitten", "sitting", 3}, {"a", "abcdef", maxTypo + 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
