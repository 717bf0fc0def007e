//go:build e2e

package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// schemaRejects lists the invalid golden cases (generator/testdata/<case>
// with an errors.txt) whose mistake a schema can see: a value outside an
// enum, an empty string under minLength, a number under its minimum, a
// missing required field, an unknown field (the API server rejects that under
// --validate=strict; without it, the structural schema silently prunes it),
// a wrong type. The API server, with the CRD of config/crd/, and kubeconform,
// with the JSON schema of schema/, must both reject each of them.
//
// The other invalid cases need the function's own checks (image references,
// cross-field rules, "$SYS", name lengths, ...): the test reports which of
// them a schema happens to catch, but does not require it. Adding a case
// here that a schema cannot catch fails the test; a case of this list that
// no longer exists fails it too.
var schemaRejects = []string{
	"err-custom-deployment-not-a-mapping", // customDeployment: type object
	"err-configmap-names-invalid",         // configMapRefs[].env[]: configMapKey, envName minLength 1
	"err-custom-service-not-a-mapping",    // customService: type object
	"err-env-plain-name-invalid",          // env[].name: minLength 1
	"err-http-path",                       // http.healthPath, readyPath: pattern ^/
	"err-http-port",                       // http.port: maximum 65535
	"err-http-port-zero",                  // http.port: minimum 1
	"err-pdb-wrong-type",                  // disruptionBudget.maxUnavailable: int or string
	"err-resources-invalid",               // resources.limits[memory]: a quantity
	"err-termination-grace-negative",      // terminationGracePeriodSeconds: minimum 0
	"err-wrong-types-pod",                 // command, env, http, podAnnotations: types
	"err-image-missing",                   // spec.image: required
	"err-image-pull-policy",               // imagePullPolicy: enum
	"err-init-no-command",                 // initContainer.command: required
	"err-lag-threshold",                   // scaling.lagThreshold: minimum 1
	"err-multiple",                        // image required, size enum, ...
	"err-nats-names-missing",              // nats.stream, nats.consumer: required
	"err-pod-security-unknown",            // podSecurity: enum
	"err-negative-count",                  // minReplicas minimum 0, maxReplicas minimum 1
	"err-size-unknown",                    // size: enum
	"err-spec-missing",                    // spec: required
	"err-unknown-field",                   // unknown fields under spec
	"err-unknown-field-top-level",         // unknown top-level field (status: there is none)
	"err-wrong-type",                      // secretRefs[].env: type array
	"err-wrong-type-number",               // nats.stream: type string
	"err-wrong-types",                     // lists, mappings, numbers and strings swapped

	// The KEDA fields (issue 12).
	"err-authentication-ref-kind",            // nats.authenticationRef.kind: enum
	"err-authentication-ref-name",            // nats.authenticationRef.name: required
	"err-behavior-unknown-field",             // unknown fields in scaling.behavior, policies[].value: type integer
	"err-custom-scaled-object-not-a-mapping", // customScaledObject: type object
	"err-fallback-invalid",                   // scaling.fallback: failureThreshold minimum 0, replicas required
	"err-keda-fields-wrong-types",            // strings, booleans, integers and mappings swapped; unknown fields
	"err-scaling-negative-durations",         // activationLagThreshold, cooldownPeriod, initialCooldownPeriod minimum 0, pollingInterval minimum 1
}

const edsKind = "EventDrivenService"

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

type edsInput struct {
	name string
	path string // the file as written
	obj  object // nil when the file does not parse
}

