//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// ---- running programs ------------------------------------------------------

type cmdError struct {
	argv   []string
	err    error
	stdout string
	stderr string
}

func (e *cmdError) Error() string {
	return fmt.Sprintf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(e.argv, " "), e.err, e.stdout, e.stderr)
}

type result struct {
	stdout, stderr string
}

// runProgram runs a program to completion with a time limit.
func runProgram(dir string, env []string, stdin []byte, argv ...string) (result, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = nil
	if err := cmd.Start(); err != nil {
		return result{}, &cmdError{argv: argv, err: err}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		err = fmt.Errorf("killed after 3 minutes: %v", <-done)
	}
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		return res, &cmdError{argv: argv, err: err, stdout: res.stdout, stderr: res.stderr}
	}
	return res, nil
}

// kubectl runs the kubectl built from k8s.io/kubernetes v1.37.2 against the
// suite's API server.
func kubectl(stdin []byte, args ...string) (result, error) {
	argv := append([]string{filepath.Join(toolsBin, "kubectl"), "--kubeconfig=" + kubeconfig}, args...)
	res, err := runProgram("", nil, stdin, argv...)
	noteWarnings(args, res.stderr)
	return res, err
}

// kustomizeBuild renders a kustomization with the kustomize CLI, bin/eds-fn
// first on PATH, exactly as the README tells users to.
func kustomizeBuild(dir string) ([]byte, error) {
	path := filepath.Dir(edsFnBin) + string(os.PathListSeparator) + os.Getenv("PATH")
	res, err := runProgram("", []string{"PATH=" + path}, nil,
		filepath.Join(toolsBin, "kustomize"), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if err != nil {
		return nil, err
	}
	return []byte(res.stdout), nil
}

// ---- objects -------------------------------------------------------------

type object = map[string]any

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// parseObjects reads a multi-document YAML stream the way kubectl does
// (sigs.k8s.io/yaml), skipping empty documents.
func parseObjects(data []byte) ([]object, error) {
	var out []object
	for i, doc := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", i, err)
		}
		var o object
		if err := json.Unmarshal(js, &o); err != nil {
			return nil, fmt.Errorf("document %d: %v", i, err)
		}
		if o == nil {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// writeObjects writes objects as a YAML stream of JSON documents (JSON is
// YAML), so that nothing is reinterpreted on the way to kubectl.
func writeObjects(t *testing.T, path string, objs []object) {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		js, err := json.MarshalIndent(o, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(js)
		b.WriteString("\n")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func deepCopy(o object) object {
	js, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	var c object
	if err := json.Unmarshal(js, &c); err != nil {
		panic(err)
	}
	return c
}

func str(o any, path ...string) string {
	v, _ := get(o, path...).(string)
	return v
}

func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(map[string]any)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func list(o any, path ...string) []any {
	v, _ := get(o, path...).([]any)
	return v
}

func setPath(o object, value any, path ...string) {
	m := o
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}

func kindOf(o object) string { return str(o, "kind") }
func nameOf(o object) string { return str(o, "metadata", "name") }

func groupOf(o object) string {
	g, _, found := strings.Cut(str(o, "apiVersion"), "/")
	if !found {
		return ""
	}
	return g
}

func ref(o object) string {
	ns := str(o, "metadata", "namespace")
	if ns != "" {
		ns += "/"
	}
	return kindOf(o) + " " + ns + nameOf(o)
}

// namespacedKinds holds "group/Kind" of every namespaced kind the API
// server serves, asked once at start.
var namespacedKinds = map[string]bool{}

func discoverNamespacedKinds() error {
	res, err := kubectl(nil, "api-resources", "--namespaced=true", "--no-headers")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		kind, apiVersion := f[len(f)-1], f[len(f)-3]
		group, _, found := strings.Cut(apiVersion, "/")
		if !found {
			group = ""
		}
		namespacedKinds[group+"/"+kind] = true
	}
	if !namespacedKinds["apps/Deployment"] || !namespacedKinds["keda.sh/ScaledObject"] || !namespacedKinds["platform.bizmatters.io/EventDrivenService"] {
		return fmt.Errorf("kubectl api-resources does not list Deployment, ScaledObject and EventDrivenService as namespaced kinds:\n%s", res.stdout)
	}
	return nil
}

// inNamespace moves every namespaced object into ns, so that each input of a
// test gets objects of its own (golden cases share names).
func inNamespace(objs []object, ns string) []object {
	out := make([]object, 0, len(objs))
	for _, o := range objs {
		c := deepCopy(o)
		if namespacedKinds[groupOf(c)+"/"+kindOf(c)] {
			setPath(c, ns, "metadata", "namespace")
		}
		out = append(out, c)
	}
	return out
}

// inNamespaces is inNamespace for output that spans several namespaces
// (one NATS install per team, say): each namespace of the output gets a test
// namespace of its own, ns-0, ns-1, ... in order of appearance, so that
// objects of the same name in different namespaces stay apart. It returns
// the namespaces used.
func inNamespaces(objs []object, ns string) ([]object, []string) {
	index := map[string]int{}
	var order []string
	for _, o := range objs {
		if !namespacedKinds[groupOf(o)+"/"+kindOf(o)] {
			continue
		}
		orig := str(o, "metadata", "namespace")
		if _, ok := index[orig]; !ok {
			index[orig] = len(order)
			order = append(order, orig)
		}
	}
	if len(order) <= 1 {
		return inNamespace(objs, ns), []string{ns}
	}
	names := make([]string, len(order))
	for i := range order {
		names[i] = namespaceName(ns, strconv.Itoa(i))
	}
	out := make([]object, 0, len(objs))
	for _, o := range objs {
		c := deepCopy(o)
		if namespacedKinds[groupOf(c)+"/"+kindOf(c)] {
			setPath(c, names[index[str(c, "metadata", "namespace")]], "metadata", "namespace")
		}
		out = append(out, c)
	}
	return out, names
}

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// namespaceName makes a DNS label from parts.
func namespaceName(parts ...string) string {
	s := nonLabel.ReplaceAllString(strings.ToLower(strings.Join(parts, "-")), "-")
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.Trim(s, "-")
}

func ensureNamespace(t *testing.T, ns string) {
	t.Helper()
	if ns == "" {
		return
	}
	if _, err := kubectl(nil, "get", "namespace", ns); err == nil {
		return
	}
	if _, err := kubectl(nil, "create", "namespace", ns); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		t.Fatalf("creating namespace %s: %v", ns, err)
	}
}

// dataRef is a Secret or ConfigMap that pod templates read.
type dataRef struct{ kind, ns, name string }

// referencedData is every Secret and ConfigMap the objects' pod templates
// reference (env, envFrom, image pull secrets, volumes), in the objects' own
// namespaces, with the keys they read by name.
func referencedData(objs []object) map[dataRef]map[string]bool {
	refs := map[dataRef]map[string]bool{}
	add := func(kind, ns, name, k string) {
		if name == "" {
			return
		}
		id := dataRef{kind, ns, name}
		if refs[id] == nil {
			refs[id] = map[string]bool{}
		}
		if k != "" {
			refs[id][k] = true
		}
	}
	for _, o := range objs {
		ns := str(o, "metadata", "namespace")
		walk(o, func(parent string, m map[string]any) {
			switch parent {
			case "secretKeyRef":
				add("Secret", ns, str(m, "name"), str(m, "key"))
			case "configMapKeyRef":
				add("ConfigMap", ns, str(m, "name"), str(m, "key"))
			case "secretRef":
				add("Secret", ns, str(m, "name"), "")
			case "configMapRef":
				add("ConfigMap", ns, str(m, "name"), "")
			case "imagePullSecrets":
				add("Secret", ns, str(m, "name"), "")
			case "secret":
				add("Secret", ns, str(m, "secretName"), "")
			}
		})
	}
	return refs
}

// kustomizeObjects is kustomizeBuild of dir, parsed.
func kustomizeObjects(t *testing.T, dir string) []object {
	t.Helper()
	data, err := kustomizeBuild(dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	objs, err := parseObjects(data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// ensureReferencedSecrets creates every Secret (and ConfigMap) the objects'
// pod templates reference, with the keys they read, in the objects' own
// namespaces: KEDA resolves the scale target's environment, and a missing
// secret keeps a ScaledObject from ever becoming Ready.
func ensureReferencedSecrets(t *testing.T, objs []object) {
	t.Helper()
	refs := referencedData(objs)
	var objsOut []object
	for id, keys := range refs {
		data := map[string]any{"placeholder": "e2e"}
		for k := range keys {
			data[k] = "e2e-value"
		}
		o := object{"apiVersion": "v1", "kind": id.kind, "metadata": map[string]any{"name": id.name, "namespace": id.ns}}
		if id.kind == "Secret" {
			o["stringData"] = data
		} else {
			o["data"] = data
		}
		ensureNamespace(t, id.ns)
		objsOut = append(objsOut, o)
	}
	if len(objsOut) == 0 {
		return
	}
	sort.Slice(objsOut, func(i, j int) bool { return ref(objsOut[i]) < ref(objsOut[j]) })
	path := filepath.Join(workDir, "secrets", fmt.Sprintf("%d.yaml", time.Now().UnixNano()))
	writeObjects(t, path, objsOut)
	if _, err := kubectl(nil, "apply", "-f", path); err != nil {
		t.Fatalf("creating the referenced secrets: %v", err)
	}
}

// walk calls fn for every mapping, with the key it is found under (list
// items get the list's key).
func walk(v any, fn func(parent string, m map[string]any)) {
	var rec func(parent string, v any)
	rec = func(parent string, v any) {
		switch x := v.(type) {
		case map[string]any:
			fn(parent, x)
			for k, c := range x {
				rec(k, c)
			}
		case []any:
			for _, c := range x {
				rec(parent, c)
			}
		}
	}
	rec("", v)
}

// getObject reads one live object as JSON.
func getObject(kind, ns, name string) (object, error) {
	args := []string{"get", kind, name, "-o", "json"}
	if ns != "" {
		args = append(args, "-n", ns)
	}
	res, err := kubectl(nil, args...)
	if err != nil {
		return nil, err
	}
	var o object
	if err := json.Unmarshal([]byte(res.stdout), &o); err != nil {
		return nil, err
	}
	return o, nil
}

// resourceName is what kubectl get takes for an object's kind: kind.group.
func resourceName(o object) string {
	if g := groupOf(o); g != "" {
		return strings.ToLower(kindOf(o)) + "." + g
	}
	return strings.ToLower(kindOf(o))
}

// condition returns status and reason of a status condition.
func condition(o object, typ string) (status, reason, message string) {
	for _, c := range list(o, "status", "conditions") {
		if str(c, "type") == typ {
			return str(c, "status"), str(c, "reason"), str(c, "message")
		}
	}
	return "", "", ""
}

// eventually polls check every 2 s until it returns nil or timeout passes.
func eventually(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		time.Sleep(2 * time.Second)
	}
}

// ---- comparing a manifest with the live object -----------------------------

// missingFields lists every field of want that got lost or changed on the way
// into got (the live object). Resource quantities compare by value, because
// the API server writes them in canonical form ("2000m" becomes "2").
func missingFields(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, live has %s", path, show(got))}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, present := g[k]
			if !present {
				if w[k] == nil || isEmpty(w[k]) {
					continue // null and empty values are not stored
				}
				out = append(out, fmt.Sprintf("%s.%s: dropped (was %s)", path, k, show(w[k])))
				continue
			}
			out = append(out, missingFields(w[k], gv, path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %s, live has %s", path, show(want), show(got))}
		}
		var out []string
		for i := range w {
			out = append(out, missingFields(w[i], g[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if fmt.Sprint(want) == fmt.Sprint(got) {
			return nil
		}
		if strings.Contains(path, ".resources.") && sameQuantity(want, got) {
			return nil
		}
		return []string{fmt.Sprintf("%s: want %s, live has %s", path, show(want), show(got))}
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func show(v any) string {
	js, _ := json.Marshal(v)
	return string(js)
}

var suffixes = map[string]*big.Rat{
	"":   big.NewRat(1, 1),
	"m":  big.NewRat(1, 1000),
	"k":  big.NewRat(1000, 1),
	"M":  big.NewRat(1000*1000, 1),
	"G":  big.NewRat(1000*1000*1000, 1),
	"T":  new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil)),
	"Ki": big.NewRat(1<<10, 1),
	"Mi": big.NewRat(1<<20, 1),
	"Gi": big.NewRat(1<<30, 1),
	"Ti": big.NewRat(1<<40, 1),
}

var quantityRE = regexp.MustCompile(`^([0-9.]+)([a-zA-Z]*)$`)

func quantity(v any) (*big.Rat, bool) {
	m := quantityRE.FindStringSubmatch(fmt.Sprint(v))
	if m == nil {
		return nil, false
	}
	n, ok := new(big.Rat).SetString(m[1])
	mult, known := suffixes[m[2]]
	if !ok || !known {
		return nil, false
	}
	return n.Mul(n, mult), true
}

func sameQuantity(a, b any) bool {
	x, ok1 := quantity(a)
	y, ok2 := quantity(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}
