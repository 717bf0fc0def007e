package generator

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/bizmatters/eds-fn/internal/yaml11"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// jsonNode is the YAML node that sigs.k8s.io/yaml.Marshal followed by
// kyaml's yaml.Parse makes of obj (the same keys in go-yaml v2's order, the
// same scalar values, tags and quoting styles), without writing and parsing
// YAML text. encoding/json keeps its own field rules; its output, which it
// guarantees to be valid and compact, is walked once into nodes. Numbers
// are read as written, as go-yaml v2 reads them (an integer above int64 is
// a uint64 to it, not a float).
// TestJSONToNodeMatchesYAMLRoundTrip and the fuzz targets hold it to that.
func jsonNode(obj any) (*yaml.RNode, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	// One string, one block of nodes and one of child pointers for the
	// whole object: every value is a substring, and a generated object is
	// hundreds of small nodes (allocating each is most of the cost).
	nodes, children := countValues(data)
	w := &jsonWalk{s: string(data), nodes: make([]yaml.Node, 0, nodes), ptrs: make([]*yaml.Node, 0, children)}
	root := w.value()
	if w.err != nil {
		return nil, w.err
	}
	doc := w.node()
	*doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	return yaml.NewRNode(doc), nil
}

// countValues bounds the nodes jsonNode makes of data. Each key follows "{"
// or "," and each element of an array "[" or ","; there are as many keys as
// values of pairs, so counting "{[," counts every value but the root (and
// one more per empty collection). Keys that are plain words are shared
// nodes, not in the block (the rare others take an extra chunk); the child
// pointers are the values and the keys, one ":" each.
func countValues(data []byte) (nodes, children int) {
	nodes = 2
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{', '[', ',':
			nodes++
		case ':':
			children++
		case '"':
			for i++; data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		}
	}
	return nodes, nodes + children
}

type jsonWalk struct {
	s     string
	i     int
	err   error        // of an escaped string; not on json.Marshal's output
	nodes []yaml.Node  // the block
	ptrs  []*yaml.Node // the children of every collection, in turn
	pairs []pair       // the pairs of the mappings being read
	elems []*yaml.Node // the elements of the sequences being read

	made, pointed int // nodes and child pointers handed out
}

type pair struct {
	key     string
	value   *yaml.Node
	keyNode *yaml.Node // the key's node when known already
}

func (w *jsonWalk) node() *yaml.Node {
	if len(w.nodes) == cap(w.nodes) {
		// typedNode's blocks, or when countValues is wrong: each twice
		// the last, so that at most half of the last is left unused.
		w.nodes = make([]yaml.Node, 0, min(max(2*cap(w.nodes), 32), 1024))
	}
	w.nodes = w.nodes[:len(w.nodes)+1]
	w.made++
	return &w.nodes[len(w.nodes)-1]
}

// children is room for k child pointers, capped so that an append (kyaml
// adding a field later) copies instead of writing over a neighbour's.
func (w *jsonWalk) children(k int) []*yaml.Node {
	if len(w.ptrs)+k > cap(w.ptrs) {
		if k > 256 {
			return make([]*yaml.Node, 0, k)
		}
		w.ptrs = make([]*yaml.Node, 0, min(max(2*cap(w.ptrs), 64), 2048))
	}
	c := w.ptrs[len(w.ptrs) : len(w.ptrs) : len(w.ptrs)+k]
	w.ptrs = w.ptrs[:len(w.ptrs)+k]
	w.pointed += k
	return c
}

// mappingOf makes n the mapping of the pairs from base on, which it pops:
// keys in go-yaml v2's order (sorted says they are already), {} when there
// are none.
func (w *jsonWalk) mappingOf(n *yaml.Node, base int, sorted bool) {
	pairs := w.pairs[base:]
	if !sorted {
		// v2KeyLess finds no two distinct keys equal: the order does not
		// depend on the JSON's.
		slices.SortFunc(pairs, func(a, b pair) int {
			if v2KeyLess(a.key, b.key) {
				return -1
			}
			return 1
		})
	}
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: w.children(2 * len(pairs))}
	for _, p := range pairs {
		k := p.keyNode
		if k == nil {
			k = w.key(p.key)
		}
		n.Content = append(n.Content, k, p.value)
	}
	w.pairs = w.pairs[:base]
	if len(n.Content) == 0 {
		n.Style = yaml.FlowStyle
	}
}

