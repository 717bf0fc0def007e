package generator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// jsonToNode turns the JSON encoding of an object (as encoding/json writes
// it: compact and valid) into the YAML node that sigs.k8s.io/yaml.Marshal
// followed by kyaml's yaml.Parse made of it before: the same keys in the same
// order (go-yaml v2's), the same scalar values, tags and quoting styles,
// without writing and parsing YAML text twice per object.
// TestJSONToNodeMatchesYAMLRoundTrip and FuzzJSONToNode hold it to that.
//
// Mapping keys that are plain words are shared between objects (nothing
// changes a key in place), and nodes are allocated in blocks: a generated
// object is mostly small nodes, and these keep it small in memory.
func jsonToNode(data []byte) (*yaml.RNode, error) {
	p := &jsonParser{data: data, block: make([]yaml.Node, 0, countValues(data)+1)}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.i != len(p.data) {
		return nil, errJSON
	}
	doc := p.node()
	*doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}
	return yaml.NewRNode(doc), nil
}

type jsonParser struct {
	data  []byte
	i     int
	block []yaml.Node
}

var errJSON = errors.New("not the JSON encoding of an object")

// countValues counts the values in a JSON document (the nodes jsonToNode
// makes, keys aside), so that they fit in one block.
func countValues(data []byte) int {
	n := 1
	var arrays []bool // for each open container: is it an array?
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '{':
			arrays = append(arrays, false)
		case '[':
			arrays = append(arrays, true)
			if i+1 < len(data) && data[i+1] != ']' {
				n++
			}
		case ']', '}':
			if len(arrays) > 0 {
				arrays = arrays[:len(arrays)-1]
			}
		case ':':
			n++
		case ',':
			if len(arrays) > 0 && arrays[len(arrays)-1] {
				n++
			}
		}
	}
	return n
}

// node allocates a node from the current block.
func (p *jsonParser) node() *yaml.Node {
	if len(p.block) == cap(p.block) {
		p.block = make([]yaml.Node, 0, 16)
	}
	p.block = p.block[:len(p.block)+1]
	return &p.block[len(p.block)-1]
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.data) && (p.data[p.i] == ' ' || p.data[p.i] == '\n' || p.data[p.i] == '\t' || p.data[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonParser) value() (*yaml.Node, error) {
	p.skipSpace()
	if p.i >= len(p.data) {
		return nil, errJSON
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n := p.node()
		*n = stringNode(s, false)
		return n, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(p.data[p.i:], []byte(lit)) {
				p.i += len(lit)
				n := p.node()
				*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: lit}
				if lit == "null" {
					n.Tag = yaml.NodeTagNull
				}
				return n, nil
			}
		}
	case c == '-' || '0' <= c && c <= '9':
		start := p.i
		for p.i < len(p.data) && strings.IndexByte("+-.eE0123456789", p.data[p.i]) >= 0 {
			p.i++
		}
		n, err := numberNode(string(p.data[start:p.i]))
		if err != nil {
			return nil, err
		}
		m := p.node()
		*m = n
		return m, nil
	}
	return nil, errJSON
}

func (p *jsonParser) object() (*yaml.Node, error) {
	p.i++ // {
	var pairs []pair
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, errJSON
		}
		if p.data[p.i] == '}' {
			p.i++
			break
		}
		if len(pairs) > 0 {
			if p.data[p.i] != ',' {
				return nil, errJSON
			}
			p.i++
			p.skipSpace()
		}
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, errJSON
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if p.skipSpace(); p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, errJSON
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{k, v})
	}
	return p.mapping(pairs), nil
}

// mapping makes a mapping node of pairs in go-yaml v2's key order: the
// order sigs.k8s.io/yaml's output had (an empty one is "{}", flow style).
func (p *jsonParser) mapping(pairs []pair) *yaml.Node {
	slices.SortStableFunc(pairs, func(a, b pair) int {
		switch {
		case v2KeyLess(a.key, b.key):
			return -1
		case v2KeyLess(b.key, a.key):
			return 1
		}
		return 0
	})
	n := p.node()
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: make([]*yaml.Node, 0, 2*len(pairs))}
	if len(pairs) == 0 {
		n.Style = yaml.FlowStyle
	}
	for _, pr := range pairs {
		n.Content = append(n.Content, p.key(pr.key), pr.value)
	}
	return n
}

func (p *jsonParser) array() (*yaml.Node, error) {
	p.i++ // [
	n := p.node()
	*n = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, errJSON
		}
		if p.data[p.i] == ']' {
			p.i++
			break
		}
		if len(n.Content) > 0 {
			if p.data[p.i] != ',' {
				return nil, errJSON
			}
			p.i++
		}
		el, err := p.value()
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, el)
	}
	if len(n.Content) == 0 {
		n.Style = yaml.FlowStyle
	}
	return n, nil
}

// str reads the JSON string at p.i.
func (p *jsonParser) str() (string, error) {
	start := p.i
	p.i++ // "
	escaped := false
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case '\\':
			escaped = true
			p.i += 2
			continue
		case '"':
			p.i++
			if !escaped {
				return string(p.data[start+1 : p.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.i], &s); err != nil {
				return "", err
			}
			return s, nil
		}
		p.i++
	}
	return "", errJSON
}

// key is the node of a mapping key: shared when it is a plain word.
func (p *jsonParser) key(s string) *yaml.Node {
	if !plainInBoth(s, true) {
		n := new(yaml.Node)
		*n = stringNode(s, true)
		return n
	}
	sharedKeys.Lock()
	defer sharedKeys.Unlock()
	if n, ok := sharedKeys.m[s]; ok {
		return n
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}
	if len(sharedKeys.m) < maxSharedKeys {
		sharedKeys.m[s] = n
	}
	return n
}

const maxSharedKeys = 4096

var sharedKeys = struct {
	sync.Mutex
	m map[string]*yaml.Node
}{m: map[string]*yaml.Node{}}

type pair struct {
	key   string
	value *yaml.Node
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
// others are written and parsed once, and remembered.
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
	return *n
}

type styleKey struct {
	s   string
	key bool
}

const maxCachedStyles = 4096

var styleCache = struct {
	sync.Mutex
	m map[styleKey]*yaml.Node
}{m: map[styleKey]*yaml.Node{}}

// roundTrip writes s with go-yaml v2 and reads it back with kyaml, exactly
// as the generator did for every string before.
func roundTrip(s string, key bool) *yaml.Node {
	var in any = map[string]string{"k": s}
	if key {
		in = map[string]int{s: 0}
	}
	fallback := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s, Style: yaml.DoubleQuotedStyle}
	b, err := yamlv2.Marshal(in)
	if err != nil {
		return fallback
	}
	n, err := yaml.Parse(string(b))
	if err != nil || len(n.YNode().Content) != 2 {
		return fallback
	}
	i := 1
	if key {
		i = 0
	}
	got := n.YNode().Content[i]
	if got.Value != s || got.Tag != yaml.NodeTagString {
		// go-yaml v2 writes a few strings (NEL, DEL, "<<") so that they
		// do not read back as the same string.
		return fallback
	}
	return &yaml.Node{Kind: got.Kind, Tag: got.Tag, Value: got.Value, Style: got.Style}
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
