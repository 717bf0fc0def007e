package v1alpha1

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// What the strict decoding knows of the Go types it decodes into: their
// JSON fields, which YAML values fit them, and how its messages name both.

// typeInfo is what the walk needs of one Go type, pointers removed, built
// once per type.
type typeInfo struct {
	t reflect.Type
	// own: the type decodes itself (quantities, timestamps, the
	// customDeployment patch) or takes anything (an interface).
	own bool
	// fields are a struct's JSON fields: name → declared type (lists and
	// pointers kept); names are the same, sorted, for messages.
	fields map[string]reflect.Type
	names  []string
	// min and max bound an integer type.
	min, max int64
	umax     uint64
}

var (
	typeInfos       sync.Map // reflect.Type → *typeInfo; the generator decodes on several goroutines
	jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

func infoOf(t reflect.Type) *typeInfo {
	t = deref1(t)
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{t: t, own: t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler)}
	switch t.Kind() {
	case reflect.Struct:
		ti.fields = map[string]reflect.Type{}
		addFields(ti.fields, t)
		for name := range ti.fields {
			ti.names = append(ti.names, name)
		}
		sort.Strings(ti.names)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		ti.min, ti.max = -1<<(bits-1), 1<<(bits-1)-1
		ti.umax = uint64(ti.max)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		ti.umax = 1<<t.Bits() - 1
		ti.max = int64(min(ti.umax, 1<<63-1))
	}
	got, _ := typeInfos.LoadOrStore(t, ti)
	return got.(*typeInfo)
}

// addFields adds the JSON fields of struct t to fields as encoding/json
// names them, for the shapes the API types and k8s.io/api's have: the json
// tag's name or else the Go name, "-" and unexported fields left out, and
// an embedded struct without a tag name (metav1.TypeMeta) inlined, its
// fields hidden by the outer struct's own. encoding/json's rules for two
// fields of one name at one depth of embedding are not followed: no such
// type is decoded, and TestFieldsAsEncodingJSON fails if one ever is.
func addFields(fields map[string]reflect.Type, t reflect.Type) {
	var inlined []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" && deref1(sf.Type).Kind() == reflect.Struct {
			inlined = append(inlined, deref1(sf.Type))
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = sf.Type
	}
	for _, e := range inlined {
		for name, ft := range infoOf(e).fields {
			if _, hidden := fields[name]; !hidden {
				fields[name] = ft
			}
		}
	}
}

// jsonFields lists the JSON field names of struct t (through pointers and
// lists), sorted.
func jsonFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return infoOf(t).names
}

