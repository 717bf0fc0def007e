package ociimage

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
)

// WorkerUID is the user the worker image runs as: numeric, so that the
// kubelet can check runAsNonRoot without reading /etc/passwd.
const WorkerUID = 65532

// MigrationScript is /app/scripts/ci/run-migrations.sh: the example's init
// container runs `/bin/bash -c "cd /app && ./scripts/ci/run-migrations.sh"`,
// and the worker's migrate mode checks that the secret arrived.
const MigrationScript = "#!/bin/sh\n# The example's migration: it needs the database password from a Secret.\nexec /eds-worker migrate POSTGRES_PASSWORD\n"

// HostPrograms are the programs the examples' containers start by name,
// copied from this machine into the image with the shared libraries ldd
// names, so that their commands run unchanged: bash, and dash as /bin/sh,
// for the migration script; curl for the init container that waits for a
// schema registry.
var HostPrograms = []struct{ Name, At string }{
	{"bash", "/bin/bash"},
	{"dash", "/bin/sh"},
	{"curl", "/usr/bin/curl"},
}

// HostProgram is the program name (looked up on PATH) at path at, with its
// shared libraries and dynamic loader at the paths ldd gives.
func HostProgram(name, at string) ([]File, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: at, Mode: 0o755, Data: data}}
	out, err := exec.Command("ldd", path).Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %v", path, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		var lib string
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			lib = f[2]
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			lib = f[0] // the dynamic loader
		default:
			continue // linux-vdso.so.1: the kernel's
		}
		data, err := os.ReadFile(lib) // through symlinks: the content at the path asked for
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: lib, Mode: 0o755, Data: data})
	}
	return files, nil
}

// WorkerFiles are the files of the worker image: the static worker binary
// as /eds-worker and under the name node (the http-worker example starts
// `node dist/main.js`), the programs given (HostProgram's), the migration
// script, a world-writable /tmp and an "app" user and group 65532. A path
// given twice (programs share libraries) is kept once.
func WorkerFiles(workerBinary []byte, programs ...File) []File {
	files := []File{
		{Path: "/eds-worker", Mode: 0o755, Data: workerBinary},
		{Path: "/usr/local/bin/node", LinkTarget: "/eds-worker"},
		{Path: "/app/scripts/ci/run-migrations.sh", Mode: 0o755, Data: []byte(MigrationScript)},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\napp:x:65532:65532:app:/app:/bin/sh\n")},
		{Path: "/etc/group", Mode: 0o644, Data: []byte("root:x:0:\napp:x:65532:\n")},
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Path] = true
	}
	for _, f := range programs {
		if !seen[f.Path] {
			seen[f.Path] = true
			files = append(files, f)
		}
	}
	return files
}

// WorkerConfig is the worker image's configuration: entrypoint /eds-worker
// (default mode "run"), user 65532:65532, working directory /app, and env
// as the image's defaults after PATH.
func WorkerConfig(env ...string) Config {
	return Config{
		User:       "65532:65532",
		Entrypoint: []string{"/eds-worker"},
		Env:        append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, env...),
		WorkingDir: "/app",
	}
}

// WorkerImage returns the OCI image-layout tar of the worker image named ref
// (a full reference such as "localhost/eds-worker:v1") with HostPrograms in
// it, and its manifest digest. workerBinary must be a static linux build of
// e2e/cmd/eds-worker for the node's architecture.
func WorkerImage(workerBinary []byte, ref string, env ...string) ([]byte, string, error) {
	var programs []File
	for _, p := range HostPrograms {
		files, err := HostProgram(p.Name, p.At)
		if err != nil {
			return nil, "", err
		}
		programs = append(programs, files...)
	}
	var buf bytes.Buffer
	digest, err := Write(&buf, ref, WorkerFiles(workerBinary, programs...), WorkerConfig(env...))
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), digest, nil
}
