package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const worker = "worker"

// base is a valid, minimal EventDrivenService; the chooser picks its Pod
// Security level (mostly privileged, so that Pod Security, which the API
// server does not apply to Deployments, rarely decides) and whether it
// serves HTTP (and so has a Service).
func base(c *chooser, needService bool) (map[string]any, string, bool) {
	level := pick(c, "privileged", "privileged", "privileged", "privileged", "privileged", "privileged", "privileged", "baseline", "restricted", "restricted")
	httpOn := needService || c.chance(80)
	spec := obj{
		"image":       "ghcr.io/acme/worker:v1.2.3",
		"nats":        obj{"stream": "ORDERS", "consumer": worker},
		"podSecurity": level,
	}
	if !httpOn {
		spec["http"] = obj{"enabled": false}
	}
	return obj{
		"apiVersion": "platform.bizmatters.io/v1alpha1",
		"kind":       "EventDrivenService",
		"metadata":   obj{"name": worker, "namespace": "team"},
		"spec":       spec,
	}, level, httpOn
}

// runEDSFn runs eds-fn's public entry point for one EventDrivenService
// (generator.Expand: decode, default, validate, generate, as the KRM
// function does for each input) and returns its objects as JSON by kind.
func runEDSFn(eds map[string]any) (map[string][]byte, field.ErrorList, error) {
	b, err := json.Marshal(eds)
	if err != nil {
		return nil, nil, err
	}
	node, err := yaml.Parse(string(b))
	if err != nil {
		return nil, nil, err
	}
	nodes, errs := generator.Expand(node)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	out := map[string][]byte{}
	for _, n := range nodes {
		j, err := n.MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		out[n.GetKind()] = j
	}
	return out, nil, nil
}

var unpatchedCache sync.Map // level/http → map[string][]byte

// unpatched is eds-fn's output without escape hatches: what the patch is
// applied to.
func unpatched(level string, httpOn bool) (map[string][]byte, error) {
	key := level + "/" + strconv.FormatBool(httpOn)
	if v, ok := unpatchedCache.Load(key); ok {
		return v.(map[string][]byte), nil
	}
	eds, _, _ := base(seedChooser(0), httpOn)
	eds["spec"].(obj)["podSecurity"] = level
	if !httpOn {
		eds["spec"].(obj)["http"] = obj{"enabled": false}
	}
	out, errs, err := runEDSFn(eds)
	if err == nil && len(errs) > 0 {
		err = errors.New(errs.ToAggregate().Error())
	}
	if err != nil {
		return nil, err
	}
	unpatchedCache.Store(key, out)
	return out, nil
}

// merge applies the patch to eds-fn's unpatched object as eds-fn does.
func merge(kind string, orig, patch []byte) (merged []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("strategic merge panicked: %v", r)
		}
	}()
	var schema any = appsv1.Deployment{}
	if kind == "Service" {
		schema = corev1.Service{}
	}
	return strategicpatch.StrategicMergePatch(orig, patch, schema)
}

// claimsAPIServer is whether an error of eds-fn's says the API server
// refuses the object (guardrails.go, customservice.go wording), or that the
// merged object does not decode (the API server answers 400).
func claimsAPIServer(e *field.Error) bool {
	return strings.Contains(e.Detail, "API server refuses") || strings.Contains(e.Detail, "does not yield a valid")
}

// claimsPods is whether an error of eds-fn's says the API server refuses
// the Deployment's pods (not the Deployment): the claim is the pod
// create's to confirm (guardrails.go: errorsInPatch(apiServerPodErrors)).
func claimsPods(e *field.Error) bool {
	return strings.Contains(e.Detail, "API server refuses this Deployment's pods")
}

type verdictKind int

const (
	agree verdictKind = iota
	// eds-fn accepts, the API server refuses what it emitted (the
	// Deployment, a pod of it, the Service, ...).
	unsound
	// eds-fn accepts, the API server refuses, only for reasons that depend
	// on the cluster's flags (its service CIDR, its IP families), which
	// eds-fn cannot know. Informational.
	clusterOnly
	// eds-fn says the API server refuses (the object, or its pods); the
	// API server accepts the merged object (or its pod).
	overStrict
	// eds-fn says the API server refuses; the API server refuses, but
	// nowhere near eds-fn's field. Informational: the API server skips
	// some checks after others fail (the Service's IP family pre-checks,
	// a volume with two sources is not checked further).
	otherReason
	// eds-fn refuses for a reason of its own (its contract, Pod Security); the API server would accept.
	policyOnly
)

