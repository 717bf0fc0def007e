package v1alpha1

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/google/go-cmp/cmp"
)

// parsedRef is one parser's answer, comparable across parsers.
type parsedRef struct {
	Domain, Path, Tag, Digest string
	Err                       string
}

func ours(s string) parsedRef {
	ref, err := parseImageRef(s)
	if err != nil {
		return parsedRef{Err: err.Error()}
	}
	return parsedRef{Domain: ref.domain, Path: ref.path, Tag: ref.tag, Digest: ref.digest}
}

// library is reference.ParseNormalizedNamed, the grammar parseImageRef copies.
func library(s string) parsedRef {
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return parsedRef{Err: err.Error()}
	}
	r := parsedRef{Domain: reference.Domain(named), Path: reference.Path(named)}
	if t, ok := named.(reference.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		r.Digest = d.Digest().String()
	}
	return r
}

var (
	hex64  = strings.Repeat("0123456789abcdef", 4)
	hex96  = strings.Repeat("0123456789abcdef", 6)
	hex128 = strings.Repeat("0123456789abcdef", 8)
)

func TestParseImageRef(t *testing.T) {
	const (
		errFormat    = "invalid reference format"
		errUppercase = "repository name must be lowercase"
		errTooLong   = "repository name must not be more than 255 characters"
	)
	tests := []struct {
		in   string
		want parsedRef
	}{
		{"redis", parsedRef{Domain: "docker.io", Path: "library/redis"}},
		{"redis:7", parsedRef{Domain: "docker.io", Path: "library/redis", Tag: "7"}},
		{"docker.io/library/redis:latest", parsedRef{Domain: "docker.io", Path: "library/redis", Tag: "latest"}},
		{"docker.io/redis", parsedRef{Domain: "docker.io", Path: "library/redis"}},
		{"index.docker.io/org/redis", parsedRef{Domain: "docker.io", Path: "org/redis"}},
		{"org/worker:v1", parsedRef{Domain: "docker.io", Path: "org/worker", Tag: "v1"}},
		{"ghcr.io/org/x:v1.2.3", parsedRef{Domain: "ghcr.io", Path: "org/x", Tag: "v1.2.3"}},
		{"ghcr.io/org/team/sub/x:V_1-rc.2", parsedRef{Domain: "ghcr.io", Path: "org/team/sub/x", Tag: "V_1-rc.2"}},
		{"localhost/x", parsedRef{Domain: "localhost", Path: "x"}},
		{"localhost:5000/x:1", parsedRef{Domain: "localhost:5000", Path: "x", Tag: "1"}},
		{"registry:5000/x", parsedRef{Domain: "registry:5000", Path: "x"}},
		{"127.0.0.1:5000/a/b", parsedRef{Domain: "127.0.0.1:5000", Path: "a/b"}},
		{"[::1]:5000/x:v1", parsedRef{Domain: "[::1]:5000", Path: "x", Tag: "v1"}},
		{"[2001:db8::1]/x", parsedRef{Domain: "[2001:db8::1]", Path: "x"}},
		{"Registry.Example.COM/x", parsedRef{Domain: "Registry.Example.COM", Path: "x"}},
		{"my-registry.example.com/a.b/c_d/e__f/g---h", parsedRef{Domain: "my-registry.example.com", Path: "a.b/c_d/e__f/g---h"}},
		{"ghcr.io/org/x@sha256:" + hex64, parsedRef{Domain: "ghcr.io", Path: "org/x", Digest: "sha256:" + hex64}},
		{"ghcr.io/org/x:v1@sha256:" + hex64, parsedRef{Domain: "ghcr.io", Path: "org/x", Tag: "v1", Digest: "sha256:" + hex64}},
		{"x@sha384:" + hex96, parsedRef{Domain: "docker.io", Path: "library/x", Digest: "sha384:" + hex96}},
		{"x@sha512:" + hex128, parsedRef{Domain: "docker.io", Path: "library/x", Digest: "sha512:" + hex128}},
		// A domain-looking first element that is no host name is a path.
		{"a.b_c/x", parsedRef{Domain: "", Path: "a.b_c/x"}},
		{strings.Repeat("a", 247), parsedRef{Domain: "docker.io", Path: "library/" + strings.Repeat("a", 247)}},
		{"x:" + strings.Repeat("t", 128), parsedRef{Domain: "docker.io", Path: "library/x", Tag: strings.Repeat("t", 128)}},

		{hex64, parsedRef{Err: "invalid repository name (" + hex64 + "), cannot specify 64-byte hexadecimal strings"}},
		{hex64 + ":v1", parsedRef{Domain: "docker.io", Path: "library/" + hex64, Tag: "v1"}},
		{"Redis", parsedRef{Err: "invalid reference format: repository name (library/Redis) must be lowercase"}},
		{"ghcr.io/Org/x:v1", parsedRef{Err: "invalid reference format: repository name (Org/x) must be lowercase"}},
		{"A_B/c", parsedRef{Err: errUppercase}},
		{"ghcr.io/org/x@SHA256:" + hex64, parsedRef{Err: "invalid reference format: repository name (org/x@SHA256) must be lowercase"}},
		{"ghcr.io/org/x:v1@SHA256:" + hex64, parsedRef{Err: "invalid checksum digest format"}},
		{"ghcr.io/org/x@sha256:" + strings.ToUpper(hex64), parsedRef{Err: "invalid checksum digest format"}},
		{"ghcr.io/org/x@sha256:" + hex64[:32], parsedRef{Err: "invalid checksum digest length"}},
		{"ghcr.io/org/x@md5:" + hex64[:32], parsedRef{Err: "unsupported digest algorithm"}},
		{"ghcr.io/org/x@sha256:abc", parsedRef{Err: errFormat}},
		{strings.Repeat("a", 248), parsedRef{Err: errTooLong}},
		{"ghcr.io/" + strings.Repeat("a/", 127) + "bc", parsedRef{Err: errTooLong}},
		{"x:" + strings.Repeat("t", 129), parsedRef{Err: errFormat}},
		{"", parsedRef{Err: errFormat}},
		{"x:", parsedRef{Err: errFormat}},
		{"x::v1", parsedRef{Err: errFormat}},
		// A registry without a repository is the Docker Hub image "localhost", tag "5000".
		{"localhost:5000", parsedRef{Domain: "docker.io", Path: "library/localhost", Tag: "5000"}},
		{"localhost:/x", parsedRef{Err: errFormat}},
		{"ghcr.io//x", parsedRef{Err: errFormat}},
		{"ghcr.io/x/", parsedRef{Err: errFormat}},
		{"/x", parsedRef{Err: errFormat}},
		{"-a.io/x", parsedRef{Err: errFormat}},
		{"ghcr.io/a._b", parsedRef{Err: errFormat}},
		{"ghcr.io/a___b", parsedRef{Err: errFormat}},
		{"ghcr.io/x:-v1", parsedRef{Err: errFormat}},
		{"ghcr.io/x:v1@", parsedRef{Err: errFormat}},
		{"ghcr.io/x@sha256:" + hex64 + "@sha256:" + hex64, parsedRef{Err: errFormat}},
		{"[::1]/x", parsedRef{Domain: "[::1]", Path: "x"}},
		{"[]/x", parsedRef{Err: errFormat}},
		{"[::g]/x", parsedRef{Err: errFormat}},
		{"x y", parsedRef{Err: errFormat}},
		{"ghcr.io/café", parsedRef{Err: errFormat}},
		{"ghcr.io/\u212a", parsedRef{Err: "invalid reference format: repository name (\u212a) must be lowercase"}}, // the Kelvin sign lowers to k
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ours(tt.in)); diff != "" {
			t.Errorf("parseImageRef(%q) (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.want, library(tt.in)); diff != "" {
			t.Errorf("the table disagrees with reference.ParseNormalizedNamed(%q) (-table +library):\n%s", tt.in, diff)
		}
	}
}

