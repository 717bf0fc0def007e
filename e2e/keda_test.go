//go:build e2e

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// KEDA polls a trigger every pollingInterval (30 s unless the ScaledObject
// says otherwise); the waits below leave room for several polls.
const (
	kedaWait = 3 * time.Minute
	// Longer than one polling interval: a condition that holds this long
	// has survived at least one poll.
	kedaHold = 40 * time.Second
)

// ---- NATS ----------------------------------------------------------------

var (
	natsOnce sync.Once
	natsConn *nats.Conn
	natsJS   nats.JetStreamContext
	natsErr  error
	streamMu sync.Mutex
)

func jetStream(t *testing.T) nats.JetStreamContext {
	t.Helper()
	natsOnce.Do(func() {
		natsConn, natsErr = nats.Connect(natsURL, nats.Timeout(5*time.Second))
		if natsErr == nil {
			natsJS, natsErr = natsConn.JetStream()
		}
	})
	if natsErr != nil {
		t.Fatalf("connecting to nats-server at %s: %v", natsURL, natsErr)
	}
	return natsJS
}

func subjectOf(stream string) string { return "e2e." + strings.ToLower(stream) }

// ensureConsumer creates the stream (in the global account $G, the only one a
// server without configured accounts has) and a durable pull consumer.
func ensureConsumer(t *testing.T, stream, consumer string) {
	t.Helper()
	js := jetStream(t)
	streamMu.Lock()
	defer streamMu.Unlock()
	if _, err := js.StreamInfo(stream); errors.Is(err, nats.ErrStreamNotFound) {
		if _, err := js.AddStream(&nats.StreamConfig{Name: stream, Subjects: []string{subjectOf(stream)}, Storage: nats.MemoryStorage}); err != nil {
			t.Fatalf("creating stream %s: %v", stream, err)
		}
	} else if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	if _, err := js.ConsumerInfo(stream, consumer); errors.Is(err, nats.ErrConsumerNotFound) {
		if _, err := js.AddConsumer(stream, &nats.ConsumerConfig{Durable: consumer, AckPolicy: nats.AckExplicitPolicy}); err != nil {
			t.Fatalf("creating consumer %s on %s: %v", consumer, stream, err)
		}
	} else if err != nil {
		t.Fatalf("consumer %s on %s: %v", consumer, stream, err)
	}
}

func publish(t *testing.T, stream string, n int) {
	t.Helper()
	js := jetStream(t)
	for i := 0; i < n; i++ {
		if _, err := js.Publish(subjectOf(stream), []byte(fmt.Sprintf("message %d", i))); err != nil {
			t.Fatalf("publishing to %s: %v", stream, err)
		}
	}
}

// lag is what KEDA's nats-jetstream scaler measures: pending plus
// unacknowledged messages of the consumer.
func lag(t *testing.T, stream, consumer string) int {
	t.Helper()
	info, err := jetStream(t).ConsumerInfo(stream, consumer)
	if err != nil {
		t.Fatalf("consumer %s on %s: %v", consumer, stream, err)
	}
	return int(info.NumPending) + info.NumAckPending
}

// drain fetches and acknowledges every pending message, as a worker would.
func drain(t *testing.T, stream, consumer string) {
	t.Helper()
	sub, err := jetStream(t).PullSubscribe(subjectOf(stream), consumer, nats.Bind(stream, consumer))
	if err != nil {
		t.Fatalf("binding to consumer %s: %v", consumer, err)
	}
	defer sub.Unsubscribe()
	for lag(t, stream, consumer) > 0 {
		msgs, err := sub.Fetch(10, nats.MaxWait(2*time.Second))
		if err != nil && !errors.Is(err, nats.ErrTimeout) {
			t.Fatalf("fetching from %s: %v", consumer, err)
		}
		for _, m := range msgs {
			if err := m.AckSync(); err != nil {
				t.Fatalf("acknowledging: %v", err)
			}
		}
	}
}

