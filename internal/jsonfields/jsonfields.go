// Package jsonfields lists a struct's fields as encoding/json encodes and
// decodes them. encoding/json keeps its table to itself, and the two places
// that walk Go values without it (the strict decoding of api/v1alpha1 and
// the rendering of generator/typednode.go) must agree with it, and with each
// other, exactly: which fields, under which names, from which embedded
// struct.
package jsonfields

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Field is one JSON field of a struct.
type Field struct {
	Name  string
	Index []int        // reflect's index path, through embedded structs
	Type  reflect.Type // as declared
	// Tagged: the name is the json tag's, not the Go name.
	Tagged              bool
	OmitEmpty, OmitZero bool
	// Quoted: ",string" on a kind it applies to (a number, bool or string
	// written inside a JSON string).
	Quoted bool
}

var cache sync.Map // reflect.Type → []Field

// Of returns the fields of struct t in encoding/json's order (declaration
// order, embedded structs' fields in their place). It follows typeFields in
// encoding/json/encode.go: a tag's name or else the Go name, "-" and
// unexported fields left out, embedded structs without a tag name promoted,
// and of two fields of one name the less deeply embedded, or at one depth the
// only tagged one, wins (or neither, when that does not decide).
func Of(t reflect.Type) []Field {
	if f, ok := cache.Load(t); ok {
		return f.([]Field)
	}
	f, _ := cache.LoadOrStore(t, typeFields(t))
	return f.([]Field)
}

func typeFields(t reflect.Type) []Field {
	type level struct {
		typ   reflect.Type
		index []int
	}
	fields := make([]Field, 0, t.NumField())
	rootIndex := make([]int, t.NumField())
	for i := range rootIndex {
		rootIndex[i] = i
	}
	visited := map[reflect.Type]bool{}
	// Breadth first: each depth of embedding in turn; count says how often
	// a type is embedded at the depth, since two copies of one field hide
	// each other.
	next, count := []level{{typ: t}}, map[reflect.Type]int{}
	for len(next) > 0 {
		current, currentCount := next, count
		next, count = nil, map[reflect.Type]int{}
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				sf := l.typ.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if !sf.IsExported() && (!sf.Anonymous || ft.Kind() != reflect.Struct) {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validName(name) {
					name = ""
				}
				var index []int
				if l.index == nil {
					index = rootIndex[i : i+1 : i+1] // no allocation per field
				} else {
					index = append(slices.Clip(l.index), i)
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					count[ft]++
					if count[ft] == 1 {
						next = append(next, level{ft, index})
					}
					continue
				}
				f := Field{Name: name, Index: index, Type: sf.Type, Tagged: name != ""}
				if !f.Tagged {
					f.Name = sf.Name
				}
				quoted := false
				for opts != "" {
					var o string
					o, opts, _ = strings.Cut(opts, ",")
					switch o {
					case "omitempty":
						f.OmitEmpty = true
					case "omitzero":
						f.OmitZero = true
					case "string":
						quoted = true
					}
				}
				if quoted {
					switch ft.Kind() {
					case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64, reflect.String:
						f.Quoted = true
					}
				}
				fields = append(fields, f)
				if currentCount[l.typ] > 1 {
					fields = append(fields, f) // a second copy, which hides the first
				}
			}
		}
	}
	if len(visited) == 1 && uniqueNames(fields) {
		// Nothing embedded, no name twice (most structs): nothing hides
		// anything, and the fields are in index order already.
		return slices.Clip(fields)
	}
	slices.SortFunc(fields, func(a, b Field) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(len(a.Index), len(b.Index)),
			boolOrder(a.Tagged, b.Tagged), slices.Compare(a.Index, b.Index))
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].Name == fields[i].Name {
			j++
		}
		// The first of a name is the shallowest, tagged first; it wins
		// unless the next is as deep and as tagged.
		if j == i+1 || len(fields[i+1].Index) != len(fields[i].Index) || fields[i+1].Tagged != fields[i].Tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return slices.Clip(out)
}

func uniqueNames(fields []Field) bool {
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if seen[f.Name] {
			return false
		}
		seen[f.Name] = true
	}
	return true
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// validName is encoding/json's isValidTag: a tag name of other characters
// is ignored, and the Go name used.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
