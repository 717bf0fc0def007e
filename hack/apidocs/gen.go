package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// kinds are the top-level types of the API, in the order of the reference.
var kinds = []string{"EventDrivenService", "EventDrivenServiceDefaults", "ExpandEventDrivenServices", "NATSHeadlessEndpoint"}

// codeDefaults places the defaults that eds-fn applies in code
// (api/v1alpha1/defaults.go, natsheadlessendpoint.go) on their fields: kind
// and path to the name of the constant. Every Default* constant of the
// package must be placed here, and where a field also has a
// +kubebuilder:default marker the two must agree, so the reference says
// what the code does.
var codeDefaults = map[string]string{
	"EventDrivenService spec.size":                        "DefaultSize",
	"EventDrivenService spec.podSecurity":                 "DefaultPodSecurity",
	"EventDrivenService spec.nats.url":                    "DefaultNATSURL",
	"EventDrivenService spec.nats.account":                "DefaultAccount",
	"EventDrivenService spec.nats.monitoringEndpoint":     "DefaultMonitoringEndpoint",
	"EventDrivenService spec.nats.authenticationRef.kind": "KindTriggerAuthentication",
	"EventDrivenService spec.scaling.minReplicas":         "DefaultMinReplicas",
	"EventDrivenService spec.scaling.maxReplicas":         "DefaultMaxReplicas",
	"EventDrivenService spec.scaling.lagThreshold":        "DefaultLagThreshold",
	"EventDrivenService spec.http.port":                   "DefaultHTTPPort",
	"EventDrivenService spec.http.healthPath":             "DefaultHealthPath",
	"EventDrivenService spec.http.readyPath":              "DefaultReadyPath",
	"NATSHeadlessEndpoint spec.serviceName":               "DefaultNATSHeadlessService",
	"NATSHeadlessEndpoint spec.namespace":                 "DefaultNATSNamespace",
	"EventDrivenService spec.initContainer.image":         "=spec.image", // another field's value (defaultPod)
}

// requiredOverride says what the types cannot: an embedded ObjectMeta is
// optional in Go, but EventDrivenService validation requires metadata.name.
var requiredOverride = map[string]string{
	"EventDrivenService metadata": "yes: `name`",
}

// externalTypes are the types of other packages the API uses, as the
// reference shows them. A type missing here is an error, not a guess.
var externalTypes = map[string]string{
	"corev1.PullPolicy":                             "string",
	"corev1.LocalObjectReference":                   "object ([LocalObjectReference](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/local-object-reference/): `name`)",
	"corev1.ResourceList":                           "map of resource name to [quantity](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)",
	"intstr.IntOrString":                            "integer or string",
	"autoscalingv2.HorizontalPodAutoscalerBehavior": "object ([HorizontalPodAutoscalerBehavior](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/#HorizontalPodAutoscalerSpec), autoscaling/v2)",
	"runtime.RawExtension":                          "object (a patch)",
	"metav1.ObjectMeta":                             "object ([ObjectMeta](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/))",
	"corev1.PodFSGroupChangePolicy":                 "string",
	"corev1.EnvVarSource":                           "object ([EnvVarSource](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables): `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef`)",
	"corev1.HostAlias":                              "object ([HostAlias](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#hostname-and-name-resolution): `ip`, `hostnames`)",
	"corev1.Lifecycle":                              "object ([Lifecycle](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#lifecycle): `postStart`, `preStop`)",
	"autoscalingv2.MetricTargetType":                "string",
	"corev1.Protocol":                               "string",
	"corev1.ProbeHandler":                           "the fields `exec`, `httpGet`, `tcpSocket`, `grpc` of a [Probe](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe)",
	"corev1.Volume":                                 "object ([Volume](https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/volume/))",
	"corev1.VolumeMount":                            "object ([VolumeMount](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#volumes-1): `name`, `mountPath`, `subPath`, `readOnly`, ...)",
	"corev1.Toleration":                             "object ([Toleration](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling))",
	"corev1.Affinity":                               "object ([Affinity](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Affinity))",
	"corev1.TopologySpreadConstraint":               "object ([TopologySpreadConstraint](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling))",
	"appsv1.DeploymentStrategy":                     "object ([DeploymentStrategy](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#DeploymentSpec): `type`, `rollingUpdate.maxSurge`, `rollingUpdate.maxUnavailable`)",
}

