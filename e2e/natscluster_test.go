//go:build e2e

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// The nats-server releases of the matrix, each built by build-tools.sh from
// its own module under tools/: the newest of the 2.10 and 2.12 lines the Go
// module proxy lists, v2.15.2, and v2.12.7 (kedacore/keda#8165 reports that
// KEDA fails on it) in the chart's default shapes only.
var matrixReleases = []struct {
	tool   string
	shapes string // the shapes of planMatrix it runs in; "" = all
}{
	{"nats-server-2.10", ""},
	{"nats-server-2.12", ""},
	{"nats-server-2.12.7", "n s"},
	{"nats-server-2.15", ""},
}

// matrixTools are the programs the matrix and the webhooks need, checked
// with the others before anything starts.
func matrixTools() []string {
	tools := []string{"keda-webhooks"}
	for _, r := range matrixReleases {
		tools = append(tools, r.tool)
	}
	return tools
}

// The ports of the official chart. Every node has a loopback address of its
// own, so each can listen on them as a pod would.
const (
	natsClientPort = 4222
	natsRoutePort  = 6222
)

// A natsCluster is one install of the official chart in a namespace of its
// own (only in DNS names: nats-N.nats-headless.<ns>.svc.cluster.local), with
// one or three nodes named nats-0..2 like the StatefulSet's pods.
type natsCluster struct {
	id        string // in the namespace: nats-<id>
	tool      string // the binary in toolsBin
	version   string // what the binary reports, e.g. 2.15.2
	nodes     []*natsNode
	advertise bool // false: cluster { no_advertise: true }, as the chart sets it
	accounts  bool // an accounts {} block: APP (JetStream) and SYS
	operator  bool // operator mode: accounts are JWTs (natsoperator_test.go)

	startOnce sync.Once
	startErr  error
	conn      *nats.Conn
	js        nats.JetStreamContext
}

type natsNode struct {
	name string // nats-0
	addr string // its loopback address
	proc *process
}

func (c *natsCluster) ns() string           { return "nats-" + c.id }
func (c *natsCluster) headlessHost() string { return "nats-headless." + c.ns() + ".svc.cluster.local" }
func (c *natsCluster) clientHost() string   { return "nats." + c.ns() + ".svc.cluster.local" }
func (c *natsCluster) podHost(i int) string {
	return fmt.Sprintf("nats-%d.%s", i, c.headlessHost())
}

func (c *natsCluster) topology() string {
	if len(c.nodes) > 1 {
		return "cluster3"
	}
	return "single"
}

// hosts is what the cluster's Services resolve to: the headless Service to
// every pod, each pod's name to itself, the client Service to one address
// (as a ClusterIP does).
func (c *natsCluster) hosts() string {
	var b strings.Builder
	for _, n := range c.nodes {
		fmt.Fprintf(&b, "%s %s\n", n.addr, c.headlessHost())
	}
	for i, n := range c.nodes {
		fmt.Fprintf(&b, "%s %s\n", n.addr, c.podHost(i))
	}
	fmt.Fprintf(&b, "%s %s\n", c.nodes[0].addr, c.clientHost())
	return b.String()
}

var (
	matrixOnce     sync.Once
	matrixClusters []*natsCluster
	matrixBaseline string // the harness's own nats-server's address
	matrixPlanErr  error
)

// baselineNATSAddr is the loopback address of the harness's nats-server
// (Debian's), from the same free block as the matrix's.
func baselineNATSAddr() (string, error) {
	_, err := planMatrix()
	return matrixBaseline, err
}

// baselineNATSHosts maps the generated default endpoint's host to it.
func baselineNATSHosts() string {
	if _, err := planMatrix(); err != nil {
		return ""
	}
	return matrixBaseline + " " + natsHeadlessHost + "\n"
}