type outcome struct {
	kind    verdictKind
	objKind string
	patch   []byte
	used    []string
	eds     field.ErrorList // eds-fn's errors
	api     field.ErrorList // the API server's, to the object's create
	// The API server's to the create of a pod of the Deployment, at their
	// place in the Deployment (apiServerPodErrors); podMade is whether
	// there was a pod (the Deployment decoded).
	pod     field.ErrorList
	podMade bool
	// eds-fn's claims that earned the verdict (overStrict, otherReason).
	flagged field.ErrorList
}

// runCase builds one hostile patch of kind's escape hatch and compares
// eds-fn's verdict with the API server's.
func runCase(tb testing.TB, objKind string, c *chooser) outcome {
	tb.Helper()
	eds, level, httpOn := base(c, objKind == "Service")
	hatch, muts := "customDeployment", deploymentMutations
	if objKind == "Service" {
		hatch, muts = "customService", serviceMutations
	}
	p := genPatch(c, muts, worker)
	eds["spec"].(obj)[hatch] = p.root
	patchJSON, err := json.Marshal(p.root)
	if err != nil {
		tb.Fatal(err)
	}
	o := outcome{objKind: objKind, patch: patchJSON, used: p.used}
	objs, edsErrs, err := runEDSFn(eds)
	if err != nil {
		tb.Fatalf("running eds-fn on patch %s: %v", patchJSON, err)
	}
	o.eds = edsErrs
	if len(edsErrs) == 0 {
		// Soundness: every object eds-fn emits is created, and so is
		// every pod of its Deployment.
		for _, k := range slices.Sorted(maps.Keys(objs)) {
			if !checkedKinds[k] {
				continue
			}
			var errs, podErrs field.ErrorList
			if k == "Deployment" {
				errs, podErrs = apiServerDeploymentErrors(objs[k])
			} else {
				errs = apiServerErrors(k, objs[k])
			}
			if len(errs) > 0 || len(podErrs) > 0 {
				o.kind, o.objKind = unsound, k
				o.api, o.pod = append(o.api, errs...), append(o.pod, podErrs...)
			}
		}
		if o.kind == unsound && !slices.ContainsFunc(append(slices.Clip(o.api), o.pod...), func(e *field.Error) bool { return !clusterDependent(e) }) {
			o.kind = clusterOnly
		}
		return o
	}
	orig, err := unpatched(level, httpOn)
	if err != nil {
		tb.Fatalf("eds-fn refuses the unpatched service: %v", err)
	}
	merged, err := merge(objKind, orig[objKind], patchJSON)
	if err != nil {
		return o // no merged object: nothing to compare
	}
	if objKind == "Deployment" {
		o.api, o.pod = apiServerDeploymentErrors(merged)
		o.podMade = o.pod != nil || !slices.ContainsFunc(o.api, func(e *field.Error) bool { return strings.HasPrefix(e.Detail, "decode:") })
	} else {
		o.api = apiServerErrors(objKind, merged)
	}
	// Each claim of eds-fn's is the Deployment's (or Service's) create's
	// to confirm, or, when it is about the pods, the pod create's. A claim
	// whose create accepts is over-strict; one whose create refuses other
	// fields is informational.
	claims, byKind := 0, map[verdictKind]field.ErrorList{}
	for _, e := range edsErrs {
		if !claimsAPIServer(e) {
			continue
		}
		claims++
		target := o.api
		if claimsPods(e) {
			target = o.pod
			if !o.podMade {
				byKind[otherReason] = append(byKind[otherReason], e) // the Deployment does not decode: no pod
				continue
			}
		}
		switch {
		case len(target) == 0:
			byKind[overStrict] = append(byKind[overStrict], e)
		case !slices.ContainsFunc(target, func(a *field.Error) bool { return sameLeaf(e, a) }):
			byKind[otherReason] = append(byKind[otherReason], e)
		}
	}
	switch {
	case claims == 0 && len(o.api) == 0 && len(o.pod) == 0:
		o.kind = policyOnly
	case len(byKind[overStrict]) > 0:
		o.kind, o.flagged = overStrict, byKind[overStrict]
	case len(byKind[otherReason]) > 0:
		o.kind, o.flagged = otherReason, byKind[otherReason]
	}
	return o
}

var indexes = regexp.MustCompile(`\[[^\]]*\]`)

