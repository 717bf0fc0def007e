// Package ociimage writes a FROM-scratch container image as an OCI
// image-layout tar archive (oci-layout, index.json, blobs/sha256/...) with
// one uncompressed layer, directly from a list of files: no Docker, no
// buildah, no registry. `ctr -n k8s.io images import` loads the archive under
// the full reference given to Write, which is how the node harness puts the
// worker image into the containerd that its kubelet uses.
//
// The output is deterministic: entries are sorted, timestamps are fixed,
// owners are 0:0 and the JSON documents are marshalled from structs, so the
// same input always yields the same manifest digest.
package ociimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Media types and annotations of the OCI image spec and of containerd.
const (
	MediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar"

	// AnnotationRefName is the OCI tag annotation. containerd's importer
	// only uses it when AnnotationImageName is absent, and then passes it
	// through ctr's "import-<date>" prefix translator.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationImageName is containerd's own annotation: the full image
	// name that `ctr images import` gives the image, untranslated.
	AnnotationImageName = "io.containerd.image.name"
)

// Epoch is the modification time of every entry, in the layer and in the
// outer archive: a fixed instant keeps digests reproducible.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// File is one entry of the image's single layer.
//
// Path is absolute or relative to / ("/bin/sh" and "bin/sh" are the same).
// Mode carries the permission bits plus fs.ModeDir, fs.ModeSymlink,
// fs.ModeSticky, fs.ModeSetuid or fs.ModeSetgid. An entry with a LinkTarget
// is a symbolic link whatever its Mode; an entry with fs.ModeDir is a
// directory and must have no Data. Parent directories that are not listed
// are added with mode 0755. Every entry is owned by 0:0.
type File struct {
	Path       string
	Mode       fs.FileMode
	Data       []byte
	LinkTarget string
}

// Config is the runtime part of the image configuration.
type Config struct {
	User       string   // e.g. "65532:65532"; numeric, so runAsNonRoot can verify it
	Entrypoint []string //
	Cmd        []string //
	Env        []string // "NAME=value"
	WorkingDir string   //
	Arch       string   // GOARCH spelling; "" = runtime.GOARCH
	OS         string   // "" = "linux"
}

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *Platform         `json:"platform,omitempty"`
}

// Platform of a manifest in the index.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// Index is index.json.
type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []Descriptor `json:"manifests"`
}

// Manifest is the image manifest.
type Manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

// ImageConfig is the image configuration blob.
type ImageConfig struct {
	Architecture string        `json:"architecture"`
	OS           string        `json:"os"`
	Config       RuntimeConfig `json:"config"`
	RootFS       RootFS        `json:"rootfs"`
	History      []History     `json:"history,omitempty"`
}

// RuntimeConfig is the "config" member of ImageConfig.
type RuntimeConfig struct {
	User       string   `json:"User,omitempty"`
	Env        []string `json:"Env,omitempty"`
	Entrypoint []string `json:"Entrypoint,omitempty"`
	Cmd        []string `json:"Cmd,omitempty"`
	WorkingDir string   `json:"WorkingDir,omitempty"`
}

// RootFS lists the layers' uncompressed digests.
type RootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