// planMatrix chooses the clusters and their loopback addresses. It runs
// before KEDA starts (startKEDA writes their names into KEDA's hosts file);
// the servers start only when TestMatrix runs.
func planMatrix() ([]*natsCluster, error) {
	matrixOnce.Do(func() {
		type shape struct {
			kind      string
			nodes     int
			advertise bool
			accounts  bool
			operator  bool
		}
		shapes := []shape{
			{"n", 3, false, false, false}, // the chart's defaults
			{"a", 3, true, false, false},  // advertising client URLs
			{"x", 3, false, true, false},  // with configured accounts
			{"o", 3, false, false, true},  // operator mode
			{"s", 1, false, false, false},
			{"sx", 1, false, true, false},
		}
		var clusters []*natsCluster
		count := 0
		for _, r := range matrixReleases {
			line := strings.ReplaceAll(strings.TrimPrefix(r.tool, "nats-server-"), ".", "")
			for _, s := range shapes {
				if r.shapes != "" && !slices.Contains(strings.Fields(r.shapes), s.kind) {
					continue
				}
				c := &natsCluster{id: line + s.kind, tool: r.tool, advertise: s.advertise, accounts: s.accounts, operator: s.operator}
				for i := 0; i < s.nodes; i++ {
					c.nodes = append(c.nodes, &natsNode{name: fmt.Sprintf("nats-%d", i)})
				}
				count += s.nodes
				clusters = append(clusters, c)
			}
		}
		addrs, err := freeLoopbackBlock(count + 1)
		if err != nil {
			matrixPlanErr = err
			return
		}
		matrixBaseline, addrs = addrs[0], addrs[1:]
		if nodeMode {
			// Pods reach the harness's nats-server on the bridge.
			matrixBaseline = nodeGateway
		}
		for _, c := range clusters {
			for _, n := range c.nodes {
				n.addr, addrs = addrs[0], addrs[1:]
			}
		}
		matrixClusters = clusters
	})
	return matrixClusters, matrixPlanErr
}

// freeLoopbackBlock finds n addresses in a random 127.X.Y.0/24 where nothing
// listens on the chart's ports: other suites on this machine use 127.0.0.1
// (and maybe blocks of their own), and a random block rarely meets them.
func freeLoopbackBlock(n int) ([]string, error) {
	var last error
	for try := 0; try < 20; try++ {
		x, y := 100+rand.IntN(150), 1+rand.IntN(250)
		var addrs []string
		ok := true
		for i := 1; i <= n && ok; i++ {
			addr := fmt.Sprintf("127.%d.%d.%d", x, y, i)
			for _, port := range []int{natsClientPort, natsRoutePort, natsMonitorPort} {
				l, err := net.Listen("tcp", net.JoinHostPort(addr, fmt.Sprint(port)))
				if err != nil {
					last, ok = err, false
					break
				}
				l.Close()
			}
			addrs = append(addrs, addr)
		}
		if ok {
			return addrs, nil
		}
	}
	return nil, fmt.Errorf("no free block of %d loopback addresses for the NATS matrix: %v", n, last)
}

// matrixHosts is the part of KEDA's hosts file that names the matrix's
// clusters. An error leaves it empty: TestMatrix reports it.
func matrixHosts() string {
	clusters, err := planMatrix()
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, c := range clusters {
		b.WriteString(c.hosts())
	}
	return b.String()
}

// config is the node's configuration file, shaped like the one the official
// chart renders.
func (c *natsCluster) config(i int, dataDir string) string {
	n := c.nodes[i]
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: %s\nlisten: %q\nhttp: %q\n", n.name,
		net.JoinHostPort(n.addr, fmt.Sprint(natsClientPort)), net.JoinHostPort(n.addr, fmt.Sprint(natsMonitorPort)))
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  max_memory_store: 64MB\n  max_file_store: 256MB\n}\n", dataDir)
	if len(c.nodes) > 1 {
		// advertise: on loopback a route's peer address is 127.0.0.1 (the
		// source address the kernel picks), which the servers would gossip
		// and dial, and which another run's cluster might hold; in a pod
		// it is the pod's own address.
		fmt.Fprintf(&b, "cluster {\n  name: nats\n  listen: %q\n  advertise: \"%s:%d\"\n", net.JoinHostPort(n.addr, fmt.Sprint(natsRoutePort)), c.podHost(i), natsRoutePort)
		if !c.advertise {
			b.WriteString("  no_advertise: true\n")
		}
		b.WriteString("  routes: [\n")
		for j := range c.nodes {
			fmt.Fprintf(&b, "    \"nats://%s:%d\"\n", c.podHost(j), natsRoutePort)
		}
		b.WriteString("  ]\n}\n")
	}
	if c.accounts {
		b.WriteString(`accounts {
  APP { jetstream: enabled, users: [ { user: app, password: app } ] }
  SYS { users: [ { user: sys, password: sys } ] }
}
system_account: SYS
`)
	}
	if c.operator {
		op, _ := natsOperatorSetup() // doStart checked its error
		b.WriteString(op.config())
	}
	return b.String()
}