// inlineFields are the fields of embedded types of other packages
// (`json:",inline"`): JSON name and how the reference shows the type.
var inlineFields = map[string][][2]string{
	"&{corev1 ProbeHandler}": {
		{"exec", "object ([ExecAction](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe): `command`)"},
		{"httpGet", "object ([HTTPGetAction](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe): `path`, `port`, `scheme`, `httpHeaders`)"},
		{"tcpSocket", "object ([TCPSocketAction](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe): `port`)"},
		{"grpc", "object ([GRPCAction](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe): `port`, `service`)"},
	},
}

// Field is one row of the reference.
type Field struct {
	Kind     string
	Path     string // spec.secretRefs[].env[].secretKey
	Type     string
	Required string
	Default  string
	Meaning  string

	optional bool
}

type pkg struct {
	types  map[string]*ast.TypeSpec
	docs   map[string]*ast.CommentGroup // a type's doc comment
	consts map[string]ast.Expr
	sizes  [][5]string // Sizes, in source order: size, request cpu, memory, limit cpu, memory
}

func load(dir string) (*pkg, error) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	p := &pkg{types: map[string]*ast.TypeSpec{}, docs: map[string]*ast.CommentGroup{}, consts: map[string]ast.Expr{}}
	sort.Strings(names)
	var sizes ast.Expr
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range g.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					p.types[s.Name.Name] = s
					doc := s.Doc
					if doc == nil && len(g.Specs) == 1 {
						doc = g.Doc
					}
					p.docs[s.Name.Name] = doc
				case *ast.ValueSpec:
					for i, n := range s.Names {
						if g.Tok == token.CONST && i < len(s.Values) {
							p.consts[n.Name] = s.Values[i]
						}
						if g.Tok == token.VAR && n.Name == "Sizes" && i < len(s.Values) {
							sizes = s.Values[i]
						}
					}
				}
			}
		}
	}
	if sizes != nil {
		if p.sizes, err = p.readSizes(sizes); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// readSizes reads `Sizes = map[Size]Resources{SizeMicro: sized("100m", ...)}`.
func (p *pkg) readSizes(e ast.Expr) ([][5]string, error) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("the Sizes variable is not a composite literal")
	}
	var out [][5]string
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("an element of Sizes is not key: value")
		}
		key, err := p.constValue(kv.Key)
		if err != nil {
			return nil, err
		}
		call, ok := kv.Value.(*ast.CallExpr)
		if !ok || len(call.Args) != 4 {
			return nil, fmt.Errorf("the size %s is not sized(4 quantities)", key)
		}
		row := [5]string{key}
		for i, a := range call.Args {
			if row[i+1], err = p.constValue(a); err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// constValue evaluates the constant expressions the package uses: literals,
// other constants, and string concatenation.
func (p *pkg) constValue(e ast.Expr) (string, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return strconv.Unquote(e.Value)
		}
		return e.Value, nil
	case *ast.Ident:
		v, ok := p.consts[e.Name]
		if !ok {
			return "", fmt.Errorf("constant %s not found", e.Name)
		}
		return p.constValue(v)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			break
		}
		a, err := p.constValue(e.X)
		if err != nil {
			return "", err
		}
		b, err := p.constValue(e.Y)
		return a + b, err
	}
	return "", fmt.Errorf("cannot evaluate %T", e)
}

// docText is a comment without its +markers, one line per paragraph.
func docText(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, l := range strings.Split(cg.Text(), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "+"):
		case l == "":
			flush()
		default:
			cur = append(cur, l)
		}
	}
	flush()
	return strings.Join(paras, "\n\n")
}