// ---- KEDA objects --------------------------------------------------------

type natsTrigger struct {
	endpoint, account, stream, consumer, lagThreshold string
}

func natsTriggers(o object) []natsTrigger {
	var out []natsTrigger
	for _, tr := range list(o, "spec", "triggers") {
		if str(tr, "type") != "nats-jetstream" {
			continue
		}
		md := get(tr, "metadata")
		out = append(out, natsTrigger{
			endpoint:     str(md, "natsServerMonitoringEndpoint"),
			account:      str(md, "account"),
			stream:       str(md, "stream"),
			consumer:     str(md, "consumer"),
			lagThreshold: str(md, "lagThreshold"),
		})
	}
	return out
}

func findKind(t *testing.T, objs []object, kind string) object {
	t.Helper()
	var found object
	for _, o := range objs {
		if kindOf(o) == kind {
			if found != nil {
				t.Fatalf("more than one %s", kind)
			}
			found = o
		}
	}
	if found == nil {
		t.Fatalf("no %s among %d objects", kind, len(objs))
	}
	return found
}

func apply(t *testing.T, name string, objs []object) {
	t.Helper()
	file := filepath.Join(workDir, "keda", name+".yaml")
	writeObjects(t, file, objs)
	if _, err := kubectl(nil, "apply", "--validate=strict", "-f", file); err != nil {
		t.Fatalf("applying %s: %v", name, err)
	}
}

// kedaState describes a ScaledObject or ScaledJob for failure messages.
func kedaState(o object) string {
	if o == nil {
		return "(not found)"
	}
	st, _ := json.MarshalIndent(get(o, "status"), "", "  ")
	return string(st)
}

func kedaLogTail() string {
	p := filepath.Join(workDir, "logs", "keda-operator.log")
	return "end of " + p + ":\n" + logTail(p, 30)
}

// waitCondition waits until the object's conditions satisfy ok.
func waitCondition(t *testing.T, o object, timeout time.Duration, what string, ok func(live object) bool) object {
	t.Helper()
	var live object
	err := eventually(timeout, func() error {
		var err error
		live, err = getObject(resourceName(o), str(o, "metadata", "namespace"), nameOf(o))
		if err != nil {
			return err
		}
		if !ok(live) {
			return fmt.Errorf("not yet %s", what)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s never became %s: %v\nstatus: %s\n%s", ref(o), what, err, kedaState(live), kedaLogTail())
	}
	return live
}

// holdCondition checks for d that ok keeps holding.
func holdCondition(t *testing.T, o object, d time.Duration, what string, ok func(live object) bool) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		live, err := getObject(resourceName(o), str(o, "metadata", "namespace"), nameOf(o))
		if err != nil {
			t.Fatalf("%s: %v", ref(o), err)
		}
		if !ok(live) {
			t.Fatalf("%s stopped being %s:\nstatus: %s\n%s", ref(o), what, kedaState(live), kedaLogTail())
		}
		time.Sleep(2 * time.Second)
	}
}

// settle waits until ok has held without a break for hold, and fails after
// timeout, or at once when forbidden reports something. It returns the
// object and whether it was ever seen not ok in between (a "blip").
func settle(t *testing.T, o object, timeout, hold time.Duration, what string, ok func(object) bool, forbidden func(object) string) (object, bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var since time.Time
	var live object
	blip := false
	for {
		var err error
		live, err = getObject(resourceName(o), str(o, "metadata", "namespace"), nameOf(o))
		if err != nil {
			t.Fatalf("%s: %v", ref(o), err)
		}
		if msg := forbidden(live); msg != "" {
			t.Fatalf("%s: %s:\nstatus: %s\n%s", ref(o), msg, kedaState(live), kedaLogTail())
		}
		switch {
		case ok(live) && since.IsZero():
			since = time.Now()
		case !ok(live):
			if !since.IsZero() {
				blip = true
			}
			since = time.Time{}
		}
		if !since.IsZero() && time.Since(since) >= hold {
			return live, blip
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not %s for %s in a row within %s:\nstatus: %s\n%s", ref(o), what, hold, timeout, kedaState(live), kedaLogTail())
		}
		time.Sleep(2 * time.Second)
	}
}