func deref1(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fits reports whether a YAML node has the shape Go type t decodes from.
func fits(n *yaml.Node, t reflect.Type) bool {
	if n.Tag == yaml.NodeTagNull {
		return true
	}
	switch deref1(t).Kind() {
	case reflect.Slice, reflect.Array:
		return n.Kind == yaml.SequenceNode
	case reflect.Struct, reflect.Map:
		return n.Kind == yaml.MappingNode
	case reflect.String:
		return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagString
	case reflect.Bool:
		return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagBool
	case reflect.Interface:
		return true
	default:
		_, ok := wholeNumber(n)
		return ok
	}
}

// wholeNumber reports whether n is an integer node, or a float node that
// is a whole number (1e1, 2.0), and the float's value. kubectl and the API
// server take such a float for an integer too: sigs.k8s.io/yaml reads it as a float and writes it to JSON
// as 10 or 2, which decodes into an integer field. yaml.v3's JSON does the
// same here.
func wholeNumber(n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.Tag {
	case yaml.NodeTagInt:
		return 0, true // inRange judges the value
	case yaml.NodeTagFloat:
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		return f, err == nil && !math.IsInf(f, 0) && f == math.Trunc(f)
	}
	return 0, false
}

// inRange reports whether an integer node's value fits integer type ti,
// read as yaml.v3 reads it (underscores, 0x, 0o and 0b prefixes). A value
// yaml.v3 does not read as an integer at all is left to the decoding.
func inRange(n *yaml.Node, ti *typeInfo) bool {
	if n.Tag == yaml.NodeTagFloat {
		f, _ := wholeNumber(n)
		return f >= float64(ti.min) && f <= float64(ti.umax)
	}
	i, u, big, ok := yamlInteger(n.Value)
	switch {
	case !ok:
		return true
	case big:
		return u <= ti.umax
	}
	return i >= ti.min && i <= ti.max
}

// yamlInteger reads an integer's text as yaml.v3 does (underscores, 0x, 0o
// and 0b prefixes): an int64, or a uint64 when it is above that (big); ok
// is false for text yaml.v3 does not read as an integer.
func yamlInteger(text string) (i int64, u uint64, big, ok bool) {
	plain := strings.ReplaceAll(text, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return i, 0, false, true
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return 0, u, true, true
	}
	return 0, 0, false, false
}

func describeRange(ti *typeInfo) string {
	return "must be an integer between " + strconv.FormatInt(ti.min, 10) + " and " + strconv.FormatUint(ti.umax, 10)
}

var (
	quantityType    = reflect.TypeOf(resource.Quantity{})
	intOrStringType = reflect.TypeOf(intstr.IntOrString{})
)

// quantityText is what a quantity or int-or-string node reads as: its
// text when it is a string, else the number YAML reads (0x10 is 16, 1_000
// is 1000, 1e1 is 10), as the JSON the decoding gets has it.
func quantityText(n *yaml.Node) string {
	if f, ok := wholeNumber(n); ok && n.Tag == yaml.NodeTagFloat && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	if n.Tag != yaml.NodeTagInt {
		return n.Value
	}
	switch i, u, big, ok := yamlInteger(n.Value); {
	case !ok:
		return n.Value
	case big:
		return strconv.FormatUint(u, 10)
	default:
		return strconv.FormatInt(i, 10)
	}
}

// ownDecodingProblem checks the values of types that decode themselves and
// would otherwise fail the whole document without a path: a quantity that
// does not parse, an int-or-string that is neither. It returns what the
// value must be, or "".
func ownDecodingProblem(n *yaml.Node, t reflect.Type) string {
	scalar := n.Kind == yaml.ScalarNode
	switch t {
	case quantityType:
		numberOrString := scalar && (n.Tag == yaml.NodeTagString || n.Tag == yaml.NodeTagInt || n.Tag == yaml.NodeTagFloat)
		if _, err := resource.ParseQuantity(quantityText(n)); !numberOrString || err != nil {
			return `must be a quantity such as "500m", "2" or "1Gi"`
		}
	case intOrStringType:
		_, whole := wholeNumber(n)
		_, err := strconv.ParseInt(quantityText(n), 10, 32)
		if !scalar || (n.Tag != yaml.NodeTagString && (!whole || err != nil)) {
			return `must be an integer or a percentage such as "50%"`
		}
	}
	return ""
}

func describeValue(n *yaml.Node) any {
	switch {
	case n.Kind == yaml.SequenceNode:
		return "(a list)"
	case n.Kind == yaml.MappingNode:
		return "(a mapping)"
	case n.Tag == yaml.NodeTagString:
		return n.Value
	case n.Tag == yaml.NodeTagInt:
		// The user's own spelling when it is not the plain number: "0x10",
		// not 16, which reads as a contradiction next to the rule.
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil && strconv.FormatInt(i, 10) == n.Value {
			return i
		}
		return n.Value
	case n.Tag == yaml.NodeTagBool:
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case n.Tag == yaml.NodeTagFloat:
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && strconv.FormatFloat(f, 'g', -1, 64) == n.Value {
			return f
		}
		return n.Value
	}
	s := yaml.NewRNode(n).MustString()
	return s[:len(s)-1]
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		switch e := deref1(t.Elem()); e.Kind() {
		case reflect.String:
			return "a list of strings"
		case reflect.Struct:
			if known := jsonFields(e); len(known) > 0 {
				return "a list of mappings with " + fieldList(known)
			}
		}
		return "a list"
	case reflect.Map:
		return "a mapping"
	case reflect.Struct:
		if known := jsonFields(t); len(known) > 0 {
			return "a mapping with " + fieldList(known)
		}
		return "a mapping"
	}
	return t.String()
}

func fieldList(known []string) string {
	if len(known) == 1 {
		return "the field " + known[0]
	}
	return "the fields " + strings.Join(known, ", ")
}

const msgUnknownField = "unknown field"

// unknownFieldDetail explains an unknown field: which fields are allowed
// there, and the closest one if name looks like a typo of it.
func unknownFieldDetail(name string, known []string) string {
	if best := closest(name, known); best != "" {
		return fmt.Sprintf(msgUnknownField+" (did you mean %q?); the allowed fields here are %s", best, strings.Join(known, ", "))
	}
	return msgUnknownField + "; the allowed fields here are " + strings.Join(known, ", ")
}

// closest returns the known name nearest to name when it is close enough to
// be a typo (plural/singular, case, one or two letters).
func closest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if len(name) > len(k)+bestD {
			continue // too far apart; and a huge name would take long to compare
		}
		d := EditDistance(strings.ToLower(name), strings.ToLower(k))
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// EditDistance is the Levenshtein edit distance of a and b, in bytes: the
// measure behind every "did you mean" of eds-fn. Callers bound the lengths.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