func TestFloatingImage(t *testing.T) {
	for in, floating := range map[string]bool{
		"redis":                                true,
		"redis:latest":                         true,
		"ghcr.io/org/x:latest":                 true,
		"ghcr.io/org/x:v1":                     false,
		"ghcr.io/org/x:Latest":                 false,
		"ghcr.io/org/x@sha256:" + hex64:        false,
		"ghcr.io/org/x:latest@sha256:" + hex64: false,
		"Redis":                                false, // invalid: validateImage reports it
	} {
		if got := len(floatingImage(in, nil)) > 0; got != floating {
			t.Errorf("floatingImage(%q) warns %v, want %v", in, got, floating)
		}
	}
}

// refPieces are the parts image references are made of, and the characters
// and words the grammar treats specially.
var refPieces = []string{
	"a", "z", "0", "9", "A", "Z", "f", "F", "_", "__", ".", "-", "--", "+", "=", "/", ":", "@", "[", "]",
	" ", "é", "\u212a", "\xff", "::1", "[]", "[::1]", "localhost", "docker.io", "index.docker.io", "library", "ghcr.io",
	"5000", "latest", "sha256:", "sha384:", "sha512:", "md5:", "SHA256:", "a.b-c_d",
	hex64, hex64[:32], hex96, hex128, strings.ToUpper(hex64), strings.Repeat("a", 120), strings.Repeat("b/", 60),
}