// start runs the cluster's servers (each under unshare -m with the matrix's
// hosts file, so that the route names resolve for them as in the cluster),
// waits until JetStream is healthy on every node, and connects to it.
func (c *natsCluster) start() error {
	c.startOnce.Do(func() { c.startErr = c.doStart() })
	return c.startErr
}

func (c *natsCluster) doStart() error {
	bin := filepath.Join(toolsBin, c.tool)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %v: %s (run e2e/build-tools.sh %s)", bin, err, out, c.tool)
	}
	// "nats-server: v2.15.2"
	c.version = strings.TrimPrefix(strings.TrimSpace(string(out[strings.LastIndexByte(string(out), ' ')+1:])), "v")
	hosts, resolv, err := matrixResolverFiles()
	if err != nil {
		return err
	}
	var op *natsOperator
	if c.operator {
		if op, err = natsOperatorSetup(); err != nil {
			return err
		}
	}
	// 2.10.27 sometimes forms its meta group with two of the three
	// servers when all start at once on a loaded machine (seen in two of
	// eight runs here; the third follows the leader but is never a peer, so
	// no R3 stream can be placed), or the third never hears from the
	// leader at all and its /healthz stays "JetStream is not current with
	// the meta leader". Such a cluster is started again, from empty data
	// directories.
	var startErr error
	for attempt := 1; attempt <= 3; attempt++ {
		startErr = c.startNodes(attempt, bin, hosts, resolv)
		if startErr != nil && !errors.Is(startErr, errUnhealthy) {
			return startErr
		}
		if startErr == nil {
			if startErr = c.waitMeta(45 * time.Second); startErr == nil {
				break
			}
			startErr = fmt.Errorf("nats %s (%s): %w", c.id, c.version, startErr)
		}
		fmt.Fprintf(os.Stderr, "e2e: attempt %d: %v; starting it again\n", attempt, startErr)
		for _, n := range c.nodes {
			n.proc.stop()
		}
	}
	if startErr != nil {
		return startErr
	}
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, fmt.Sprintf("nats://%s:%d", n.addr, natsClientPort))
	}
	opts := []nats.Option{nats.Timeout(5 * time.Second), nats.MaxReconnects(-1)}
	if c.accounts {
		opts = append(opts, nats.UserInfo("app", "app"))
	}
	if op != nil {
		opts = append(opts, nats.UserJWTAndSeed(op.userJWT, string(op.userSeed)))
	}
	if c.conn, err = nats.Connect(strings.Join(urls, ","), opts...); err != nil {
		return fmt.Errorf("connecting to nats %s: %v", c.id, err)
	}
	if c.js, err = c.conn.JetStream(nats.MaxWait(10 * time.Second)); err != nil {
		return err
	}
	return nil
}

var (
	matrixFilesOnce  sync.Once
	matrixFilesErr   error
	matrixHostsPath  string
	matrixResolvPath string
)