// markers are a comment's +markers, name to value ("" for a flag).
func markers(cg *ast.CommentGroup) map[string]string {
	m := map[string]string{}
	if cg == nil {
		return m
	}
	for _, c := range cg.List {
		l := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		if !strings.HasPrefix(l, "+") {
			continue
		}
		name, value, _ := strings.Cut(l[1:], "=")
		m[name] = value
	}
	return m
}

func unquoteMarker(v string) string {
	if u, err := strconv.Unquote(v); err == nil {
		return u
	}
	return v
}

// rules turns validation markers into words.
func rules(m map[string]string) []string {
	var out []string
	if v, ok := m["kubebuilder:validation:Enum"]; ok {
		var vs []string
		for _, e := range strings.Split(v, ";") {
			vs = append(vs, "`"+e+"`")
		}
		out = append(out, "One of "+strings.Join(vs, ", ")+".")
	}
	minV, hasMin := m["kubebuilder:validation:Minimum"]
	maxV, hasMax := m["kubebuilder:validation:Maximum"]
	switch {
	case hasMin && hasMax:
		out = append(out, fmt.Sprintf("From %s to %s.", minV, maxV))
	case hasMin:
		out = append(out, fmt.Sprintf("At least %s.", minV))
	case hasMax:
		out = append(out, fmt.Sprintf("At most %s.", maxV))
	}
	if v, ok := m["kubebuilder:validation:MinLength"]; ok {
		if v == "1" {
			out = append(out, "Not empty.")
		} else {
			out = append(out, "At least "+v+" characters.")
		}
	}
	if v, ok := m["kubebuilder:validation:MinItems"]; ok {
		if v == "1" {
			out = append(out, "At least one item.")
		} else {
			out = append(out, "At least "+v+" items.")
		}
	}
	if v, ok := m["kubebuilder:validation:Pattern"]; ok {
		out = append(out, "Matches the pattern `"+strings.Trim(v, "`\"")+"`.")
	}
	if v, ok := m["kubebuilder:validation:XValidation"]; ok {
		if i := strings.Index(v, "message="); i >= 0 {
			out = append(out, "Rule: "+unquoteMarker(v[i+len("message="):])+".")
		}
	}
	return out
}

type walker struct {
	p      *pkg
	kind   string
	fields []Field
	used   map[string]bool // codeDefaults keys placed
}

// typeOf says how the reference shows a Go type, and the local struct type
// to descend into, if any.
func (w *walker) typeOf(e ast.Expr) (string, string, bool, error) {
	switch e := e.(type) {
	case *ast.StarExpr:
		return w.typeOf(e.X)
	case *ast.ArrayType:
		t, st, _, err := w.typeOf(e.Elt)
		return "list of " + t, st, true, err
	case *ast.MapType:
		k, _, _, err := w.typeOf(e.Key)
		if err != nil {
			return "", "", false, err
		}
		v, _, _, err := w.typeOf(e.Value)
		return "map of " + k + " to " + v, "", false, err
	case *ast.SelectorExpr:
		name := fmt.Sprint(e.X) + "." + e.Sel.Name
		t, ok := externalTypes[name]
		if !ok {
			return "", "", false, fmt.Errorf("%s: type %s is not in externalTypes of hack/apidocs: say how the reference shows it", w.kind, name)
		}
		return t, "", false, nil
	case *ast.Ident:
		switch e.Name {
		case "string":
			return "string", "", false, nil
		case "bool":
			return "boolean", "", false, nil
		case "int32", "int64":
			return "integer (" + e.Name + ")", "", false, nil
		}
		ts, ok := w.p.types[e.Name]
		if !ok {
			return "", "", false, fmt.Errorf("type %s not found", e.Name)
		}
		switch u := ts.Type.(type) {
		case *ast.StructType:
			return "object", e.Name, false, nil
		case *ast.Ident:
			return w.typeOf(u)
		}
		return "", "", false, fmt.Errorf("type %s: unsupported underlying type", e.Name)
	}
	return "", "", false, fmt.Errorf("unsupported type expression %T", e)
}

