//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The matrix: which NATS releases, topologies, endpoints and accounts KEDA's
// nats-jetstream scaler (v2.21.0) reads, with eds-fn's ScaledObject.
const (
	matrixPending = 7 // messages published; lagThreshold is 5
	// KEDA polls every 5 s here (pollingInterval); an outcome counts once it
	// has held for four polls.
	matrixPolling = 5
	matrixStable  = 20 * time.Second
	matrixTimeout = 3 * time.Minute
)

type matrixCell struct {
	c        *natsCluster // nil: Debian's nats-server of the harness
	version  string
	endpoint string // headless | client
	account  string // as printed
	trigger  map[string]any
	// The account the stream lives in ("" = $G, APP on a server with accounts).
	ns, stream string

	pending, drained matrixState
}

type matrixState struct {
	ready, active string // True/False/Unknown/"" as the conditions say
	lag           string // KEDA's keda_scaler_metrics_value, "-" when it never read one
}

func (s matrixState) String() string {
	return fmt.Sprintf("ready=%s active=%s lag=%s", boolWord(s.ready), boolWord(s.active), s.lag)
}

func boolWord(s string) string {
	switch s {
	case "True":
		return "true"
	case "False":
		return "false"
	case "":
		return "none"
	}
	return strings.ToLower(s)
}

func (m *matrixCell) key() string {
	topology, advertise := "single", "no"
	if m.c != nil {
		topology = m.c.topology()
		if m.c.advertise {
			advertise = "yes"
		}
	}
	return fmt.Sprintf("nats=%s topology=%s advertise=%s endpoint=%s account=%s", m.version, topology, advertise, m.endpoint, m.account)
}

// matrixCells lists the cells of every cluster. The accounts server holds
// the stream in APP only: "$G" there is a user who kept the default after
// configuring accounts.
func matrixCells(clusters []*natsCluster) []*matrixCell {
	var cells []*matrixCell
	add := func(c *natsCluster, endpoint, label, short string, trigger map[string]any) {
		id := c.id + "-" + endpoint[:1] + "-" + short
		cells = append(cells, &matrixCell{c: c, endpoint: endpoint, account: label, trigger: trigger,
			ns: "mx-" + id, stream: "MX_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_"))})
	}
	for _, c := range clusters {
		if c.operator {
			// The names the account has: APP is its name tag, the key its ID.
			op, _ := natsOperatorSetup() // the cluster's start checked it
			add(c, "headless", "APP+operator", "app", map[string]any{"account": "APP"})
			add(c, "headless", "ID+operator", "idacc", map[string]any{"account": op.appPub})
			add(c, "headless", "accountID:ID+operator", "id", map[string]any{"accountID": op.appPub})
			continue
		}
		if !c.accounts {
			add(c, "headless", "$G", "g", map[string]any{"account": "$G"})
			add(c, "client", "$G", "g", map[string]any{"account": "$G"})
			continue
		}
		add(c, "headless", "$G+accounts{}", "g", map[string]any{"account": "$G"})
		add(c, "headless", "APP", "app", map[string]any{"account": "APP"})
		add(c, "headless", "accountID:APP", "id", map[string]any{"accountID": "APP"})
		if c.topology() == "cluster3" {
			add(c, "client", "APP", "app", map[string]any{"account": "APP"})
		}
	}
	return cells
}

func (m *matrixCell) host() string {
	if m.c == nil {
		return natsHeadlessHost
	}
	if m.endpoint == "client" {
		return m.c.clientHost()
	}
	return m.c.headlessHost()
}