func isCond(typ, status string) func(object) bool {
	return func(o object) bool {
		s, _, _ := condition(o, typ)
		return s == status
	}
}

// failedPoll is true once KEDA has polled the triggers and one failed: Ready
// is False (TriggerError) or, while another trigger is active, Unknown
// (PartialTriggerError).
func failedPoll(o object) bool {
	s, reason, _ := condition(o, "Ready")
	return (s == "False" && reason == "TriggerError") || (s == "Unknown" && reason == "PartialTriggerError")
}

// natsTriggerActive is true when the status records a nats-jetstream trigger
// as active, which KEDA only does after reading the consumer's lag.
func natsTriggerActive(o object) bool {
	ta, _ := get(o, "status", "triggersActivity").(map[string]any)
	for name, v := range ta {
		if strings.Contains(name, "nats-jetstream") && get(v, "isActive") == true {
			return true
		}
	}
	return false
}

// ---- the tests -----------------------------------------------------------

// renderAgentExecutor is the kustomize output of examples/agent-executor.
func renderAgentExecutor(t *testing.T) (objs []object, so object, tr natsTrigger) {
	t.Helper()
	dir := filepath.Join(repoRoot, "examples", "agent-executor")
	data, err := kustomizeBuild(dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	if objs, err = parseObjects(data); err != nil {
		t.Fatal(err)
	}
	so = findKind(t, objs, "ScaledObject")
	trs := natsTriggers(so)
	if len(trs) != 1 {
		t.Fatalf("%s has %d nats-jetstream triggers, want 1", ref(so), len(trs))
	}
	tr = trs[0]
	if want := fmt.Sprintf("%s:%d", natsHeadlessHost, natsMonitorPort); tr.endpoint != want {
		t.Fatalf("the generated natsServerMonitoringEndpoint is %q; this suite serves NATS monitoring as %q", tr.endpoint, want)
	}
	return objs, so, tr
}

// TestKEDAScalesAgentExecutor: the agent-executor example, as kustomize
// renders it, scales under KEDA on the lag of a real JetStream consumer.
func TestKEDAScalesAgentExecutor(t *testing.T) {
	t.Parallel()
	objs, so, tr := renderAgentExecutor(t)
	if tr.account != "$G" {
		t.Fatalf("account is %q, want $G (the account of a server without configured accounts)", tr.account)
	}
	threshold, err := strconv.Atoi(tr.lagThreshold)
	if err != nil || threshold < 1 {
		t.Fatalf("lagThreshold %q is not a positive integer", tr.lagThreshold)
	}

	ensureConsumer(t, tr.stream, tr.consumer)
	n := 2*threshold + 3
	baseline := lag(t, tr.stream, tr.consumer)
	publish(t, tr.stream, n)
	if got := lag(t, tr.stream, tr.consumer); got != baseline+n {
		t.Fatalf("consumer lag is %d after publishing %d messages to a lag of %d", got, n, baseline)
	}
	n += baseline

	ensureNamespace(t, str(so, "metadata", "namespace"))
	ensureReferencedSecrets(t, objs)
	apply(t, "agent-executor", objs)

	live := waitCondition(t, so, kedaWait, "Ready and Active", func(o object) bool {
		return isCond("Ready", "True")(o) && isCond("Active", "True")(o) && natsTriggerActive(o)
	})
	t.Logf("%d messages pending: Ready and Active; status: %s", n, kedaState(live))

	// KEDA's HPA scales on the lag with the threshold from the spec.
	hpaName := "keda-hpa-" + nameOf(so)
	hpa, err := getObject("horizontalpodautoscalers.autoscaling", str(so, "metadata", "namespace"), hpaName)
	if err != nil {
		t.Fatalf("KEDA's HPA: %v", err)
	}
	if got := str(hpa, "spec", "scaleTargetRef", "name"); got != str(so, "spec", "scaleTargetRef", "name") {
		t.Errorf("HPA %s targets %q, the ScaledObject %q", hpaName, got, str(so, "spec", "scaleTargetRef", "name"))
	}
	for _, f := range []struct{ hpa, so string }{{"minReplicas", "minReplicaCount"}, {"maxReplicas", "maxReplicaCount"}} {
		if w := get(so, "spec", f.so); w != nil && fmt.Sprint(get(hpa, "spec", f.hpa)) != fmt.Sprint(w) {
			t.Errorf("HPA %s.spec.%s = %v, the ScaledObject's %s is %v", hpaName, f.hpa, get(hpa, "spec", f.hpa), f.so, w)
		}
	}
	var targets []string
	for _, m := range list(hpa, "spec", "metrics") {
		if str(m, "type") == "External" && strings.Contains(str(m, "external", "metric", "name"), "nats-jetstream") {
			targets = append(targets, str(m, "external", "target", "type")+"="+str(m, "external", "target", "averageValue"))
		}
	}
	if want := "AverageValue=" + tr.lagThreshold; len(targets) != 1 || targets[0] != want {
		t.Errorf("HPA %s: nats-jetstream metric targets %v, want [%s] (the spec's lag threshold)\n%s", hpaName, targets, want, show(get(hpa, "spec")))
	} else {
		t.Logf("HPA %s scales on the consumer lag with target %s", hpaName, targets[0])
	}

	// With nothing pending, the trigger turns inactive.
	drain(t, tr.stream, tr.consumer)
	live = waitCondition(t, so, kedaWait, "inactive (Active=False) and still Ready", func(o object) bool {
		return isCond("Active", "False")(o) && isCond("Ready", "True")(o)
	})
	t.Logf("0 messages pending: Active=False; status: %s", kedaState(live))
}

// TestKEDARefusesSYSAccount documents why eds-fn refuses account "$SYS": the
// same ScaledObject as the agent-executor example, against the same consumer,
// with account "$SYS", fails every poll and settles not Ready. (KEDA writes
// Ready=True, "defined correctly", when it reconciles an object, which can
// land after the first failed poll and last until the next one; what counts
// is the state the polls leave.)
func TestKEDARefusesSYSAccount(t *testing.T) {
	t.Parallel()
	objs, so, tr := renderAgentExecutor(t)
	// The stream and consumer exist in $G (TestKEDAScalesAgentExecutor
	// fills them meanwhile); $SYS can hold neither.
	ensureConsumer(t, tr.stream, tr.consumer)

	ns := "keda-sys-account"
	objs = inNamespace(objs, ns)
	so = findKind(t, objs, "ScaledObject")
	for _, trig := range list(so, "spec", "triggers") {
		if str(trig, "type") == "nats-jetstream" {
			setPath(trig.(map[string]any), "$SYS", "metadata", "account")
		}
	}
	ensureNamespace(t, ns)
	ensureReferencedSecrets(t, objs)
	apply(t, "sys-account", objs)

	// Ready=True from the reconcile may land after the first failed poll
	// and then lasts until the next one: what counts is that the object
	// settles not Ready, and that its trigger is never active.
	live, blip := settle(t, so, kedaWait, kedaHold, "failed by its trigger (Ready False, TriggerError)", failedPoll, func(o object) string {
		if natsTriggerActive(o) || isCond("Active", "True")(o) {
			return "the $SYS trigger is reported active"
		}
		return ""
	})
	_, reason, msg := condition(live, "Ready")
	t.Logf("account $SYS: Ready is %s (%s) for %s in a row, over a polling interval; the trigger was never active", reason, msg, kedaHold)
	if blip {
		t.Logf("(KEDA reported Ready=True once in between: the reconcile's \"defined correctly\", written after the first failed poll)")
	}
	if line := kedaLogLine(ns, `"level":"error"`); line != "" {
		t.Logf("KEDA's log says: %s", line)
	}
}

// kedaLogLine is the first line of the KEDA operator's log that mentions
// the namespace and contains marker, cut to 600 bytes.
func kedaLogLine(ns, marker string) string {
	data, _ := os.ReadFile(filepath.Join(workDir, "logs", "keda-operator.log"))
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, ns) && strings.Contains(l, marker) {
			if len(l) > 600 {
				l = l[:600] + "..."
			}
			return l
		}
	}
	return ""
}