// leaf is the last field name of a path, without indexes.
func leaf(path string) string {
	path = indexes.ReplaceAllString(path, "")
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// sameLeaf: eds-fn reports at the patch (spec.customDeployment.….containers[2].name),
// the API server at the object (spec.template.spec.containers[0].name);
// indexes differ, the field named does not. A decode error (eds-fn's "does
// not yield") matches the API server's decode error.
func sameLeaf(e, a *field.Error) bool {
	if strings.Contains(e.Detail, "does not yield a valid") {
		return strings.HasPrefix(a.Detail, "decode:")
	}
	parent := e.Field
	if i := strings.LastIndexByte(parent, '.'); i >= 0 {
		parent = parent[:i]
	}
	return leaf(e.Field) == leaf(a.Field) || leaf(parent) == leaf(a.Field)
}

// clusterDependent is whether the API server's error depends on how the
// cluster was set up (its service and node port ranges, its IP families),
// which eds-fn cannot know.
func clusterDependent(e *field.Error) bool {
	for _, s := range []string{"not in the valid range", "not configured on this cluster", "failed to allocate", "dual-stack"} {
		if strings.Contains(e.Detail, s) {
			return true
		}
	}
	return false
}

// pattern is a group's key for an API server error: its type and its path
// with every index and key as [*].
func pattern(e *field.Error) string {
	f := e.Field
	if f == "" || f == "<nil>" {
		f = "(root)"
	}
	if strings.HasPrefix(e.Detail, "decode:") {
		return "decode error (400 BadRequest)"
	}
	p := string(e.Type) + " " + indexes.ReplaceAllString(f, "[*]")
	if clusterDependent(e) {
		p += " (depends on the cluster's flags)"
	}
	return p
}

// group collects outcomes by error pattern, keeping the smallest example.
type group struct {
	count   int
	example outcome
}

type report struct {
	cases   map[string]int
	groups  map[verdictKind]map[string]*group
	failing int
}

func newReport() *report {
	return &report{cases: map[string]int{}, groups: map[verdictKind]map[string]*group{}}
}

func (r *report) add(o outcome) {
	r.cases[o.objKind+" "+verdictName[o.kind]]++
	if o.kind == unsound || o.kind == overStrict {
		r.failing++
	}
	if o.kind == agree {
		return
	}
	keys := map[string]bool{}
	switch o.kind {
	case unsound, clusterOnly:
		for _, e := range o.api {
			keys[o.objKind+": "+pattern(e)] = true
		}
		for _, e := range o.pod {
			keys["Pod of the Deployment: "+pattern(e)] = true
		}
	default:
		errs := o.flagged
		if o.kind == policyOnly {
			errs = o.eds
		}
		for _, e := range errs {
			d := e.Detail
			if i := strings.IndexAny(d, ";("); i > 0 {
				d = d[:i]
			}
			keys[o.objKind+": "+string(e.Type)+" "+indexes.ReplaceAllString(e.Field, "[*]")+": "+strings.TrimSpace(d)] = true
		}
	}
	if r.groups[o.kind] == nil {
		r.groups[o.kind] = map[string]*group{}
	}
	for k := range keys {
		g := r.groups[o.kind][k]
		if g == nil {
			g = &group{example: o}
			r.groups[o.kind][k] = g
		}
		g.count++
		if better(o, g.example) {
			g.example = o
		}
	}
}

// better prefers the example with the fewest errors (the group's alone, at
// best), then the fewest edits, then the shortest patch.
func better(a, b outcome) bool {
	if na, nb := len(a.api)+len(a.pod)+len(a.eds), len(b.api)+len(b.pod)+len(b.eds); na != nb {
		return na < nb
	}
	if len(a.used) != len(b.used) {
		return len(a.used) < len(b.used)
	}
	return len(a.patch) < len(b.patch)
}

var verdictName = map[verdictKind]string{
	agree:       "agree",
	unsound:     "eds-fn accepts, the API server refuses",
	clusterOnly: "eds-fn accepts, the API server refuses on its cluster's flags (informational: eds-fn cannot know them)",
	overStrict:  "eds-fn says the API server refuses, the API server accepts",
	otherReason: "eds-fn says the API server refuses a field, the API server refuses others (informational: it stops early on some errors)",
	policyOnly:  "eds-fn refuses on its own policy, the API server accepts (informational)",
}

// disagreements is the number of cases that fail: unsound or over-strict.
func (r *report) disagreements() int { return r.failing }

func (r *report) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(r.cases)) {
		fmt.Fprintf(&b, "%6d  %s\n", r.cases[k], k)
	}
	for _, vk := range []verdictKind{unsound, overStrict, clusterOnly, otherReason, policyOnly} {
		gs := r.groups[vk]
		if len(gs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n== %s: %d groups\n", verdictName[vk], len(gs))
		keys := slices.Collect(maps.Keys(gs))
		slices.SortFunc(keys, func(x, y string) int {
			if gs[x].count != gs[y].count {
				return gs[y].count - gs[x].count
			}
			return strings.Compare(x, y)
		})
		for _, k := range keys {
			g := gs[k]
			fmt.Fprintf(&b, "\n%5d  %s\n       patch (%s): %s\n", g.count, k, strings.Join(g.example.used, "+"), truncate(string(g.example.patch), 600))
			if len(g.example.eds) > 0 {
				fmt.Fprintf(&b, "       eds-fn: %s\n", indent(truncate(edsText(g.example.eds), 900)))
			} else {
				b.WriteString("       eds-fn: accepted\n")
			}
			if len(g.example.api) > 0 {
				fmt.Fprintf(&b, "       API server: %s\n", indent(truncate(format(g.example.api), 900)))
			} else {
				b.WriteString("       API server: accepted\n")
			}
			if len(g.example.pod) > 0 {
				fmt.Fprintf(&b, "       API server, a pod of it: %s\n", indent(truncate(format(g.example.pod), 900)))
			} else if g.example.podMade || (g.example.objKind == "Deployment" && len(g.example.eds) == 0) {
				b.WriteString("       API server, a pod of it: accepted\n")
			}
		}
	}
	return b.String()
}