// matrixResolverFiles writes the hosts file and resolv.conf the nats-servers
// see (the same names as KEDA's; no DNS query leaves the machine).
func matrixResolverFiles() (string, string, error) {
	matrixFilesOnce.Do(func() {
		matrixHostsPath = filepath.Join(workDir, "matrix-hosts")
		matrixResolvPath = filepath.Join(workDir, "matrix-resolv.conf")
		if err := os.WriteFile(matrixHostsPath, []byte("127.0.0.1 localhost\n"+matrixHosts()), 0o644); err != nil {
			matrixFilesErr = err
			return
		}
		matrixFilesErr = os.WriteFile(matrixResolvPath, []byte("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"), 0o644)
	})
	return matrixHostsPath, matrixResolvPath, matrixFilesErr
}

// stream creates an R3 (R1 on a single node) stream and a durable pull
// consumer whose leader is not nats-0: KEDA first asks the endpoint's first
// address, which is nats-0's, so a leader elsewhere makes it look for it.
func (c *natsCluster) stream(stream, consumer string) error {
	replicas := len(c.nodes)
	var seen []string
	err := eventually(90*time.Second, func() error {
		if _, err := c.js.StreamInfo(stream); err == nil {
			return nil
		}
		_, err := c.js.AddStream(&nats.StreamConfig{Name: stream, Subjects: []string{subjectOf(stream)}, Storage: nats.MemoryStorage, Replicas: replicas})
		if err != nil && !slices.Contains(seen, err.Error()) {
			seen = append(seen, err.Error())
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("nats %s: stream %s: %v (errors seen: %s); the meta group: %s", c.id, stream, err, strings.Join(seen, "; "), c.metaState())
	}
	err = eventually(60*time.Second, func() error {
		if _, err := c.js.ConsumerInfo(stream, consumer); err == nil {
			return nil
		}
		_, err := c.js.AddConsumer(stream, &nats.ConsumerConfig{Durable: consumer, AckPolicy: nats.AckExplicitPolicy})
		return err
	})
	if err != nil {
		return fmt.Errorf("nats %s: consumer %s: %v", c.id, consumer, err)
	}
	if replicas == 1 {
		return nil
	}
	return eventually(90*time.Second, func() error {
		info, err := c.js.ConsumerInfo(stream, consumer)
		if err != nil {
			return err
		}
		if info.Cluster == nil || info.Cluster.Leader == "" {
			return errors.New("no consumer leader yet")
		}
		if info.Cluster.Leader != "nats-0" {
			return nil
		}
		if _, err := c.conn.Request("$JS.API.CONSUMER.LEADER.STEPDOWN."+stream+"."+consumer, nil, 5*time.Second); err != nil {
			return fmt.Errorf("stepping down the leader nats-0: %v", err)
		}
		return errors.New("the leader was nats-0; stepped down")
	})
}

// metaState is every node's view of the JetStream meta group, for failure
// messages.
func (c *natsCluster) metaState() string {
	plain := &http.Client{Timeout: 5 * time.Second}
	var b strings.Builder
	for _, n := range c.nodes {
		resp, err := plain.Get(fmt.Sprintf("http://%s:%d/jsz", n.addr, natsMonitorPort))
		if err != nil {
			fmt.Fprintf(&b, "\n%s: %v", n.name, err)
			continue
		}
		var jsz struct {
			Meta any `json:"meta_cluster"`
		}
		err = json.NewDecoder(resp.Body).Decode(&jsz)
		resp.Body.Close()
		js, _ := json.Marshal(jsz.Meta)
		fmt.Fprintf(&b, "\n%s: %s %v", n.name, js, err)
	}
	return b.String()
}

// errUnhealthy marks a node that started but never answered /healthz: the
// cluster is worth starting again.
var errUnhealthy = errors.New("a node is not healthy")

// startNodes starts every node of the cluster from an empty data directory
// and waits until each answers /healthz.
func (c *natsCluster) startNodes(attempt int, bin, hosts, resolv string) error {
	dir := filepath.Join(workDir, "matrix", c.id)
	for i, n := range c.nodes {
		nodeDir := filepath.Join(dir, n.name)
		if err := os.RemoveAll(filepath.Join(nodeDir, "js")); err != nil {
			return err
		}
		if err := os.MkdirAll(nodeDir, 0o755); err != nil {
			return err
		}
		conf := filepath.Join(nodeDir, "nats.conf")
		if err := os.WriteFile(conf, []byte(c.config(i, filepath.Join(nodeDir, "js"))), 0o644); err != nil {
			return err
		}
		name := "nats-" + c.id + "-" + n.name
		if attempt > 1 {
			name += fmt.Sprintf("-attempt%d", attempt)
		}
		var err error
		n.proc, err = startProcess(name, nil, "unshare", "-m", "sh", "-c",
			`mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/resolv.conf && shift && exec "$@"`,
			hosts, resolv, bin, "-c", conf)
		if err != nil {
			return err
		}
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	for _, n := range c.nodes {
		if err := waitReady(n.proc, 90*time.Second, "healthy JetStream (/healthz)", func() error {
			return httpGet(plain, fmt.Sprintf("http://%s:%d/healthz", n.addr, natsMonitorPort), "")
		}); err != nil {
			return fmt.Errorf("nats %s (%s, %s): %w: %w", c.id, c.version, c.topology(), errUnhealthy, err)
		}
	}
	return nil
}

// waitMeta waits until every node sees a meta group of all the nodes with a
// leader, and the leader sees every other node as a current replica.
func (c *natsCluster) waitMeta(timeout time.Duration) error {
	if len(c.nodes) == 1 {
		return nil
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	err := eventually(timeout, func() error {
		for _, n := range c.nodes {
			resp, err := plain.Get(fmt.Sprintf("http://%s:%d/jsz", n.addr, natsMonitorPort))
			if err != nil {
				return err
			}
			var jsz struct {
				Meta struct {
					Size     int    `json:"cluster_size"`
					Leader   string `json:"leader"`
					Replicas []struct {
						Current bool `json:"current"`
					} `json:"replicas"`
				} `json:"meta_cluster"`
			}
			err = json.NewDecoder(resp.Body).Decode(&jsz)
			resp.Body.Close()
			if err != nil {
				return err
			}
			m := jsz.Meta
			if m.Size != len(c.nodes) || m.Leader == "" {
				return fmt.Errorf("%s sees a meta group of %d with leader %q", n.name, m.Size, m.Leader)
			}
			if m.Leader == n.name {
				current := 0
				for _, r := range m.Replicas {
					if r.Current {
						current++
					}
				}
				if current != len(c.nodes)-1 {
					return fmt.Errorf("the meta leader %s has %d current replicas", n.name, current)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("no full JetStream meta group: %v; %s", err, c.metaState())
	}
	return nil
}

func (c *natsCluster) publish(stream string, n int) error {
	for i := 0; i < n; i++ {
		if _, err := c.js.Publish(subjectOf(stream), []byte(fmt.Sprintf("message %d", i))); err != nil {
			return fmt.Errorf("nats %s: publishing to %s: %v", c.id, stream, err)
		}
	}
	return nil
}

// lag is what KEDA should read: pending plus unacknowledged, and the leader.
func (c *natsCluster) lag(stream, consumer string) (int, string, error) {
	info, err := c.js.ConsumerInfo(stream, consumer)
	if err != nil {
		return 0, "", err
	}
	leader := ""
	if info.Cluster != nil {
		leader = info.Cluster.Leader
	}
	return int(info.NumPending) + info.NumAckPending, leader, nil
}

// drain fetches and acknowledges every pending message, as a worker would.
func (c *natsCluster) drain(stream, consumer string) error {
	sub, err := c.js.PullSubscribe(subjectOf(stream), consumer, nats.Bind(stream, consumer))
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _, err := c.lag(stream, consumer)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nats %s: %d messages still pending on %s after 60s", c.id, n, consumer)
		}
		msgs, err := sub.Fetch(10, nats.MaxWait(2*time.Second))
		if err != nil && !errors.Is(err, nats.ErrTimeout) {
			return err
		}
		for _, m := range msgs {
			if err := m.AckSync(); err != nil {
				return err
			}
		}
	}
}
