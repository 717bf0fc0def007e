package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestMain lets tests run this package's main as a subprocess (see
// nats_e2e_test.go): with EDS_WORKER_MAIN=1 the test binary is eds-worker.
func TestMain(m *testing.M) {
	if os.Getenv("EDS_WORKER_MAIN") == "1" {
		os.Exit(realMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func TestHashedEnv(t *testing.T) {
	env := hashedEnv([]string{
		"POSTGRES_PASSWORD=s3cret",
		"NATS_URL=nats://nats.nats.svc:4222",
		"EMPTY=",
		"WITH_EQUALS=a=b",
		"POSTGRES_PORT=5432",                  // an application's own port: kept
		"KUBERNETES_SERVICE_HOST=10.96.0.1",   // kubelet's
		"KUBERNETES_PORT=tcp://10.96.0.1:443", //
		"NATS_SERVICE_HOST=10.96.0.10",
		"NATS_SERVICE_PORT=4222",
		"NATS_SERVICE_PORT_CLIENT=4222",
		"NATS_PORT=tcp://10.96.0.10:4222",
		"NATS_PORT_4222_TCP=tcp://10.96.0.10:4222",
		"NATS_PORT_4222_TCP_PROTO=tcp",
		"NATS_PORT_4222_TCP_PORT=4222",
		"NATS_PORT_4222_TCP_ADDR=10.96.0.10",
		"NATS_PORT_4222_UDP_ADDR=10.96.0.10",
		"NOEQUALS",
		"=novalue",
	})
	want := map[string]string{
		"POSTGRES_PASSWORD": sha256Hex("s3cret"),
		"NATS_URL":          sha256Hex("nats://nats.nats.svc:4222"),
		"EMPTY":             sha256Hex(""),
		"WITH_EQUALS":       sha256Hex("a=b"),
		"POSTGRES_PORT":     sha256Hex("5432"),
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("hashedEnv = %v\nwant %v", env, want)
	}
	if got := sha256Hex("s3cret"); got != "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0" {
		t.Errorf("sha256Hex(s3cret) = %s", got)
	}
	for _, v := range env {
		if strings.Contains(v, "s3cret") {
			t.Errorf("a value leaked: %s", v)
		}
	}
}

func TestKVKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"agent-executor-workers", "agent-executor-workers"},
		{"a_b=c/d.e", "a_b=c/d.e"},
		{"", "_"},
		{".lead", "_lead"},
		{"trail.", "trail_"},
		{"a..b", "a._b"},
		{"a b*c>d", "a_b_c_d"},
		{"ünï", "__n__"}, // byte by byte
		{".", "_"},
	} {
		if got := kvKey(tc.in); got != tc.want {
			t.Errorf("kvKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCheckSecrets(t *testing.T) {
	env := map[string]string{"POSTGRES_PASSWORD": "pw", "API_TOKEN": "tok", "EMPTY": ""}
	getenv := func(n string) string { return env[n] }
	for _, tc := range []struct {
		names []string
		err   string // "" = no error
	}{
		{[]string{"POSTGRES_PASSWORD"}, ""},
		{[]string{"POSTGRES_PASSWORD", "API_TOKEN"}, ""},
		{nil, "usage: eds-worker migrate SECRET_ENV..."},
		{[]string{"EMPTY"}, "unset or empty: EMPTY"},
		{[]string{"POSTGRES_PASSWORD", "UNSET", "EMPTY"}, "unset or empty: UNSET, EMPTY"},
	} {
		err := checkSecrets(tc.names, getenv)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("checkSecrets(%q) = %v", tc.names, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("checkSecrets(%q) = %v, want an error with %q", tc.names, err, tc.err)
		}
	}
}

// The migrate mode exits 1, before touching NATS, when a secret is missing.
func TestMigrateModeExits1(t *testing.T) {
	t.Setenv("NATS_URL", "nats://127.0.0.1:1")
	t.Setenv("NATS_STREAM_NAME", "S")
	t.Setenv("NATS_CONSUMER_GROUP", "c")
	t.Setenv("POSTGRES_PASSWORD", "")
	for _, args := range [][]string{{"migrate"}, {"migrate", "POSTGRES_PASSWORD"}} {
		if got := realMain(args); got != 1 {
			t.Errorf("realMain(%q) = %d, want 1", args, got)
		}
	}
	t.Setenv("POSTGRES_PASSWORD", "pw")
	t.Setenv("NATS_CONSUMER_GROUP", "")
	if got := realMain([]string{"migrate", "POSTGRES_PASSWORD"}); got != 1 {
		t.Errorf("without NATS_CONSUMER_GROUP: realMain = %d, want 1", got)
	}
}

func TestModes(t *testing.T) {
	if got := realMain([]string{"frobnicate"}); got != 2 {
		t.Errorf("unknown mode: %d, want 2", got)
	}
	if got := realMain([]string{"run", "extra"}); got != 2 {
		t.Errorf("run with arguments: %d, want 2", got)
	}
	t.Setenv("NATS_URL", "")
	if got := realMain(nil); got != 1 {
		t.Errorf("run without NATS_URL: %d, want 1", got)
	}
}

func TestBatchSize(t *testing.T) {
	for _, tc := range []struct {
		ackWait, work time.Duration
		want          int
	}{
		{30 * time.Second, 0, 10},
		{30 * time.Second, time.Second, 10},
		{30 * time.Second, 5 * time.Second, 3},
		{30 * time.Second, time.Minute, 1},
		{0, 5 * time.Second, 3}, // the server's default ack wait, 30 s
	} {
		if got := batchSize(tc.ackWait, tc.work); got != tc.want {
			t.Errorf("batchSize(%s, %s) = %d, want %d", tc.ackWait, tc.work, got, tc.want)
		}
	}
}

func TestSubjects(t *testing.T) {
	if got := processedSubject("c1"); got != "worker.processed.c1" {
		t.Error(got)
	}
	if got := statusSubject("migrate", "c1"); got != "worker.status.migrate.c1" {
		t.Error(got)
	}
}
