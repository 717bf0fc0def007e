package generator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// jsonNode is the YAML node that sigs.k8s.io/yaml.Marshal followed by
// kyaml's yaml.Parse makes of obj (the same keys in go-yaml v2's order, the
// same scalar values, tags and quoting styles), without writing and parsing
// YAML text: encoding/json keeps its own field rules, its output is decoded
// into plain Go values, and those become nodes. Numbers stay as written
// (json.Number) because go-yaml v2 reads the JSON text itself: an integer
// above int64 is a uint64 to it, not a float.
// TestJSONToNodeMatchesYAMLRoundTrip and the fuzz targets hold it to that.
func jsonNode(obj any) (*yaml.RNode, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	// One block for all the nodes: a generated object is mostly small
	// nodes, and one allocation keeps it compact.
	b := nodeBlock(make([]yaml.Node, 0, countNodes(v)+1))
	n, err := b.build(v)
	if err != nil {
		return nil, err
	}
	doc := b.next()
	*doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}
	return yaml.NewRNode(doc), nil
}

type nodeBlock []yaml.Node

func (b *nodeBlock) next() *yaml.Node {
	if len(*b) == cap(*b) {
		*b = make([]yaml.Node, 0, 16) // never: countNodes counted them
	}
	*b = (*b)[:len(*b)+1]
	return &(*b)[len(*b)-1]
}

// countNodes counts the nodes build makes of v, keys included.
func countNodes(v any) int {
	n := 1
	switch v := v.(type) {
	case map[string]any:
		for _, c := range v {
			n += 1 + countNodes(c)
		}
	case []any:
		for _, c := range v {
			n += countNodes(c)
		}
	}
	return n
}

func (b *nodeBlock) build(v any) (*yaml.Node, error) {
	n := b.next()
	switch v := v.(type) {
	case nil:
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null"}
	case bool:
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: strconv.FormatBool(v)}
	case string:
		*n = stringNode(v, false)
	case json.Number:
		num, err := numberNode(string(v))
		if err != nil {
			return nil, err
		}
		*n = num
	case []any:
		*n = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: make([]*yaml.Node, len(v))}
		for i, el := range v {
			c, err := b.build(el)
			if err != nil {
				return nil, err
			}
			n.Content[i] = c
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		// v2KeyLess is a total order on distinct strings: the result does
		// not depend on the map's iteration order.
		slices.SortFunc(keys, func(a, b string) int {
			if v2KeyLess(a, b) {
				return -1
			}
			return 1
		})
		*n = yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: make([]*yaml.Node, 0, 2*len(v))}
		for _, k := range keys {
			key := b.next()
			*key = stringNode(k, true)
			c, err := b.build(v[k])
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, key, c)
		}
	default:
		return nil, fmt.Errorf("unexpected %T in decoded JSON", v)
	}
	if (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && len(n.Content) == 0 {
		n.Style = yaml.FlowStyle // {} and []
	}
	return n, nil
}

// numberNode is what go-yaml v2 makes of a JSON number (an int when it is
// one, else a float in Go's shortest form) as YAML 1.2 reads it back.
func numberNode(s string) (yaml.Node, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatInt(i, 10)}, nil
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatUint(u, 10)}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return yaml.Node{}, fmt.Errorf("number %q: %w", s, err)
	}
	v := strconv.FormatFloat(f, 'g', -1, 64)
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: v}, nil
	}
	return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagFloat, Value: v}, nil
}

// stringNode is a string as go-yaml v2 writes it (as a mapping key or as a
// value) and YAML 1.2 reads it back. Most strings are plain in both; the
// others are written and parsed once by the libraries themselves, and
// remembered: their quoting rules are theirs, not copied here.
func stringNode(s string, key bool) yaml.Node {
	if plainInBoth(s, key) {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}
	}
	ck := styleKey{s, key}
	styleCache.Lock()
	n, ok := styleCache.m[ck]
	styleCache.Unlock()
	if !ok {
		n = roundTrip(s, key)
		styleCache.Lock()
		if len(styleCache.m) < maxCachedStyles {
			styleCache.m[ck] = n
		}
		styleCache.Unlock()
	}
	return n
}

type styleKey struct {
	s   string
	key bool
}

const maxCachedStyles = 4096

var styleCache = struct {
	sync.Mutex
	m map[styleKey]yaml.Node
}{m: map[styleKey]yaml.Node{}}

// roundTrip writes s with go-yaml v2 and reads it back with kyaml, as
// sigs.k8s.io/yaml and yaml.Parse do.
func roundTrip(s string, key bool) yaml.Node {
	var in any = map[string]string{"k": s}
	if key {
		in = map[string]int{s: 0}
	}
	fallback := yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s, Style: yaml.DoubleQuotedStyle}
	b, err := yamlv2.Marshal(in)
	if err != nil {
		return fallback
	}
	n, err := yaml.Parse(string(b))
	if err != nil || len(n.YNode().Content) != 2 {
		return fallback
	}
	got := n.YNode().Content[1]
	if key {
		got = n.YNode().Content[0]
	}
	if got.Value != s || got.Tag != yaml.NodeTagString {
		// go-yaml v2 writes a few strings (NEL, DEL, "<<") so that they
		// do not read back as the same string.
		return fallback
	}
	return yaml.Node{Kind: got.Kind, Tag: got.Tag, Value: got.Value, Style: got.Style}
}

// plainInBoth reports, conservatively, whether go-yaml v2 writes s as a
// plain scalar (it does not look like another type to YAML 1.1, and has no
// character that needs quoting) that YAML 1.2 reads back as the same string.
func plainInBoth(s string, key bool) bool {
	if s == "" || (key && len(s) > 128) {
		return false
	}
	if c := s[0]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == '/' || c == '@' || c == '=' || c == '+':
		case c == ':' && i < len(s)-1:
		default:
			return false
		}
	}
	return !yaml11Special[s]
}

// yaml11Special are the letter-initial words go-yaml v2 reads as booleans
// or null.
var yaml11Special = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
	"null": true, "Null": true, "NULL": true,
}

// v2KeyLess is go-yaml v2's order of string map keys (sorter.go, keyList.Less):
// letters before other characters, runs of digits compared as numbers.
// ASCII keys, nearly all of them, are compared as bytes, where
// unicode.IsLetter means [A-Za-z] and unicode.IsDigit [0-9].
func v2KeyLess(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		return keyLess([]byte(a), []byte(b), asciiLetter, asciiDigit)
	}
	return keyLess([]rune(a), []rune(b), unicode.IsLetter, unicode.IsDigit)
}

func asciiLetter(c rune) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func asciiDigit(c rune) bool  { return '0' <= c && c <= '9' }

func keyLess[E byte | rune](ar, br []E, letter, digit func(rune) bool) bool {
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := letter(rune(ar[i]))
		bl := letter(rune(br[i]))
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && digit(rune(ar[j])); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && digit(rune(ar[ai])); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && digit(rune(br[bi])); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