// validEDS are the EventDrivenServices of every example and of every golden
// success case.
func validEDS(t *testing.T) []edsInput {
	t.Helper()
	var out []edsInput
	root := filepath.Join(repoRoot, "examples")
	err := filepath.WalkDir(root, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(f, ".yaml") || strings.HasSuffix(f, ".yml")) {
			return err
		}
		objs, err := parseObjects(mustRead(t, f))
		if err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, o := range objs {
			if kindOf(o) == edsKind && groupOf(o) == "platform.bizmatters.io" {
				out = append(out, edsInput{name: "example/" + filepath.ToSlash(rel) + "/" + nameOf(o), path: f, obj: o})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no example holds an EventDrivenService")
	}
	success, _ := goldenCases(t)
	for _, dir := range success {
		f := filepath.Join(dir, "config.yaml")
		objs, err := parseObjects(mustRead(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			if kindOf(o) == edsKind {
				out = append(out, edsInput{name: "golden/" + caseName(dir), path: f, obj: o})
			}
		}
	}
	return out
}

// kubeconform validates file against schema/ only: it never fetches a schema.
func kubeconform(file string) (result, error) {
	loc := filepath.Join(repoRoot, "schema") + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
	return runProgram("", nil, nil, filepath.Join(toolsBin, "kubeconform"), "-strict", "-summary", "-schema-location", loc, file)
}

// TestCRDAcceptsValid: the API server, with the generated CRD installed,
// accepts every EventDrivenService of the examples and of the golden success
// cases under strict field validation, and so does kubeconform with the
// generated JSON schema. The examples' objects are also created for real.
func TestCRDAcceptsValid(t *testing.T) {
	for _, in := range validEDS(t) {
		t.Run(in.name, func(t *testing.T) {
			// A namespace of its own: examples repeat names (a kpt package
			// before and after rendering, a base and its overlay).
			ns := namespaceName("crd", strings.ReplaceAll(in.name, "/", "-"))
			ensureNamespace(t, ns)
			obj := inNamespace([]object{in.obj}, ns)[0]
			file := filepath.Join(workDir, "crd", ns+".yaml")
			writeObjects(t, file, []object{obj})

			res, err := kubectl(nil, "apply", "--dry-run=server", "--validate=strict", "-n", ns, "-f", file)
			if err != nil {
				t.Fatalf("the API server rejects %s:\n%v", in.path, err)
			}
			expectQuiet(t, "apply --dry-run=server --validate=strict", res)
			if res, err := kubeconform(file); err != nil {
				t.Errorf("kubeconform rejects %s with schema/:\n%s%s", in.path, res.stdout, res.stderr)
			}
			if !strings.HasPrefix(in.name, "example/") {
				return
			}
			res, err = kubectl(nil, "apply", "--validate=strict", "-n", ns, "-f", file)
			if err != nil {
				t.Fatalf("creating %s:\n%v", in.path, err)
			}
			expectVerbs(t, res, 1, "created")
			live, err := getObject("eventdrivenservices.platform.bizmatters.io", ns, nameOf(obj))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range missingFields(obj, live, "") {
				t.Errorf("%s: %s", in.path, m)
			}
		})
	}
}

// TestCRDRejectsInvalid applies every invalid golden case's config.yaml to
// the API server (dry run, strict field validation) and validates it with
// kubeconform, and requires both to reject the cases of schemaRejects.
func TestCRDRejectsInvalid(t *testing.T) {
	_, invalid := goldenCases(t)
	byName := map[string]string{}
	for _, dir := range invalid {
		byName[caseName(dir)] = dir
	}
	for _, name := range schemaRejects {
		if byName[name] == "" {
			t.Errorf("schemaRejects names %q, but generator/testdata has no such invalid case (one with config.yaml and errors.txt)", name)
		}
	}
	required := map[string]bool{}
	for _, name := range schemaRejects {
		required[name] = true
	}

	var table []string
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		dir := byName[name]
		file := filepath.Join(dir, "config.yaml")
		// Create the namespace the case names, when it can exist, so that
		// the case is judged on its own mistake.
		if objs, err := parseObjects(mustRead(t, file)); err == nil {
			for _, o := range objs {
				if ns := str(o, "metadata", "namespace"); ns != "" && dnsLabel.MatchString(ns) {
					ensureNamespace(t, ns)
				}
			}
		}
		apiRes, apiErr := kubectl(nil, "apply", "--dry-run=server", "--validate=strict", "-f", file)
		kcRes, kcErr := kubeconform(file)
		apiVerdict, kcVerdict := "accepted", "accepted"
		if apiErr != nil {
			apiVerdict = "REJECTED"
		}
		if kcErr != nil {
			kcVerdict = "REJECTED"
		}
		mark := " "
		if required[name] {
			mark = "*"
		}
		table = append(table, fmt.Sprintf("%s %-45s api-server %-8s kubeconform %-8s", mark, name, apiVerdict, kcVerdict))
		if required[name] {
			if apiErr == nil {
				t.Errorf("%s: the API server accepts it, but the CRD's schema should reject it:\n%s%s", name, apiRes.stdout, apiRes.stderr)
			} else {
				t.Logf("%s: API server: %s", name, firstLine(apiErr))
			}
			if kcErr == nil {
				t.Errorf("%s: kubeconform accepts it, but the JSON schema should reject it:\n%s", name, kcRes.stdout)
			}
		}
	}
	t.Logf("invalid golden cases (* = a schema must reject it):\n%s", strings.Join(table, "\n"))
}

func firstLine(err error) string {
	if ce, ok := err.(*cmdError); ok {
		s := strings.TrimSpace(ce.stderr)
		if i := strings.Index(s, "\n"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	return err.Error()
}

// TestDefaultsCRD: the API server, with the EventDrivenServiceDefaults CRD
// installed, and kubeconform with its JSON schema accept the examples'
// defaults objects under strict validation, and both reject a misspelt
// field, a value outside an enum and a per-service field.
func TestDefaultsCRD(t *testing.T) {
	const head = "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenServiceDefaults\nmetadata: {name: platform}\nspec:\n"
	valid := map[string]string{}
	root := filepath.Join(repoRoot, "examples")
	_ = filepath.WalkDir(root, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(f, ".yaml") {
			return err
		}
		if objs, err := parseObjects(mustRead(t, f)); err == nil {
			for _, o := range objs {
				if kindOf(o) == "EventDrivenServiceDefaults" {
					rel, _ := filepath.Rel(root, f)
					valid["example/"+filepath.ToSlash(rel)] = string(mustRead(t, f))
				}
			}
		}
		return nil
	})
	if len(valid) == 0 {
		t.Fatal("no example holds an EventDrivenServiceDefaults")
	}
	invalid := map[string]string{
		"misspelt field":    head + "  sise: small\n",
		"size not an enum":  head + "  size: huge\n",
		"per-service image": head + "  image: ghcr.io/acme/w:v1\n",
		"nats.stream":       head + "  nats: {stream: S}\n",
	}
	ns := namespaceName("crd", "defaults")
	ensureNamespace(t, ns)
	for _, set := range []struct {
		cases map[string]string
		want  bool
	}{{valid, true}, {invalid, false}} {
		for name, doc := range set.cases {
			t.Run(name, func(t *testing.T) {
				file := filepath.Join(workDir, "crd", strings.NewReplacer("/", "-", " ", "-").Replace(name)+".yaml")
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
					t.Fatal(err)
				}
				res, apiErr := kubectl(nil, "apply", "--dry-run=server", "--validate=strict", "-n", ns, "-f", file)
				kc, kcErr := kubeconform(file)
				if set.want && (apiErr != nil || kcErr != nil) {
					t.Errorf("rejected: API server %v; kubeconform %s%s", apiErr, kc.stdout, kc.stderr)
				}
				if !set.want && (apiErr == nil || kcErr == nil) {
					t.Errorf("accepted: API server %v %s; kubeconform %v %s", apiErr, res.stdout, kcErr, kc.stdout)
				}
			})
		}
	}
}