// walk adds a row for every field of struct type name below path.
func (w *walker) walk(name, path string, ancestors []*Field) error {
	st := w.p.types[name].Type.(*ast.StructType)
	for _, f := range st.Fields.List {
		tag := ""
		if f.Tag != nil {
			tag = reflect.StructTag(strings.Trim(f.Tag.Value, "`")).Get("json")
		}
		jname, opts, _ := strings.Cut(tag, ",")
		if jname == "-" {
			continue
		}
		if jname == "" {
			if sel, ok := f.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "TypeMeta" {
				continue // apiVersion and kind: written by the caller
			}
			if fields, ok := inlineFields[fmt.Sprint(f.Type)]; ok && strings.Contains(opts, "inline") {
				// An embedded type of another package: a row for each
				// of its fields, all optional, with the field's doc.
				for _, sf := range fields {
					p := sf[0]
					if path != "" {
						p = path + "." + sf[0]
					}
					w.fields = append(w.fields, Field{Kind: w.kind, Path: p, Type: sf[1], Required: "no",
						Meaning: strings.TrimSpace(docText(f.Doc)), optional: true})
				}
				continue
			}
			return fmt.Errorf("%s.%s: a field without a JSON name", name, fieldName(f))
		}
		p := jname
		if path != "" {
			p = path + "." + jname
		}
		m := markers(f.Doc)
		typ, sub, isList, err := w.typeOf(f.Type)
		if err != nil {
			return err
		}
		row := Field{Kind: w.kind, Path: p, Type: typ}
		row.optional = slices.Contains(strings.Split(opts, ","), "omitempty") || hasKey(m, "optional")
		row.Required = required(&row, ancestors)
		if r, ok := requiredOverride[w.kind+" "+p]; ok {
			row.Required = r
		}
		meaning := docText(f.Doc)
		var typeMarkers map[string]string
		if sub != "" {
			td := docText(w.p.docs[sub])
			if td != "" && td != meaning {
				meaning = strings.TrimSpace(meaning + "\n\n" + td)
			}
			typeMarkers = markers(w.p.docs[sub])
		}
		rs := rules(m)
		rs = append(rs, rules(typeMarkers)...)
		if len(rs) > 0 {
			meaning = strings.TrimSpace(meaning + "\n\n" + strings.Join(rs, " "))
		}
		row.Meaning = meaning
		if err := w.setDefault(&row, m); err != nil {
			return err
		}
		w.fields = append(w.fields, row)
		if sub != "" {
			childPath := p
			if isList {
				childPath += "[]"
			}
			anc := append(slices.Clone(ancestors), &w.fields[len(w.fields)-1])
			if isList {
				anc = nil // the fields of an item are required of each item
			}
			if err := w.walk(sub, childPath, anc); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldName(f *ast.Field) string {
	if len(f.Names) > 0 {
		return f.Names[0].Name
	}
	return fmt.Sprint(f.Type)
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// required is "no" for an optional field; "yes" for a required one whose
// enclosing objects are required too (up to the list item it belongs to),
// else "yes, if <the nearest optional object> is set".
func required(f *Field, ancestors []*Field) string {
	if f.optional {
		return "no"
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if ancestors[i].optional {
			return "yes, if `" + ancestors[i].Path + "` is set"
		}
	}
	return "yes"
}

func (w *walker) setDefault(f *Field, m map[string]string) error {
	marker, hasMarker := m["kubebuilder:default"]
	marker = unquoteMarker(marker)
	key := w.kind + " " + f.Path
	c, hasCode := codeDefaults[key]
	if hasCode {
		w.used[key] = true
	}
	switch {
	case hasCode && strings.HasPrefix(c, "="):
		f.Default = "`" + c[1:] + "`"
		if hasMarker {
			return fmt.Errorf("%s: both a marker default and the value of %s", key, c[1:])
		}
	case hasCode:
		v, err := w.p.constValue(&ast.Ident{Name: c})
		if err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
		if hasMarker && marker != v {
			return fmt.Errorf("%s: +kubebuilder:default=%s but eds-fn defaults it to %s = %q: make them agree", key, marker, c, v)
		}
		f.Default = "`" + v + "`"
	case hasMarker:
		f.Default = "`" + marker + "`"
	case f.Type == "boolean" && f.optional:
		f.Default = "`false`" // Go's zero value: omitted is false
	}
	return nil
}

// Generate builds the reference of the package in dir.
func Generate(dir string) ([]byte, []Field, error) {
	p, err := load(dir)
	if err != nil {
		return nil, nil, err
	}
	group, err := p.constValue(&ast.Ident{Name: "APIVersion"})
	if err != nil {
		return nil, nil, err
	}
	var all []Field
	var b bytes.Buffer
	b.WriteString(header)
	for _, k := range kinds {
		fmt.Fprintf(&b, "- [%s](#%s)\n", k, strings.ToLower(k))
	}
	used := map[string]bool{}
	for _, k := range kinds {
		if _, ok := p.types[k]; !ok {
			return nil, nil, fmt.Errorf("kind %s not found in %s", k, dir)
		}
		w := &walker{p: p, kind: k, used: used}
		w.fields = []Field{
			{Kind: k, Path: "apiVersion", Type: "string", Required: "yes", Meaning: "`" + group + "`"},
			{Kind: k, Path: "kind", Type: "string", Required: "yes", Meaning: "`" + k + "`"},
		}
		if err := w.walk(k, "", nil); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", k, mdText(docText(p.docs[k]), false))
		b.WriteString("| Field | Type | Required | Default | Meaning |\n|---|---|---|---|---|\n")
		for _, f := range w.fields {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Path, f.Type, f.Required, f.Default, mdText(f.Meaning, true))
		}
		if k == "EventDrivenService" && len(p.sizes) > 0 {
			b.WriteString("\n### Sizes\n\n`spec.size` selects the requests and limits of both containers (`spec.resources` overrides them key by key):\n\n")
			b.WriteString("| Size | Requests CPU | Requests memory | Limits CPU | Limits memory |\n|---|---|---|---|---|\n")
			for _, s := range p.sizes {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s[0], s[1], s[2], s[3], s[4])
			}
		}
		all = append(all, w.fields...)
	}
	var unplaced []string
	for k := range codeDefaults {
		if !used[k] {
			unplaced = append(unplaced, k)
		}
	}
	for name := range p.consts {
		if strings.HasPrefix(name, "Default") && !slices.Contains(mapValues(codeDefaults), name) {
			unplaced = append(unplaced, name)
		}
	}
	if len(unplaced) > 0 {
		sort.Strings(unplaced)
		return nil, nil, fmt.Errorf("defaults not placed on a field (codeDefaults in hack/apidocs): %s", strings.Join(unplaced, ", "))
	}
	return b.Bytes(), all, nil
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// mdText escapes what Markdown would read as markup: "<name>" would be an
// HTML tag, and in a table "|" ends the cell and paragraphs need <br>.
func mdText(s string, cell bool) string {
	s = strings.ReplaceAll(s, "<", "&lt;")
	if cell {
		s = strings.ReplaceAll(s, "|", `\|`)
		s = strings.ReplaceAll(s, "\n\n", "<br><br>")
	}
	return s
}

const header = `# API reference: ` + "`platform.bizmatters.io/v1alpha1`" + `

<!-- Code generated by hack/apidocs from api/v1alpha1; DO NOT EDIT. Regenerate with: make docs -->

Every field of the kinds eds-fn reads, from the doc comments and markers of
the Go types in [` + "`api/v1alpha1`" + `](../api/v1alpha1). Unknown fields are errors
everywhere (a typo such as ` + "`secretRef:`" + ` is never ignored).

- **Required**: "yes, if ` + "`X`" + ` is set" is required only when its enclosing
  object ` + "`X`" + ` is written; the fields of a list item are required of every item.
- **Default**: what eds-fn uses when the field is omitted. Where the field's
  meaning names another default (Kubernetes' or KEDA's), eds-fn writes
  nothing and that default applies.

What each field accepts beyond its type, and how fields work together:
[Field rules](fields.md). What the escape hatches may not change:
[Escape hatches](escape-hatches.md). What comes out:
[What it generates](generated-objects.md).

`
