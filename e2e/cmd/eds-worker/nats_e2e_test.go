//go:build e2e

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestWorkerAgainstNATSServer runs the worker (this test binary as
// eds-worker, see TestMain) against a real nats-server with JetStream:
// started before the server, it binds once the consumer exists, processes
// 50 messages exactly once, reports hashed env; the migrate mode, run
// through bash and the image's migration script, refuses an empty secret and writes
// the marker, which the running worker's next status reports; and a SIGTERM
// in the middle of 100 more messages loses none of them.
func TestWorkerAgainstNATSServer(t *testing.T) {
	const (
		stream   = "WORK"
		consumer = "eds-workers"
		secret   = "s3cret-Pa55"
	)
	natsPort := freePort(t)
	url := "nats://127.0.0.1:" + strconv.Itoa(natsPort)
	httpAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env := []string{
		"NATS_URL=" + url,
		"NATS_STREAM_NAME=" + stream,
		"NATS_CONSUMER_GROUP=" + consumer,
		"POSTGRES_PASSWORD=" + secret,
		"KUBERNETES_SERVICE_HOST=10.96.0.1",
		"NATS_PORT_4222_TCP=tcp://10.96.0.10:4222",
		"WORKER_STATUS_INTERVAL=1s",
		"WORKER_WORK_TIME=20ms",
	}

	// The worker starts before NATS does, as a pod may.
	w1 := startWorker(t, "w1", append(env, "WORKER_LISTEN="+httpAddr))
	waitHTTP(t, "http://"+httpAddr+"/health", 200)
	if code := httpCode("http://" + httpAddr + "/ready"); code != 503 {
		t.Fatalf("/ready before NATS: %d, want 503", code)
	}

	startNATS(t, natsPort)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	time.Sleep(time.Second)
	if code := httpCode("http://" + httpAddr + "/ready"); code != 503 {
		t.Fatalf("/ready without the consumer: %d, want 503", code)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"work.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 5 * time.Second,
	}); err != nil {
		t.Fatal(err)
	}
	waitHTTP(t, "http://"+httpAddr+"/ready", 200)

	msgIDs := map[uint64]string{}
	publish := func(from, to int) {
		for i := from; i <= to; i++ {
			id := fmt.Sprintf("job-%03d", i)
			ack, err := js.Publish(ctx, "work.jobs", []byte(`{"job":`+strconv.Itoa(i)+`}`), jetstream.WithMsgID(id))
			if err != nil {
				t.Fatal(err)
			}
			msgIDs[ack.Sequence] = id
		}
	}

	// 1. 50 messages, each processed exactly once.
	publish(1, 50)
	recs := waitRecords(t, js, 50, 30*time.Second)
	if len(recs) != 50 {
		t.Errorf("%d processed records for 50 messages", len(recs))
	}
	seen := map[uint64]int{}
	for _, r := range recs {
		seen[r.Seq]++
		if r.Delivered != 1 || r.Stream != stream || r.MsgID != msgIDs[r.Seq] || r.Pod == "" {
			t.Errorf("record %+v (want delivered 1, stream %s, msgId %s)", r, stream, msgIDs[r.Seq])
		}
	}
	for seq := uint64(1); seq <= 50; seq++ {
		if seen[seq] != 1 {
			t.Errorf("seq %d processed %d times", seq, seen[seq])
		}
	}

	// The status record: hashes, never values.
	st := lastStatus(t, js, "run", consumer, func(s Status) bool { return s.Processed >= 50 })
	if st.UID != os.Getuid() || st.Mode != "run" || st.Marker || !st.Ready || st.Consumer != consumer || st.Stream != stream {
		t.Errorf("status %+v", st)
	}
	if st.Env["POSTGRES_PASSWORD"] != sha256Hex(secret) || st.Env["NATS_URL"] != sha256Hex(url) {
		t.Errorf("status env: POSTGRES_PASSWORD %s NATS_URL %s", st.Env["POSTGRES_PASSWORD"], st.Env["NATS_URL"])
	}
	for _, skipped := range []string{"KUBERNETES_SERVICE_HOST", "NATS_PORT_4222_TCP"} {
		if _, ok := st.Env[skipped]; ok {
			t.Errorf("status env has %s", skipped)
		}
	}

	// 2. The init container: bash -c "cd /app && ./scripts/ci/run-migrations.sh".
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "app/scripts/ci"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nexec \"$EDS_WORKER_SELF\" migrate POSTGRES_PASSWORD\n"
	if err := os.WriteFile(filepath.Join(dir, "app/scripts/ci/run-migrations.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	initContainer := func(password string) (int, string) {
		cmd := exec.Command("bash", "-c", "cd "+dir+"/app && ./scripts/ci/run-migrations.sh")
		cmd.Env = append(os.Environ(), "EDS_WORKER_MAIN=1", "EDS_WORKER_SELF="+self)
		cmd.Env = append(cmd.Env, env...)
		cmd.Env = append(cmd.Env, "POSTGRES_PASSWORD="+password)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("init container: %v", err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := initContainer(""); code != 1 || !strings.Contains(out, "unset or empty: POSTGRES_PASSWORD") {
		t.Errorf("init container with an empty secret: exit %d, output %q; want 1 and the variable named", code, out)
	}
	if code, out := initContainer(secret); code != 0 {
		t.Fatalf("init container: exit %d, output:\n%s", code, out)
	}
	kv, err := js.KeyValue(ctx, MigrationsBucket)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := kv.Get(ctx, consumer)
	if err != nil {
		t.Fatal(err)
	}
	var marker Marker
	if err := json.Unmarshal(entry.Value(), &marker); err != nil || marker.SecretSha != sha256Hex(secret) || marker.Pod == "" {
		t.Errorf("marker %s (%v)", entry.Value(), err)
	}
	if at, err := time.Parse(time.RFC3339, marker.At); err != nil || time.Since(at) > time.Minute {
		t.Errorf("marker at %q: %v", marker.At, err)
	}
	mst := lastStatus(t, js, "migrate", consumer, func(Status) bool { return true })
	if !mst.Marker || mst.Mode != "migrate" || mst.Env["POSTGRES_PASSWORD"] != sha256Hex(secret) {
		t.Errorf("migrate status %+v", mst)
	}
	lastStatus(t, js, "run", consumer, func(s Status) bool { return s.Marker })

	// 3. SIGTERM in the middle of 100 more messages; a second worker
	// finishes them. Nothing may be lost; redeliveries are counted.
	publish(51, 150)
	waitRecords(t, js, 60, 30*time.Second)
	if err := w1.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := w1.wait(t, 20*time.Second); code != 0 {
		t.Errorf("worker 1 exited %d after SIGTERM, want 0", code)
	}
	final := lastStatus(t, js, "run", consumer, func(s Status) bool { return s.Final })
	t.Logf("worker 1 stopped after processing %d message(s)", final.Processed)
	if final.Processed >= 150 {
		t.Logf("worker 1 finished all messages before SIGTERM took effect; the test did not stop it mid-stream")
	}

	w2 := startWorker(t, "w2", append(env, "WORKER_LISTEN=127.0.0.1:"+strconv.Itoa(freePort(t))))
	deadline := time.Now().Add(60 * time.Second)
	var all []Processed
	for {
		all = readRecords(t, js, processedSubject(consumer))
		seen = map[uint64]int{}
		for _, r := range all {
			seen[r.Seq]++
		}
		if len(seen) >= 150 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	redelivered, duplicates := 0, 0
	for _, r := range all {
		if r.Delivered > 1 {
			redelivered++
		}
		if r.MsgID != msgIDs[r.Seq] {
			t.Errorf("record %+v: msgId, want %s", r, msgIDs[r.Seq])
		}
	}
	for seq := uint64(1); seq <= 150; seq++ {
		switch {
		case seen[seq] == 0:
			t.Errorf("seq %d lost", seq)
		case seen[seq] > 1:
			duplicates++
		}
	}
	t.Logf("%d records for 150 messages: %d redelivered, %d seqs processed more than once", len(all), redelivered, duplicates)
	if w2.cmd.Process.Signal(syscall.SIGTERM); w2.wait(t, 20*time.Second) != 0 {
		t.Errorf("worker 2 did not exit 0 after SIGTERM")
	}
	ci, err := js.Consumer(ctx, stream, consumer)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ci.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumPending != 0 || info.NumAckPending != 0 || info.AckFloor.Stream != 150 {
		t.Errorf("consumer after both workers: pending %d, ack pending %d, ack floor %d; want 0, 0, 150",
			info.NumPending, info.NumAckPending, info.AckFloor.Stream)
	}
	if info.Config.AckWait != 5*time.Second || info.Config.Durable != consumer {
		t.Errorf("the worker changed the consumer: %+v", info.Config)
	}
	for _, r := range readRawRecords(t, js, "worker.>") {
		if bytes.Contains(r, []byte(secret)) {
			t.Errorf("a record holds the secret: %s", r)
		}
	}
}

type workerProc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

func (w *workerProc) wait(t *testing.T, d time.Duration) int {
	select {
	case <-w.done:
		return w.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Errorf("worker still running %s after SIGTERM", d)
		_ = w.cmd.Process.Kill()
		<-w.done
		return -1
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startWorker runs this test binary as eds-worker in the run mode.
func startWorker(t *testing.T, name string, env []string) *workerProc {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w := &workerProc{out: &syncBuffer{}, done: make(chan struct{})}
	w.cmd = exec.Command(self, "run")
	w.cmd.Env = append(append(os.Environ(), "EDS_WORKER_MAIN=1"), env...)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = w.cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = w.cmd.Process.Kill()
			<-w.done
		}
		t.Logf("worker %s output:\n%s", name, w.out.String())
	})
	return w
}

func startNATS(t *testing.T, port int) {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("nats-server is needed (Debian package nats-server): %v", err)
		}
	}
	out := &syncBuffer{}
	cmd := exec.Command(bin, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-sd", t.TempDir())
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("nats-server output:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not listen on %d: %v\n%s", port, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func httpCode(url string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitHTTP(t *testing.T, url string, code int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for httpCode(url) != code {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer %d in 30s (last %d)", url, code, httpCode(url))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readRawRecords returns the bodies of the records stream's messages on
// subject, in order.
func readRawRecords(t *testing.T, js jetstream.JetStream, subject string) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, RecordsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		b, err := c.FetchNoWait(500)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range b.Messages() {
			out = append(out, m.Data())
			n++
		}
		if n == 0 {
			return out
		}
	}
}

func readRecords(t *testing.T, js jetstream.JetStream, subject string) []Processed {
	t.Helper()
	var out []Processed
	for _, data := range readRawRecords(t, js, subject) {
		var p Processed
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatalf("record %s: %v", data, err)
		}
		out = append(out, p)
	}
	return out
}

func waitRecords(t *testing.T, js jetstream.JetStream, n int, d time.Duration) []Processed {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		recs := readRecords(t, js, processedSubject("eds-workers"))
		if len(recs) >= n || time.Now().After(deadline) {
			return recs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lastStatus waits for a status record of mode satisfying ok and returns the
// last such record.
func lastStatus(t *testing.T, js jetstream.JetStream, mode, consumer string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var found *Status
		for _, data := range readRawRecords(t, js, statusSubject(mode, consumer)) {
			var s Status
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatalf("status %s: %v", data, err)
			}
			if ok(s) {
				found = &s
			}
		}
		if found != nil {
			return *found
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s status record as wanted in 30s", mode)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
