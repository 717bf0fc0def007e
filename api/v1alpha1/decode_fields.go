package v1alpha1

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/bizmatters/eds-fn/internal/jsonfields"
)

// typeInfo is what the strict decoding needs to know of one Go type,
// pointers removed. It is built once per type: reflecting over struct tags
// for every value was most of the decoding's time.
type typeInfo struct {
	t reflect.Type
	// own: the type decodes itself (quantities, timestamps, the
	// customDeployment patch) or takes anything (an interface).
	own bool
	// fields are a struct's JSON fields as encoding/json decodes them,
	// embedded structs included: name → declared type (lists and pointers
	// kept); names are the same, sorted, for messages.
	fields map[string]reflect.Type
	names  []string
	// min and max bound an integer type.
	min, max int64
	umax     uint64
}

var (
	typeInfos        sync.Map // reflect.Type → *typeInfo; the generator decodes on several goroutines
	jsonUnmarshaler  = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	errAliasExpanded = fmt.Errorf("YAML aliases (*name) expand it to more than %d values: write the values out instead", maxAliasValues)
)

func infoOf(t reflect.Type) *typeInfo {
	t = deref1(t)
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{t: t, own: t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler)}
	switch t.Kind() {
	case reflect.Struct:
		ti.fields = structFields(t)
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

// structFields is the field table of struct t: name → declared type,
// encoding/json's own (internal/jsonfields).
func structFields(t reflect.Type) map[string]reflect.Type {
	fields := jsonfields.Of(t)
	out := make(map[string]reflect.Type, len(fields))
	for _, f := range fields {
		out[f.Name] = f.Type
	}
	return out
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