// History records how the layer was made.
type History struct {
	Created   string `json:"created,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
}

// Write writes the OCI image-layout tar of an image made of files and cfg to
// w, naming it ref (e.g. "localhost/eds-worker:v1"), and returns the
// manifest's digest ("sha256:..."), which is the digest containerd shows
// for the imported image.
func Write(w io.Writer, ref string, files []File, cfg Config) (string, error) {
	tag, err := refTag(ref)
	if err != nil {
		return "", err
	}
	layer, err := Layer(files)
	if err != nil {
		return "", err
	}
	layerDesc := describe(MediaTypeLayer, layer)

	arch, osName := cfg.Arch, cfg.OS
	if arch == "" {
		arch = runtime.GOARCH
	}
	if osName == "" {
		osName = "linux"
	}
	config, err := json.Marshal(ImageConfig{
		Architecture: arch,
		OS:           osName,
		Config: RuntimeConfig{
			User:       cfg.User,
			Env:        cfg.Env,
			Entrypoint: cfg.Entrypoint,
			Cmd:        cfg.Cmd,
			WorkingDir: cfg.WorkingDir,
		},
		RootFS:  RootFS{Type: "layers", DiffIDs: []string{layerDesc.Digest}},
		History: []History{{Created: Epoch.Format(time.RFC3339), CreatedBy: "eds-fn e2e/internal/ociimage"}},
	})
	if err != nil {
		return "", err
	}
	configDesc := describe(MediaTypeConfig, config)

	manifest, err := json.Marshal(Manifest{
		SchemaVersion: 2,
		MediaType:     MediaTypeManifest,
		Config:        configDesc,
		Layers:        []Descriptor{layerDesc},
	})
	if err != nil {
		return "", err
	}
	manifestDesc := describe(MediaTypeManifest, manifest)
	manifestDesc.Annotations = map[string]string{
		AnnotationRefName:   tag,
		AnnotationImageName: ref,
	}
	manifestDesc.Platform = &Platform{Architecture: arch, OS: osName}

	index, err := json.Marshal(Index{
		SchemaVersion: 2,
		MediaType:     MediaTypeIndex,
		Manifests:     []Descriptor{manifestDesc},
	})
	if err != nil {
		return "", err
	}

	tw := tar.NewWriter(w)
	entries := []struct {
		name string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
	}
	blobs := []struct {
		desc Descriptor
		data []byte
	}{{configDesc, config}, {layerDesc, layer}, {manifestDesc, manifest}}
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].desc.Digest < blobs[j].desc.Digest })
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: Epoch, Format: tar.FormatUSTAR}); err != nil {
			return "", err
		}
	}
	for _, b := range blobs {
		entries = append(entries, struct {
			name string
			data []byte
		}{"blobs/sha256/" + strings.TrimPrefix(b.desc.Digest, "sha256:"), b.data})
	}
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: Epoch, Format: tar.FormatUSTAR}); err != nil {
			return "", err
		}
		if _, err := tw.Write(e.data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return manifestDesc.Digest, nil
}

// refTag returns the tag of ref ("v1" of "localhost/eds-worker:v1"). A ref
// needs a repository and a tag: containerd's CRI looks images up by their
// full name, and an untagged name would make the kubelet ask for ":latest".
func refTag(ref string) (string, error) {
	if strings.Contains(ref, "@") {
		return "", fmt.Errorf("ociimage: ref %q: digests are not supported, give name:tag", ref)
	}
	i := strings.LastIndex(ref, ":")
	if i <= 0 || i < strings.LastIndex(ref, "/") || i == len(ref)-1 {
		return "", fmt.Errorf("ociimage: ref %q has no tag (want e.g. localhost/eds-worker:v1)", ref)
	}
	return ref[i+1:], nil
}

func describe(mediaType string, data []byte) Descriptor {
	return Descriptor{MediaType: mediaType, Digest: Digest(data), Size: int64(len(data))}
}

// Digest is the OCI digest of data: "sha256:" and the hex SHA-256.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Layer returns the uncompressed layer tar of files: sorted by path, with
// every missing parent directory added as 0755, all owned by 0:0, all dated
// Epoch. It fails on duplicate paths, on a directory with data, and on a
// path that is a file and the parent of another.
func Layer(files []File) ([]byte, error) {
	byPath := map[string]File{}
	for _, f := range files {
		p := path.Clean("/" + f.Path)
		if p == "/" {
			return nil, errors.New("ociimage: the root directory cannot be an entry")
		}
		if _, dup := byPath[p]; dup {
			return nil, fmt.Errorf("ociimage: %s listed twice", p)
		}
		if f.Mode.IsDir() && (f.Data != nil || f.LinkTarget != "") {
			return nil, fmt.Errorf("ociimage: directory %s has data or a link target", p)
		}
		f.Path = p
		byPath[p] = f
	}
	for p := range byPath {
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if parent, ok := byPath[d]; ok {
				if !parent.Mode.IsDir() {
					return nil, fmt.Errorf("ociimage: %s is not a directory but contains %s", d, p)
				}
				continue
			}
			byPath[d] = File{Path: d, Mode: fs.ModeDir | 0o755}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths) // a parent is a prefix of its children, so it sorts first

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		f := byPath[p]
		h := &tar.Header{
			Name:    strings.TrimPrefix(p, "/"),
			Mode:    tarMode(f.Mode),
			ModTime: Epoch,
			Uid:     0, Gid: 0,
			Uname: "root", Gname: "root",
			Format: tar.FormatUSTAR,
		}
		switch {
		case f.LinkTarget != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.LinkTarget
			if f.Mode.Perm() == 0 {
				h.Mode = 0o777
			}
		case f.Mode.IsDir():
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		case f.Mode.IsRegular():
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
		default:
			return nil, fmt.Errorf("ociimage: %s: unsupported mode %v", p, f.Mode)
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("ociimage: %s: %w", p, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tarMode turns Go's mode bits into the tar header's Unix ones.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