// TestParseImageRefMatchesLibrary compares parseImageRef with
// reference.ParseNormalizedNamed on every short string over a small alphabet
// and on many references built from refPieces and mutated.
func TestParseImageRefMatchesLibrary(t *testing.T) {
	n := 0
	check := func(s string) {
		n++
		if got, want := ours(s), library(s); got != want {
			t.Errorf("parseImageRef(%q) (-library +ours):\n%s", s, cmp.Diff(want, got))
		}
	}
	const alphabet = "aA0._-/:@[]"
	var all func(prefix string, left int)
	all = func(prefix string, left int) {
		check(prefix)
		if left > 0 {
			for _, c := range alphabet {
				all(prefix+string(c), left-1)
			}
		}
	}
	all("", 5)

	rnd := rand.New(rand.NewPCG(14, 1))
	for range 50_000 {
		var b strings.Builder
		for range 1 + rnd.IntN(8) {
			b.WriteString(refPieces[rnd.IntN(len(refPieces))])
		}
		check(b.String())
	}
	seeds := []string{
		"ghcr.io/org/x:v1.2.3@sha256:" + hex64, "[::1]:5000/a/b:c", "[0]:1/x", "localhost:5000/a__b/c-d.e", "docker.io/library/redis:7",
	}
	for range 50_000 {
		s := []byte(seeds[rnd.IntN(len(seeds))])
		for range 1 + rnd.IntN(3) {
			i := rnd.IntN(len(s))
			c := alphabet[rnd.IntN(len(alphabet))]
			switch rnd.IntN(3) {
			case 0:
				s[i] = c
			case 1:
				s = append(s[:i:i], s[i+1:]...)
			default:
				s = append(s[:i:i], append([]byte{c}, s[i:]...)...)
			}
			if len(s) == 0 {
				break
			}
		}
		check(string(s))
	}
	t.Logf("%d inputs", n)
}

func FuzzParseImageRef(f *testing.F) {
	for _, s := range []string{
		"redis", "ghcr.io/org/x:v1.2.3", "[::1]:5000/x:v1", "localhost:5000/x", "x@sha256:" + hex64,
		"ghcr.io/org/x:v1@sha512:" + hex128, "A_B/c", "a.b_c/x", hex64, strings.Repeat("a", 248),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ours(s), library(s); got != want {
			t.Errorf("parseImageRef(%q) (-library +ours):\n%s", s, cmp.Diff(want, got))
		}
	})
}

var benchImages = []string{
	"ghcr.io/org/worker:v1.2.3",
	"redis",
	"localhost:5000/team/worker@sha256:" + hex64,
}

func BenchmarkValidateImage(b *testing.B) {
	b.Run("eds-fn", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if errs := validateImage(benchImages[i%len(benchImages)], nil); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
	b.Run("distribution-reference", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := reference.ParseNormalizedNamed(benchImages[i%len(benchImages)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