// TestMatrix measures every cell in parallel against one KEDA, prints one
// line per cell, and fails where a cell differs from matrixExpected (the
// README's compatibility table).
func TestMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clusters, err := planMatrix()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(clusters))
	for i, c := range clusters {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.start() }()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range clusters {
			if c.conn != nil {
				c.conn.Close()
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d nats-server clusters up after %s", len(clusters), time.Since(start).Round(time.Second))

	cells := matrixCells(clusters)
	// Debian's 2.9.10, the harness's own single server, as the baseline.
	baseline := &matrixCell{version: debianNATSVersion(t), endpoint: "headless", account: "$G",
		trigger: map[string]any{"account": "$G"}, ns: "mx-deb-h-g", stream: "MX_DEB_H_G"}
	cells = append(cells, baseline)
	for _, m := range cells {
		if m.c != nil {
			m.version = m.c.version
		}
	}

	// Streams, consumers (leader not nats-0), messages.
	errs = make([]error, len(cells))
	for i, m := range cells {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m.c == nil {
				return
			}
			if errs[i] = m.c.stream(m.stream, "worker"); errs[i] == nil {
				errs[i] = m.c.publish(m.stream, matrixPending)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("streams, consumers and messages ready after %s", time.Since(start).Round(time.Second))
	ensureConsumer(t, baseline.stream, "worker")
	publish(t, baseline.stream, matrixPending)
	for _, m := range cells {
		if m.c == nil || m.c.topology() == "single" {
			continue
		}
		n, leader, err := m.c.lag(m.stream, "worker")
		if err != nil || n != matrixPending || leader == "nats-0" || leader == "" {
			t.Fatalf("%s: consumer lag %d leader %q (%v): want %d pending and a leader other than nats-0", m.key(), n, leader, err, matrixPending)
		}
	}

	objs := matrixObjects(t, cells)
	for _, m := range cells {
		ensureNamespace(t, m.ns)
	}
	file := filepath.Join(workDir, "matrix", "objects.yaml")
	writeObjects(t, file, objs)
	if _, err := kubectl(nil, "apply", "--validate=strict", "-f", file); err != nil {
		t.Fatalf("applying the matrix: %v", err)
	}
	applied := time.Now()

	w := &matrixWatcher{}
	w.observe(t, cells, applied, func(m *matrixCell) *matrixState { return &m.pending }, func(m *matrixCell, s matrixState) bool {
		return s.ready == "True" && s.active == "True" && s.lag == strconv.Itoa(matrixPending)
	})
	t.Logf("pending phase settled after %s", time.Since(applied).Round(time.Second))

	// Every cell KEDA read correctly is drained: it must turn inactive.
	var draining []*matrixCell
	for _, m := range cells {
		if m.pending.active != "True" {
			m.drained = m.pending
			continue
		}
		draining = append(draining, m)
		if m.c == nil {
			drain(t, m.stream, "worker")
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.c.drain(m.stream, "worker"); err != nil {
				t.Errorf("%s: %v", m.key(), err)
			}
		}()
	}
	wg.Wait()
	drained := time.Now()
	w.observe(t, draining, drained, func(m *matrixCell) *matrixState { return &m.drained }, func(m *matrixCell, s matrixState) bool {
		return s.ready == "True" && s.active == "False" && s.lag == "0"
	})
	t.Logf("drained phase settled after %s", time.Since(drained).Round(time.Second))

	sort.Slice(cells, func(i, j int) bool { return cells[i].key() < cells[j].key() })
	var lines []string
	for _, m := range cells {
		line := fmt.Sprintf("matrix: %s %s", m.key(), m.pending)
		if m.pending.active == "True" {
			line += fmt.Sprintf(" drained: %s", m.drained)
		}
		lines = append(lines, line)
	}
	fmt.Fprintln(os.Stderr, strings.Join(lines, "\n"))
	notes := kedaScalerErrors()
	for _, m := range cells {
		if m.pending.ready != "True" {
			fmt.Fprintf(os.Stderr, "matrix: %s: KEDA's last error: %s\n", m.key(), notes[m.ns])
		}
	}
	fmt.Fprintf(os.Stderr, "matrix: %d cells in %s\n", len(cells), time.Since(start).Round(time.Second))
	checkMatrix(t, cells)
}

// matrixObjects is eds-fn's output for one EventDrivenService per cell (a
// worker that scales from zero), with KEDA polling every 5 s. The accountID
// cells get their trigger metadata written here: eds-fn has no field for it.
func matrixObjects(t *testing.T, cells []*matrixCell) []object {
	t.Helper()
	dir := filepath.Join(workDir, "matrix", "eds")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, m := range cells {
		account := "$G"
		if a, ok := m.trigger["account"].(string); ok {
			account = a
		}
		eds := fmt.Sprintf(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: worker
  namespace: %s
spec:
  image: registry.example.com/e2e/worker:1.0.0
  nats:
    stream: %s
    consumer: worker
    account: %q
    monitoringEndpoint: %s:%d
  scaling:
    minReplicas: 0
    maxReplicas: 3
    lagThreshold: 5
`, m.ns, m.stream, account, m.host(), natsMonitorPort)
		if err := os.WriteFile(filepath.Join(dir, m.ns+".yaml"), []byte(eds), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := runProgram("", nil, nil, edsFnBin, "generate", dir)
	if err != nil {
		t.Fatalf("eds-fn generate: %v", err)
	}
	objs, err := parseObjects([]byte(res.stdout))
	if err != nil {
		t.Fatal(err)
	}
	byNS := map[string]*matrixCell{}
	for _, m := range cells {
		byNS[m.ns] = m
	}
	found := 0
	for _, o := range objs {
		if kindOf(o) != "ScaledObject" {
			continue
		}
		m := byNS[str(o, "metadata", "namespace")]
		if m == nil {
			t.Fatalf("eds-fn made a ScaledObject in an unknown namespace: %s", ref(o))
		}
		found++
		setPath(o, int64(matrixPolling), "spec", "pollingInterval")
		for _, tr := range list(o, "spec", "triggers") {
			md := get(tr, "metadata").(map[string]any)
			if id, ok := m.trigger["accountID"]; ok {
				delete(md, "account")
				md["accountID"] = id
			}
		}
	}
	if found != len(cells) {
		t.Fatalf("eds-fn made %d ScaledObjects for %d cells", found, len(cells))
	}
	return objs
}

// matrixWatcher reads every ScaledObject of the matrix with one kubectl call
// and KEDA's metrics with one request per round, instead of a poller per
// cell: on two cores, thirty kubectl processes every few seconds would slow
// the very thing measured.
type matrixWatcher struct{}

type matrixSample struct {
	state matrixState
}

// observe records into state(m) each cell's outcome: done(m, s) at once, or
// whatever has held for matrixStable, or the last sample at matrixTimeout.
func (w *matrixWatcher) observe(t *testing.T, cells []*matrixCell, since time.Time, state func(*matrixCell) *matrixState, done func(*matrixCell, matrixState) bool) {
	t.Helper()
	type track struct {
		last     matrixSample
		stable   time.Time
		final    bool
		history  []string
		failedAt time.Time // the first poll that failed (Ready False)
		everRead bool      // Active True or a lag read, ever
	}
	tracks := map[*matrixCell]*track{}
	for _, m := range cells {
		tracks[m] = &track{}
	}
	for {
		samples, err := sampleMatrix()
		if err != nil {
			t.Fatalf("reading the matrix: %v", err)
		}
		open := 0
		for _, m := range cells {
			tr := tracks[m]
			if tr.final {
				continue
			}
			s := samples[m.ns]
			if s.state != tr.last.state || tr.history == nil {
				tr.stable = time.Now()
				tr.history = append(tr.history, fmt.Sprintf("+%s %s", time.Since(since).Round(time.Second), s.state))
			}
			tr.last = s
			if s.state.ready == "False" && tr.failedAt.IsZero() {
				tr.failedAt = time.Now()
			}
			if s.state.active == "True" || s.state.lag != "-" {
				tr.everRead = true
			}
			// KEDA writes Ready=True whenever it reconciles, and for a
			// trigger that fails that happens again and again: Ready flips
			// between False (a failed poll) and True for as long as it
			// runs. So a cell fails once it has failed a poll and then, for
			// four more polls, never read a lag; any other outcome counts
			// once it has lasted four polls.
			switch {
			case done(m, s.state):
				tr.final = true
			case !tr.failedAt.IsZero() && !tr.everRead && time.Since(tr.failedAt) >= matrixStable:
				tr.final = true
				s.state.ready, s.state.active = "False", "False"
			case s.state.ready != "" && time.Since(tr.stable) >= matrixStable && time.Since(since) >= matrixStable:
				tr.final = true
			case time.Since(since) > matrixTimeout:
				tr.final = true
				t.Logf("%s: no outcome held for %s within %s: %s", m.key(), matrixStable, matrixTimeout, strings.Join(tr.history, ", "))
			}
			if tr.final {
				*state(m) = s.state
				if d := time.Since(since); d > time.Minute {
					t.Logf("%s: took %s: %s", m.key(), d.Round(time.Second), strings.Join(tr.history, ", "))
				}
				continue
			}
			open++
		}
		if open == 0 {
			return
		}
		time.Sleep(3 * time.Second)
	}
}

var promLabel = regexp.MustCompile(`(\w+)="([^"]*)"`)

// sampleMatrix is every ScaledObject's Ready and Active and the last value
// KEDA read, by namespace.
func sampleMatrix() (map[string]matrixSample, error) {
	res, err := kubectl(nil, "get", "scaledobjects.keda.sh", "-A", "-o", "json")
	if err != nil {
		return nil, err
	}
	var l struct{ Items []object }
	if err := json.Unmarshal([]byte(res.stdout), &l); err != nil {
		return nil, err
	}
	out := map[string]matrixSample{}
	for _, o := range l.Items {
		ns := str(o, "metadata", "namespace")
		if !strings.HasPrefix(ns, "mx-") {
			continue
		}
		ready, _, _ := condition(o, "Ready")
		active, _, _ := condition(o, "Active")
		out[ns] = matrixSample{state: matrixState{ready: ready, active: active, lag: "-"}}
	}
	resp, err := http.Get(kedaMetrics)
	if err != nil {
		return nil, fmt.Errorf("KEDA's metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, "keda_scaler_metrics_value{")
		if !ok {
			continue
		}
		end := strings.LastIndexByte(rest, '}')
		if end < 0 {
			continue
		}
		labels := map[string]string{}
		for _, kv := range promLabel.FindAllStringSubmatch(rest[:end], -1) {
			labels[kv[1]] = kv[2]
		}
		s, ok := out[labels["namespace"]]
		if !ok || labels["type"] != "scaledobject" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest[end+1:]), 64)
		if err != nil {
			continue
		}
		s.state.lag = strconv.FormatFloat(v, 'f', -1, 64)
		out[labels["namespace"]] = s
	}
	return out, nil
}

// kedaScalerErrors is the last scaler error KEDA logged per namespace (its
// conditions only say "Triggers defined in ScaledObject are not working
// correctly").
func kedaScalerErrors() map[string]string {
	out := map[string]string{}
	data, err := os.ReadFile(filepath.Join(workDir, "logs", "keda-operator.log"))
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, `"mx-`) || !strings.Contains(line, "error getting scale decision") {
			continue
		}
		var l struct {
			Namespace string `json:"scaledObject.Namespace"`
			Error     string `json:"error"`
		}
		if json.Unmarshal([]byte(line), &l) == nil {
			out[l.Namespace] = l.Error
		}
	}
	return out
}

func debianNATSVersion(t *testing.T) string {
	out, err := runProgram("", nil, nil, "nats-server", "--version")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(out.stdout + out.stderr)
	if len(f) == 0 {
		t.Fatalf("nats-server --version printed nothing")
	}
	return strings.TrimPrefix(f[len(f)-1], "v")
}

// matrixExpect is the README's compatibility table as a rule: KEDA reads the
// lag (and goes inactive at 0) unless the trigger names $G on a server whose
// streams live in configured accounts, or names an operator-mode account by
// its name instead of its ID (the server's /jsz?acc= takes the ID), or the
// endpoint is the client Service of a cluster that does not advertise (KEDA
// then asks for nats-N.<client service>, a name that does not exist).
func matrixExpect(m *matrixCell) string {
	c := m.c
	fails := c != nil && (c.accounts && m.trigger["account"] == "$G" ||
		c.operator && m.trigger["account"] == "APP" ||
		m.endpoint == "client" && c.topology() == "cluster3" && !c.advertise)
	if !fails {
		return fmt.Sprintf("ready=true active=true lag=%d drained: ready=true active=false lag=0", matrixPending)
	}
	return "ready=false active=false lag=-"
}

func checkMatrix(t *testing.T, cells []*matrixCell) {
	t.Helper()
	for _, m := range cells {
		got := m.pending.String()
		if m.pending.active == "True" {
			got += " drained: " + m.drained.String()
		}
		want := matrixExpect(m)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", m.key(), got, want)
		}
	}
}
