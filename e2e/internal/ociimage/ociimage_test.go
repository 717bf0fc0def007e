package ociimage

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// readTar returns the headers and contents of a tar, in order.
func readTar(t *testing.T, data []byte) ([]*tar.Header, map[string][]byte) {
	t.Helper()
	var hdrs []*tar.Header
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hdrs, files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, h)
		files[h.Name] = b
	}
}

func blob(t *testing.T, files map[string][]byte, d Descriptor) []byte {
	t.Helper()
	b, ok := files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
	if !ok {
		t.Fatalf("no blob %s", d.Digest)
	}
	if Digest(b) != d.Digest || int64(len(b)) != d.Size {
		t.Fatalf("blob %s: digest %s, size %d/%d", d.Digest, Digest(b), len(b), d.Size)
	}
	return b
}

func TestWorkerImage(t *testing.T) {
	worker := []byte("\x7fELF worker")
	programs := []File{
		{Path: "/bin/bash", Mode: 0o755, Data: []byte("\x7fELF bash")},
		{Path: "/lib/x86_64-linux-gnu/libc.so.6", Mode: 0o755, Data: []byte("\x7fELF libc")},
		{Path: "/bin/sh", Mode: 0o755, Data: []byte("\x7fELF dash")},
		{Path: "/lib/x86_64-linux-gnu/libc.so.6", Mode: 0o755, Data: []byte("\x7fELF libc")}, // shared: kept once
	}
	var buf bytes.Buffer
	digest, err := Write(&buf, "localhost/eds-worker:v1", WorkerFiles(worker, programs...), WorkerConfig())
	if err != nil {
		t.Fatal(err)
	}
	img := buf.Bytes()
	outer, files := readTar(t, img)
	var names0 []string
	for _, h := range outer {
		names0 = append(names0, h.Name)
	}
	if len(names0) != 7 || names0[0] != "blobs/" || names0[1] != "blobs/sha256/" || names0[2] != "oci-layout" || names0[3] != "index.json" {
		t.Errorf("archive entries %v", names0) // the directories, oci-layout, index.json, three blobs
	}
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout %s", files["oci-layout"])
	}
	var index Index
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if index.SchemaVersion != 2 || index.MediaType != MediaTypeIndex || len(index.Manifests) != 1 {
		t.Fatalf("index %s", files["index.json"])
	}
	md := index.Manifests[0]
	if md.Digest != digest || md.MediaType != MediaTypeManifest {
		t.Errorf("index manifest %+v, Write returned %s", md, digest)
	}
	if md.Annotations[AnnotationRefName] != "v1" || md.Annotations[AnnotationImageName] != "localhost/eds-worker:v1" {
		t.Errorf("annotations %v", md.Annotations)
	}
	if md.Platform == nil || md.Platform.OS != "linux" || md.Platform.Architecture != runtime.GOARCH {
		t.Errorf("platform %+v", md.Platform)
	}
	var manifest Manifest
	if err := json.Unmarshal(blob(t, files, md), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.SchemaVersion != 2 || manifest.MediaType != MediaTypeManifest || manifest.Config.MediaType != MediaTypeConfig || len(manifest.Layers) != 1 || manifest.Layers[0].MediaType != MediaTypeLayer {
		t.Fatalf("manifest %+v", manifest)
	}
	var config ImageConfig
	if err := json.Unmarshal(blob(t, files, manifest.Config), &config); err != nil {
		t.Fatal(err)
	}
	if config.OS != "linux" || config.Architecture != runtime.GOARCH || config.Config.User != "65532:65532" ||
		strings.Join(config.Config.Entrypoint, " ") != "/eds-worker" || config.Config.Cmd != nil ||
		config.RootFS.Type != "layers" || len(config.RootFS.DiffIDs) != 1 || config.RootFS.DiffIDs[0] != manifest.Layers[0].Digest {
		t.Errorf("config %+v", config)
	}

	hdrs, layer := readTar(t, blob(t, files, manifest.Layers[0]))
	type entry struct {
		typ  byte
		mode int64
		link string
	}
	got := map[string]entry{}
	var names []string
	for _, h := range hdrs {
		got[h.Name] = entry{h.Typeflag, h.Mode, h.Linkname}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || !h.ModTime.Equal(Epoch) || strings.HasPrefix(h.Name, "/") {
			t.Errorf("%s: owner %d:%d, mtime %s", h.Name, h.Uid, h.Gid, h.ModTime)
		}
	}
	want := map[string]entry{
		"app/":                             {tar.TypeDir, 0o755, ""},
		"app/scripts/":                     {tar.TypeDir, 0o755, ""},
		"app/scripts/ci/":                  {tar.TypeDir, 0o755, ""},
		"app/scripts/ci/run-migrations.sh": {tar.TypeReg, 0o755, ""},
		"bin/":                             {tar.TypeDir, 0o755, ""},
		"bin/bash":                         {tar.TypeReg, 0o755, ""},
		"bin/sh":                           {tar.TypeReg, 0o755, ""},
		"lib/":                             {tar.TypeDir, 0o755, ""},
		"lib/x86_64-linux-gnu/":            {tar.TypeDir, 0o755, ""},
		"lib/x86_64-linux-gnu/libc.so.6":   {tar.TypeReg, 0o755, ""},
		"usr/":                             {tar.TypeDir, 0o755, ""},
		"usr/local/":                       {tar.TypeDir, 0o755, ""},
		"usr/local/bin/":                   {tar.TypeDir, 0o755, ""},
		"usr/local/bin/node":               {tar.TypeSymlink, 0o777, "/eds-worker"},
		"eds-worker":                       {tar.TypeReg, 0o755, ""},
		"etc/":                             {tar.TypeDir, 0o755, ""},
		"etc/group":                        {tar.TypeReg, 0o644, ""},
		"etc/passwd":                       {tar.TypeReg, 0o644, ""},
		"tmp/":                             {tar.TypeDir, 0o1777, ""},
	}
	if len(got) != len(want) {
		t.Errorf("layer entries %v", names)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %+v, want %+v", name, got[name], w)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("layer entries not sorted: %v", names)
	}
	if !bytes.Equal(layer["eds-worker"], worker) || string(layer["bin/sh"]) != "\x7fELF dash" || string(layer["app/scripts/ci/run-migrations.sh"]) != MigrationScript {
		t.Error("file contents differ")
	}
	if !strings.Contains(string(layer["etc/passwd"]), "app:x:65532:65532:") || !strings.Contains(string(layer["etc/group"]), "app:x:65532:") {
		t.Error("no app user or group")
	}
}

