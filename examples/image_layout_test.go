//go:build image

package examples

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ociArchive is an OCI image layout read from a tar archive: the index of
// index.json (the first and only entry, the multi-platform index) and every
// blob by digest.
type ociArchive struct {
	indexDigest string
	manifests   []ociManifest
	blobs       map[string][]byte
}

type ociManifest struct {
	platform, digest string
	config           ociConfig
	layers           [][]byte // uncompressed
}

type ociConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		User       string            `json:"User"`
		Entrypoint []string          `json:"Entrypoint"`
		Cmd        []string          `json:"Cmd"`
		Labels     map[string]string `json:"Labels"`
	} `json:"config"`
}

type ociDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Platform  *struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
	} `json:"platform"`
}

func (a ociArchive) manifestDigests() []string {
	var out []string
	for _, m := range a.manifests {
		out = append(out, m.platform+" "+m.digest)
	}
	return out
}

func readOCIArchive(t *testing.T, path string) ociArchive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := ociArchive{blobs: map[string][]byte{}}
	var indexJSON []byte
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch {
		case name == "index.json":
			indexJSON = b
		case strings.HasPrefix(name, "blobs/sha256/") && h.Typeflag == tar.TypeReg:
			d := "sha256:" + strings.TrimPrefix(name, "blobs/sha256/")
			if got := fmt.Sprintf("sha256:%x", sha256.Sum256(b)); got != d {
				t.Fatalf("blob %s has digest %s", d, got)
			}
			a.blobs[d] = b
		}
	}
	var top struct{ Manifests []ociDescriptor }
	if err := json.Unmarshal(indexJSON, &top); err != nil || len(top.Manifests) != 1 {
		t.Fatalf("index.json: %v, %s", err, indexJSON)
	}
	a.indexDigest = top.Manifests[0].Digest
	var index struct {
		MediaType string
		Manifests []ociDescriptor
	}
	a.decode(t, a.indexDigest, &index)
	if index.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Errorf("index media type %q, want an OCI index", index.MediaType)
	}
	for _, d := range index.Manifests {
		if d.Platform == nil {
			t.Fatalf("index entry %s has no platform", d.Digest)
		}
		var man struct {
			Config ociDescriptor
			Layers []ociDescriptor
		}
		a.decode(t, d.Digest, &man)
		m := ociManifest{platform: d.Platform.OS + "/" + d.Platform.Architecture, digest: d.Digest}
		a.decode(t, man.Config.Digest, &m.config)
		for _, l := range man.Layers {
			b := a.blob(t, l.Digest)
			if strings.HasSuffix(l.MediaType, "+gzip") {
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if b, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			m.layers = append(m.layers, b)
		}
		a.manifests = append(a.manifests, m)
	}
	return a
}

func (a ociArchive) blob(t *testing.T, digest string) []byte {
	t.Helper()
	b, ok := a.blobs[digest]
	if !ok {
		t.Fatalf("blob %s is not in the archive", digest)
	}
	return b
}

func (a ociArchive) decode(t *testing.T, digest string, v any) {
	t.Helper()
	if err := json.Unmarshal(a.blob(t, digest), v); err != nil {
		t.Fatalf("blob %s: %v", digest, err)
	}
}

// checkPlatformImage checks one platform's image: its files, user, labels
// and a static binary of the right architecture.
func checkPlatformImage(t *testing.T, m ociManifest, revision string) {
	t.Helper()
	arch := strings.TrimPrefix(m.platform, "linux/")
	if m.config.Architecture != arch || m.config.OS != "linux" {
		t.Errorf("config says %s/%s", m.config.OS, m.config.Architecture)
	}
	c := m.config.Config
	if c.User != "65532:65532" {
		t.Errorf("USER %q, want the numeric 65532:65532 (runAsNonRoot cannot check a name)", c.User)
	}
	if diff := cmp.Diff([]string{"/usr/local/bin/eds-fn"}, c.Entrypoint); diff != "" || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %v, cmd %v", c.Entrypoint, c.Cmd)
	}
	for _, k := range []string{"source", "version", "revision", "licenses"} {
		if c.Labels["org.opencontainers.image."+k] == "" {
			t.Errorf("label org.opencontainers.image.%s is missing: %v", k, c.Labels)
		}
	}
	if got := c.Labels["org.opencontainers.image.revision"]; got != revision {
		t.Errorf("revision label %q, want %q", got, revision)
	}
	if got := c.Labels["org.opencontainers.image.source"]; got != "https://github.com/bizmatters/eds-fn" {
		t.Errorf("source label %q", got)
	}
	if got := c.Labels["org.opencontainers.image.licenses"]; got != "Apache-2.0" {
		t.Errorf("licenses label %q, want Apache-2.0 (the LICENSE file)", got)
	}

	files := map[string]*tar.Header{}
	contents := map[string][]byte{}
	for _, l := range m.layers {
		tr := tar.NewReader(bytes.NewReader(l))
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
			files[name] = h
			if contents[name], err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	// FROM scratch: nothing but these (no shell, no cp, no libc).
	want := []string{"etc", "etc/group", "etc/passwd", "usr", "usr/local", "usr/local/bin", "usr/local/bin/eds-fn"}
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(files))); diff != "" {
		t.Errorf("image files (-want +got):\n%s", diff)
	}
	for name, mode := range map[string]int64{"etc/passwd": 0o644, "etc/group": 0o644, "usr/local/bin/eds-fn": 0o755} {
		if h := files[name]; h != nil && (h.Mode&0o7777 != mode || h.Uid != 0 || h.Gid != 0) {
			t.Errorf("%s: mode %o owner %d:%d, want %o 0:0", name, h.Mode&0o7777, h.Uid, h.Gid, mode)
		}
	}
	for file, lines := range map[string][]string{
		"etc/passwd": {"nobody:x:65534:65534:", "nonroot:x:65532:65532:"},
		"etc/group":  {"nobody:x:65534:", "nonroot:x:65532:"},
	} {
		for _, l := range lines {
			if !bytes.Contains(contents[file], []byte("\n"+l)) && !bytes.HasPrefix(contents[file], []byte(l)) {
				t.Errorf("%s lacks %q:\n%s", file, l, contents[file])
			}
		}
	}
	bin, err := elf.NewFile(bytes.NewReader(contents["usr/local/bin/eds-fn"]))
	if err != nil {
		t.Fatalf("the binary: %v", err)
	}
	machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if bin.Machine != machine {
		t.Errorf("binary for %v, want %v", bin.Machine, machine)
	}
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v): the image has no libc", p.Type)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
