package ociimage

import (
	"bytes"
	"io/fs"
)

// WorkerUID is the user the worker image runs as: numeric, so that the
// kubelet can check runAsNonRoot without reading /etc/passwd.
const WorkerUID = 65532

// MigrationScript is /app/scripts/ci/run-migrations.sh: the example's init
// container runs `/bin/bash -c "cd /app && ./scripts/ci/run-migrations.sh"`,
// and the worker's migrate mode checks that the secret arrived.
const MigrationScript = "#!/bin/sh\nexec /eds-worker migrate POSTGRES_PASSWORD\n"

// WorkerFiles are the files of the worker image: the static worker binary as
// /eds-worker, a static busybox as /bin/busybox with /bin/sh linked to it,
// /bin/bash linked to /eds-worker (whose bash shim re-executes busybox sh,
// see e2e/cmd/eds-worker), the migration script, a world-writable /tmp and
// an "app" user and group 65532.
func WorkerFiles(workerBinary, busybox []byte) []File {
	return []File{
		{Path: "/eds-worker", Mode: 0o755, Data: workerBinary},
		{Path: "/bin/busybox", Mode: 0o755, Data: busybox},
		{Path: "/bin/sh", LinkTarget: "busybox"},
		// A symlink, not a copy: the kernel keeps argv[0] = "/bin/bash" as
		// runc passes it, and the worker's shim keys on that basename.
		{Path: "/bin/bash", LinkTarget: "/eds-worker"},
		{Path: "/app/scripts/ci/run-migrations.sh", Mode: 0o755, Data: []byte(MigrationScript)},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\napp:x:65532:65532:app:/app:/bin/sh\n")},
		{Path: "/etc/group", Mode: 0o644, Data: []byte("root:x:0:\napp:x:65532:\n")},
	}
}

// WorkerConfig is the worker image's configuration: entrypoint /eds-worker
// (default mode "run"), user 65532:65532, working directory /app.
func WorkerConfig() Config {
	return Config{
		User:       "65532:65532",
		Entrypoint: []string{"/eds-worker"},
		Env:        []string{"PATH=/bin"},
		WorkingDir: "/app",
	}
}

// WorkerImage returns the OCI image-layout tar of the worker image named tag
// (a full reference such as "localhost/eds-worker:v1") and its manifest
// digest. workerBinary must be a static linux build of e2e/cmd/eds-worker
// for the node's architecture; busybox a static busybox (Debian's
// busybox-static /bin/busybox).
func WorkerImage(workerBinary, busybox []byte, tag string) ([]byte, string, error) {
	var buf bytes.Buffer
	digest, err := Write(&buf, tag, WorkerFiles(workerBinary, busybox), WorkerConfig())
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), digest, nil
}