func TestDeterministic(t *testing.T) {
	files := WorkerFiles([]byte("w"), File{Path: "/bin/sh", Mode: 0o755, Data: []byte("sh")})
	var a0 bytes.Buffer
	da, err := Write(&a0, "localhost/eds-worker:v1", files, WorkerConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := a0.Bytes()
	// The same files in another order give the same bytes.
	for i, j := 0, len(files)-1; i < j; i, j = i+1, j-1 {
		files[i], files[j] = files[j], files[i]
	}
	var b bytes.Buffer
	db, err := Write(&b, "localhost/eds-worker:v1", files, WorkerConfig())
	if err != nil {
		t.Fatal(err)
	}
	if da != db || !bytes.Equal(a, b.Bytes()) {
		t.Errorf("same input, different output: %s, %s", da, db)
	}
	// Another content, another digest; another name, the same manifest.
	write := func(worker, ref string) string {
		d, err := Write(io.Discard, ref, WorkerFiles([]byte(worker), File{Path: "/bin/sh", Mode: 0o755, Data: []byte("sh")}), WorkerConfig())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	dc, dd := write("w2", "localhost/eds-worker:v1"), write("w", "localhost/eds-worker:v2")
	if dc == da || dd != da {
		t.Errorf("digests %s %s %s", da, dc, dd)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ref   string
		files []File
	}{
		{"no tag", "localhost/eds-worker", nil},
		{"port, no tag", "localhost:5000/eds-worker", nil},
		{"digest", "localhost/eds-worker@sha256:00", nil},
		{"empty tag", "localhost/eds-worker:", nil},
		{"duplicate", "x:v1", []File{{Path: "/a", Mode: 0o644}, {Path: "a", Mode: 0o644}}},
		{"file as parent", "x:v1", []File{{Path: "/a", Mode: 0o644}, {Path: "/a/b", Mode: 0o644}}},
		{"dir with data", "x:v1", []File{{Path: "/d", Mode: fs.ModeDir | 0o755, Data: []byte("x")}}},
		{"root", "x:v1", []File{{Path: "/", Mode: fs.ModeDir | 0o755}}},
		{"device", "x:v1", []File{{Path: "/dev/null", Mode: fs.ModeDevice | 0o666}}},
	} {
		if _, err := Write(io.Discard, tc.ref, tc.files, Config{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := Write(io.Discard, "localhost:5000/eds-worker:v1", nil, Config{}); err != nil {
		t.Errorf("registry with port: %v", err)
	}
}

// TestHostProgram copies this machine's bash with what it needs to run: its
// libraries and the dynamic loader, at the paths ldd gives.
func TestHostProgram(t *testing.T) {
	files, err := HostProgram("bash", "/bin/bash")
	if err != nil {
		t.Fatal(err)
	}
	if files[0].Path != "/bin/bash" || len(files[0].Data) == 0 {
		t.Fatalf("first file %s (%d bytes)", files[0].Path, len(files[0].Data))
	}
	var libc, loader bool
	for _, f := range files[1:] {
		libc = libc || strings.Contains(f.Path, "/libc.so")
		loader = loader || strings.Contains(f.Path, "/ld-linux")
		if !strings.HasPrefix(f.Path, "/") || len(f.Data) == 0 {
			t.Errorf("%s: %d bytes", f.Path, len(f.Data))
		}
	}
	if !libc || !loader {
		t.Errorf("bash without libc (%t) or the loader (%t): %d files", libc, loader, len(files))
	}
}