// TestNATSHeadlessTransformerFixesEndpoint: examples/nats-headless holds
// hand-written KEDA objects whose nats-jetstream triggers point at the NATS
// client service (nats.nats.svc.cluster.local:8222, and the short name
// nats:8222), which does not resolve here. Applied without the transformer
// every poll fails and they settle not Ready; the example's output, with the
// NATSHeadlessEndpoint transformer repairing each endpoint where it stands
// (same namespace, the headless service), applied over them, is Ready and
// reads the lag.
func TestNATSHeadlessTransformerFixesEndpoint(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot, "examples", "nats-headless")
	if _, err := os.Stat(filepath.Join(dir, "kustomization.yaml")); err != nil {
		t.Fatalf("the transformer's example is missing: %v", err)
	}

	// The same kustomization without its transformers: the objects as written.
	beforeDir := filepath.Join(workDir, "nats-headless-before")
	if err := os.CopyFS(beforeDir, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	kz, err := parseObjects(mustRead(t, filepath.Join(beforeDir, "kustomization.yaml")))
	if err != nil || len(kz) != 1 {
		t.Fatalf("reading the example's kustomization: %v", err)
	}
	if list(kz[0], "transformers") == nil {
		t.Fatalf("%s/kustomization.yaml lists no transformers", dir)
	}
	delete(kz[0], "transformers")
	if err := os.WriteFile(filepath.Join(beforeDir, "kustomization.yaml"), []byte(show(kz[0])+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	before, after := kustomizeObjects(t, beforeDir), kustomizeObjects(t, dir)

	headless := fmt.Sprintf("%s:%d", natsHeadlessHost, natsMonitorPort)
	var scalables []object
	for _, o := range before {
		if (kindOf(o) == "ScaledObject" || kindOf(o) == "ScaledJob") && len(natsTriggers(o)) > 0 {
			for _, tr := range natsTriggers(o) {
				if tr.endpoint == headless {
					t.Fatalf("%s already points at %s before the transformer", ref(o), headless)
				}
				t.Logf("as written: %s reads %s", ref(o), tr.endpoint)
			}
			scalables = append(scalables, o)
		}
	}
	if len(scalables) == 0 {
		t.Fatal("the example has no ScaledObject or ScaledJob with a nats-jetstream trigger")
	}
	hasScaledObject := false
	for _, o := range after {
		for _, tr := range natsTriggers(o) {
			if tr.endpoint != headless {
				t.Fatalf("after the transformer %s still reads %s", ref(o), tr.endpoint)
			}
			ensureConsumer(t, tr.stream, tr.consumer)
			publish(t, tr.stream, 3)
		}
		if kindOf(o) == "ScaledObject" {
			hasScaledObject = true
		}
	}
	if !hasScaledObject {
		t.Fatal("the example has no ScaledObject")
	}

	for _, o := range append(append([]object{}, before...), after...) {
		ensureNamespace(t, str(o, "metadata", "namespace"))
	}
	ensureReferencedSecrets(t, before)
	apply(t, "nats-headless-before", before)
	for _, o := range scalables {
		live, _ := settle(t, o, kedaWait, kedaHold, "failed by its trigger (Ready False or Unknown)", failedPoll, func(o object) string {
			if natsTriggerActive(o) {
				return "its nats-jetstream trigger is active although it cannot reach NATS"
			}
			return ""
		})
		_, reason, _ := condition(live, "Ready")
		t.Logf("as written: %s is not Ready (%s) for %s in a row", ref(o), reason, kedaHold)
	}
	if line := kedaLogLine(`Namespace":"`+str(scalables[0], "metadata", "namespace")+`"`, `"level":"error"`); line != "" {
		t.Logf("KEDA's log says: %s", line)
	}

	ensureReferencedSecrets(t, after)
	apply(t, "nats-headless-after", after)
	for _, o := range scalables {
		t.Run(kindOf(o)+"/"+nameOf(o), func(t *testing.T) {
			t.Parallel()
			if kindOf(o) == "ScaledObject" {
				waitCondition(t, o, kedaWait, "Ready, with its nats-jetstream trigger active", func(o object) bool {
					return isCond("Ready", "True")(o) && natsTriggerActive(o)
				})
			} else {
				waitCondition(t, o, kedaWait, "Ready and Active", func(o object) bool {
					return isCond("Ready", "True")(o) && isCond("Active", "True")(o)
				})
			}
			holdCondition(t, o, kedaHold, "Ready", isCond("Ready", "True"))
			t.Logf("after the transformer: %s is Ready and reads the lag", ref(o))
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestKEDAReadyWithCPUTriggerBesideNATS: examples/production-worker, with a
// cpu trigger in spec.scaling.extraTriggers after the generated NATS one,
// is accepted by KEDA's webhook (which wants cpu requests on the worker),
// becomes Ready, and KEDA's HPA carries both metrics: the lag as an
// external metric and cpu Utilization as a resource metric.
func TestKEDAReadyWithCPUTriggerBesideNATS(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot, "examples", "production-worker")
	data, err := kustomizeBuild(dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	objs, err := parseObjects(data)
	if err != nil {
		t.Fatal(err)
	}
	so := findKind(t, objs, "ScaledObject")
	trs := natsTriggers(so)
	if len(trs) != 1 {
		t.Fatalf("%s has %d nats-jetstream triggers, want 1", ref(so), len(trs))
	}
	triggers := list(so, "spec", "triggers")
	if len(triggers) != 2 || str(triggers[0], "type") != "nats-jetstream" || str(triggers[1], "type") != "cpu" {
		t.Fatalf("%s triggers: %s; want nats-jetstream first, then cpu", ref(so), show(triggers))
	}
	ensureConsumer(t, trs[0].stream, trs[0].consumer)
	ensureNamespace(t, str(so, "metadata", "namespace"))
	ensureReferencedSecrets(t, objs)
	apply(t, "production-worker", objs)

	live := waitCondition(t, so, kedaWait, "Ready", isCond("Ready", "True"))
	t.Logf("Ready; status: %s", kedaState(live))
	hpaName := "keda-hpa-" + nameOf(so)
	hpa, err := getObject("horizontalpodautoscalers.autoscaling", str(so, "metadata", "namespace"), hpaName)
	if err != nil {
		t.Fatalf("KEDA's HPA: %v", err)
	}
	var external, cpu bool
	for _, m := range list(hpa, "spec", "metrics") {
		switch {
		case str(m, "type") == "External" && strings.Contains(str(m, "external", "metric", "name"), "nats-jetstream"):
			external = true
		case str(m, "type") == "Resource" && str(m, "resource", "name") == "cpu":
			cpu = str(m, "resource", "target", "type") == "Utilization" && fmt.Sprint(get(m, "resource", "target", "averageUtilization")) == "80"
		}
	}
	if !external || !cpu {
		t.Errorf("HPA %s metrics: nats-jetstream external %v, cpu Utilization 80 %v; want both\n%s", hpaName, external, cpu, show(get(hpa, "spec", "metrics")))
	}
}
