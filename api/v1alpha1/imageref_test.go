package v1alpha1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	hex64  = strings.Repeat("0123456789abcdef", 4)
	hex96  = strings.Repeat("0123456789abcdef", 6)
	hex128 = strings.Repeat("0123456789abcdef", 8)
)

// TestValidateImage pins which references spec.image accepts and the
// reason reference.ParseNormalizedNamed gives inside our message: users read
// it, and the golden files hold some of them.
func TestValidateImage(t *testing.T) {
	const (
		errFormat    = "invalid reference format"
		errUppercase = "repository name must be lowercase"
		errTooLong   = "repository name must not be more than 255 characters"
	)
	for _, tc := range []struct{ in, err string }{
		{in: "redis"},
		{in: "redis:7"},
		{in: "docker.io/library/redis:latest"},
		{in: "index.docker.io/org/redis"},
		{in: "org/worker:v1"},
		{in: "ghcr.io/org/team/sub/x:V_1-rc.2"},
		{in: "localhost/x"},
		{in: "localhost:5000/x:1"},
		{in: "registry:5000/x"},
		{in: "127.0.0.1:5000/a/b"},
		{in: "[::1]:5000/x:v1"},
		{in: "[2001:db8::1]/x"},
		{in: "Registry.Example.COM/x"},
		{in: "my-registry.example.com/a.b/c_d/e__f/g---h"},
		{in: "ghcr.io/org/x@sha256:" + hex64},
		{in: "ghcr.io/org/x:v1@sha256:" + hex64},
		{in: "x@sha384:" + hex96},
		{in: "x@sha512:" + hex128},
		{in: "a.b_c/x"}, // a first element that is no host name is a path
		{in: strings.Repeat("a", 247)},
		{in: "x:" + strings.Repeat("t", 128)},
		{in: hex64 + ":v1"},
		{in: "localhost:5000"}, // the Docker Hub image "localhost", tag "5000"

		{in: hex64, err: "invalid repository name (" + hex64 + "), cannot specify 64-byte hexadecimal strings"},
		{in: "Redis", err: "invalid reference format: repository name (library/Redis) must be lowercase"},
		{in: "ghcr.io/Org/x:v1", err: "invalid reference format: repository name (Org/x) must be lowercase"},
		{in: "A_B/c", err: errUppercase},
		{in: "ghcr.io/org/x@SHA256:" + hex64, err: "invalid reference format: repository name (org/x@SHA256) must be lowercase"},
		{in: "ghcr.io/org/x:v1@SHA256:" + hex64, err: "invalid checksum digest format"},
		{in: "ghcr.io/org/x@sha256:" + strings.ToUpper(hex64), err: "invalid checksum digest format"},
		{in: "ghcr.io/org/x@sha256:" + hex64[:32], err: "invalid checksum digest length"},
		{in: "ghcr.io/org/x@md5:" + hex64[:32], err: "unsupported digest algorithm"},
		{in: "ghcr.io/org/x@sha256:abc", err: errFormat},
		{in: strings.Repeat("a", 248), err: errTooLong},
		{in: "ghcr.io/" + strings.Repeat("a/", 127) + "bc", err: errTooLong},
		{in: "x:" + strings.Repeat("t", 129), err: errFormat},
		{in: "x:", err: errFormat},
		{in: "x::v1", err: errFormat},
		{in: "localhost:/x", err: errFormat},
		{in: "ghcr.io//x", err: errFormat},
		{in: "ghcr.io/x/", err: errFormat},
		{in: "/x", err: errFormat},
		{in: "-a.io/x", err: errFormat},
		{in: "ghcr.io/a._b", err: errFormat},
		{in: "ghcr.io/a___b", err: errFormat},
		{in: "ghcr.io/x:-v1", err: errFormat},
		{in: "ghcr.io/x:v1@", err: errFormat},
		{in: "ghcr.io/x@sha256:" + hex64 + "@sha256:" + hex64, err: errFormat},
		{in: "[]/x", err: errFormat},
		{in: "[::g]/x", err: errFormat},
		{in: "x y", err: errFormat},
		{in: "ghcr.io/café", err: errFormat},
		{in: "ghcr.io/\u212a", err: "invalid reference format: repository name (\u212a) must be lowercase"}, // the Kelvin sign lowers to k
	} {
		errs := validateImage(tc.in, field.NewPath("spec", "image"))
		want := ""
		if tc.err != "" {
			want = `spec.image: Invalid value: "` + tc.in + `": not a valid image reference (` + tc.err +
				`); write [registry/]repository[:tag][@digest], for example "ghcr.io/org/worker:v1.2.3"`
		}
		if got := errs.ToAggregate(); (got == nil) != (want == "") || got != nil && got.Error() != want {
			t.Errorf("validateImage(%q) = %v, want %q", tc.in, got, want)
		}
	}
	if errs := validateImage("", field.NewPath("spec", "image")); len(errs) != 1 || errs[0].Type != field.ErrorTypeRequired {
		t.Errorf("empty image: %v", errs)
	}
	if errs := validateImage("x:"+strings.Repeat("t", maxImageLength), field.NewPath("spec", "image")); len(errs) != 1 || errs[0].Type != field.ErrorTypeTooLong {
		t.Errorf("image of %d bytes: %v", maxImageLength+2, errs)
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