func edsText(errs field.ErrorList) string {
	var lines []string
	for _, e := range errs {
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n                   ") }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func seeds(tb testing.TB) int {
	if s := os.Getenv("CONFORMANCE_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			tb.Fatalf("CONFORMANCE_SEEDS: %v", err)
		}
		return n
	}
	return 3000
}

// TestCorpus runs a fixed corpus of hostile patches of each escape hatch
// (CONFORMANCE_SEEDS seeds each, 3000 by default) and fails with every
// disagreement at once, grouped by the API server's error (eds-fn accepts
// what the API server refuses) or by eds-fn's (eds-fn says the API server
// refuses what it accepts), with the smallest example patch of each group.
// CONFORMANCE_REPORT names a file to write the report to.
func TestCorpus(t *testing.T) {
	r := newReport()
	n := seeds(t)
	for _, kind := range []string{"Deployment", "Service"} {
		for seed := range n {
			r.add(runCase(t, kind, seedChooser(uint64(seed))))
		}
	}
	text := versions(t) + "\n\n" + r.String()
	if path := os.Getenv("CONFORMANCE_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Error(err)
		}
	}
	if r.disagreements() > 0 {
		t.Errorf("eds-fn and the API server disagree on %d cases:\n%s", r.disagreements(), text)
	} else {
		t.Logf("no disagreement:\n%s", text)
	}
}

var requireKubernetes = regexp.MustCompile(`(?m)^\s*(?:require\s+)?k8s\.io/kubernetes\s+(v\S+)`)

// versions says which k8s.io/kubernetes the test links (this module's
// go.mod, which holds the selected version of every module of the build),
// for the API server and for eds-fn alike (a build has one version of a
// module), and which eds-fn's own go.mod requires, which its releases link.
// When they differ, the report is about eds-fn's logic with the newer
// rules: a rule that changed between the two versions is not seen here.
func versions(tb testing.TB) string {
	version := func(gomod string) string {
		b, err := os.ReadFile(gomod)
		if err != nil {
			tb.Logf("reading %s: %v", gomod, err)
			return "(unknown)"
		}
		if m := requireKubernetes.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		return "(unknown)"
	}
	linked, required := version("go.mod"), version("../go.mod")
	s := fmt.Sprintf("k8s.io/kubernetes: %s for the API server and for eds-fn in this test; eds-fn's go.mod requires %s", linked, required)
	if linked != required {
		s += fmt.Sprintf(",\nwhich its releases link: where the rules of %s and %s differ, eds-fn's releases may answer otherwise than here", required, linked)
	}
	return s
}

func fuzzHatch(f *testing.F, kind string) {
	for _, s := range []string{"", "\x00", "\x01\x02\x03", "\xff\xfe\xfd\xfc\xfb", "hostile patch"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := runCase(t, kind, newChooser(data))
		if o.kind == unsound || o.kind == overStrict {
			r := newReport()
			r.add(o)
			t.Errorf("%s", r)
		}
	})
}

// FuzzCustomDeployment: go test -fuzz FuzzCustomDeployment
func FuzzCustomDeployment(f *testing.F) { fuzzHatch(f, "Deployment") }

// FuzzCustomService: go test -fuzz FuzzCustomService
func FuzzCustomService(f *testing.F) { fuzzHatch(f, "Service") }