func (w *jsonWalk) value() *yaml.Node {
	n := w.node()
	switch w.s[w.i] {
	case '{':
		base := len(w.pairs)
		for w.i++; w.s[w.i] != '}'; {
			if w.s[w.i] == ',' {
				w.i++
			}
			k := w.str()
			w.i++ // ':'
			w.pairs = append(w.pairs, pair{key: k, value: w.value()})
		}
		w.i++
		w.mappingOf(n, base, false)
		return n
	case '[':
		base := len(w.elems)
		for w.i++; w.s[w.i] != ']'; {
			if w.s[w.i] == ',' {
				w.i++
			}
			w.elems = append(w.elems, w.value())
		}
		els := w.elems[base:]
		*n = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: append(w.children(len(els)), els...)}
		w.elems = w.elems[:base]
	case '"':
		*n = stringNode(w.str(), false)
		return n
	case 't':
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: "true"}
		w.i += len(n.Value)
		return n
	case 'f':
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: "false"}
		w.i += len(n.Value)
		return n
	case 'n':
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null"}
		w.i += len(n.Value)
		return n
	default:
		start := w.i
		for w.i < len(w.s) && strings.IndexByte("+-.eE0123456789", w.s[w.i]) >= 0 {
			w.i++
		}
		*n = numberNode(w.s[start:w.i])
		return n
	}
	w.i++ // the closing bracket
	if len(n.Content) == 0 {
		n.Style = yaml.FlowStyle // {} and []
	}
	return n
}

// key is the node of a mapping key. Keys that are plain words are shared
// between objects (nothing changes a key node in place): they are half the
// nodes of an object, and all the objects stay in memory until written.
func (w *jsonWalk) key(s string) *yaml.Node {
	if !plainInBoth(s, true) {
		n := w.node()
		*n = stringNode(s, true)
		return n
	}
	return sharedKey(s)
}

// sharedKey is the shared node of key s, a plain word.
func sharedKey(s string) *yaml.Node {
	sharedKeys.Lock()
	defer sharedKeys.Unlock()
	if n, ok := sharedKeys.m[s]; ok {
		return n
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: strings.Clone(s)}
	if len(sharedKeys.m) < maxSharedKeys {
		sharedKeys.m[n.Value] = n
	}
	return n
}

const maxSharedKeys = 4096

var sharedKeys = struct {
	sync.Mutex
	m map[string]*yaml.Node
}{m: map[string]*yaml.Node{}}

// str reads the string at w.i: a substring unless it has escapes.
func (w *jsonWalk) str() string {
	start := w.i
	escaped := false
	for w.i++; w.s[w.i] != '"'; w.i++ {
		if w.s[w.i] == '\\' {
			escaped = true
			w.i++
		}
	}
	w.i++
	if !escaped {
		return w.s[start+1 : w.i-1]
	}
	var s string
	if err := json.Unmarshal([]byte(w.s[start:w.i]), &s); err != nil && w.err == nil {
		w.err = err
	}
	return s
}

// numberNode is what go-yaml v2 makes of a JSON number (an int when it is
// one, else a float in Go's shortest form) as YAML 1.2 reads it back. A
// number beyond float64 is a string to both.
func numberNode(s string) yaml.Node {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatInt(i, 10)}
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatUint(u, 10)}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return stringNode(s, false)
	}
	v := strconv.FormatFloat(f, 'g', -1, 64)
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: v}
	}
	return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagFloat, Value: v}
}

// stringNode is a string as go-yaml v2 writes it (as a mapping key or as a
// value) and YAML 1.2 reads it back. Most strings are plain in both; the
// others are written and parsed once by the libraries themselves, and
// remembered: their quoting rules are theirs, not copied here.
func stringNode(s string, key bool) yaml.Node {
	if plainInBoth(s, key) {
		return yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}
	}
	styleCache.Lock()
	defer styleCache.Unlock()
	if n, ok := styleCache.m[styleKey{s, key}]; ok {
		return n
	}
	s = strings.Clone(s) // not a substring of an object's JSON, kept alive
	n := roundTrip(s, key)
	if len(styleCache.m) < maxCachedStyles {
		styleCache.m[styleKey{s, key}] = n
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

// plainInBoth: go-yaml v2 writes s unquoted and YAML 1.2 reads it back as
// the same string.
func plainInBoth(s string, key bool) bool {
	return yaml11.Word(s) && (!key || len(s) <= yaml11.MaxKeyLength)
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
