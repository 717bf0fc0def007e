package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
)

const (
	apiDir    = "../../api/v1alpha1"
	reference = "../../docs/api.md"
	rulesPage = "../../docs/fields.md"
	regen     = "make docs (go run ./hack/apidocs)"
)

// TestReferenceUpToDate fails when docs/api.md is not what the types of
// api/v1alpha1 generate: a doc comment, marker or default changed without
// the reference.
func TestReferenceUpToDate(t *testing.T) {
	want, _, err := Generate(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(reference)
	if err != nil {
		t.Fatalf("%v: run %s", err, regen)
	}
	if bytes.Equal(have, want) {
		return
	}
	hl, wl := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(hl), len(wl)); i++ {
		var h, w string
		if i < len(hl) {
			h = hl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if h != w {
			t.Fatalf("docs/api.md is stale: run %s\nfirst difference, line %d:\n  docs/api.md: %s\n  generated:   %s", regen, i+1, h, w)
		}
	}
}

// TestDefaultsAreTheCode checks the Default column against what the code
// does: Default() of a minimal object fills exactly the fields the
// reference gives a default, with those values.
func TestDefaultsAreTheCode(t *testing.T) {
	_, fields, err := Generate(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	eds := &v1alpha1.EventDrivenService{Spec: v1alpha1.EventDrivenServiceSpec{
		Image:          "ghcr.io/org/worker:v1",
		InitContainer:  &v1alpha1.InitContainer{Command: []string{"migrate"}},
		Ports:          []v1alpha1.Port{{Name: "metrics", Port: 9090}},
		ServiceAccount: &v1alpha1.ServiceAccount{},
		Scaling:        &v1alpha1.Scaling{ExtraTriggers: []v1alpha1.Trigger{{Type: "cpu", AuthenticationRef: &v1alpha1.AuthenticationRef{Name: "a"}}}},
		NATS: v1alpha1.NATS{
			Stream: "S", Consumer: "C",
			AuthenticationRef: &v1alpha1.AuthenticationRef{Name: "auth"},
		},
	}}
	nhe := &v1alpha1.NATSHeadlessEndpoint{}
	check := func(kind string, obj any, defaultFn func()) {
		before := flatten(t, obj)
		defaultFn()
		after := flatten(t, obj)
		documented := map[string]bool{}
		for _, f := range fields {
			if f.Kind != kind || f.Default == "" {
				continue
			}
			documented[f.Path] = true
			want := strings.Trim(f.Default, "`")
			if ref, ok := strings.CutPrefix(f.Default, "`spec."); ok {
				if v, isField := after["spec."+strings.TrimSuffix(ref, "`")]; isField {
					want = v
				}
			}
			got, ok := after[f.Path]
			if !ok && want == "false" {
				continue // omitempty: false is not written
			}
			if got != want {
				t.Errorf("%s %s: the reference says default %s, Default() gives %q", kind, f.Path, f.Default, got)
			}
		}
		for p, v := range after {
			if _, was := before[p]; !was && !documented[p] {
				t.Errorf("%s %s: Default() sets %q, but the reference gives no default: place it in codeDefaults", kind, p, v)
			}
		}
	}
	check("EventDrivenService", eds, eds.Default)
	check("NATSHeadlessEndpoint", nhe, nhe.Default)
}

// flatten is an object's JSON as path to scalar value.
func flatten(t *testing.T, obj any) map[string]string {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(string, any)
	walk = func(p string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if p == "" {
					walk(k, c)
				} else {
					walk(p+"."+k, c)
				}
			}
		case []any:
			for _, c := range v {
				walk(p+"[]", c)
			}
		case nil:
		default:
			out[p] = fmt.Sprint(v)
		}
	}
	walk("", v)
	delete(out, "metadata.creationTimestamp")
	return out
}

// TestFieldRulesNameRealFields: every field docs/fields.md has a rule for
// is a field of the reference (or below one of another package, such as
// metadata), so the hand-written page cannot keep a removed field.
func TestFieldRulesNameRealFields(t *testing.T) {
	_, fields, err := Generate(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}  // every path
	parent := map[string]bool{} // paths with fields of their own below them
	for _, f := range fields {
		if f.Kind != "EventDrivenService" {
			continue
		}
		known[f.Path] = true
		if i := strings.LastIndex(f.Path, "."); i > 0 {
			parent[strings.TrimSuffix(f.Path[:i], "[]")] = true
		}
	}
	b, err := os.ReadFile(rulesPage)
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| (`[^|]*`) \\|")
	code := regexp.MustCompile("`([^`]+)`")
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var last string
		for _, c := range code.FindAllStringSubmatch(m[1], -1) {
			p := c[1]
			if strings.HasPrefix(p, ".") { // "`spec.resources.requests`, `.limits`"
				p = last[:strings.LastIndex(last, ".")] + p
			}
			last = p
			n++
			p = strings.TrimSuffix(p, "[]")
			if known[p] {
				continue
			}
			ok := false
			for q := p; strings.Contains(q, "."); {
				q = strings.TrimSuffix(q[:strings.LastIndex(q, ".")], "[]")
				if known[q] && !parent[q] {
					ok = true // below a field of another package's type
					break
				}
			}
			if !ok {
				t.Errorf("%s has a row for %s, which is not a field of EventDrivenService (docs/api.md)", filepath.Base(rulesPage), c[1])
			}
		}
	}
	if n < 40 {
		t.Fatalf("read only %d field rows from %s", n, rulesPage)
	}
}
