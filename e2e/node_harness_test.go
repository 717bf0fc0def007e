//go:build e2e

package e2e

// The node: with E2E_NODE=1 the suite also runs pods. On top of the control
// plane main_test.go starts, it runs containerd with runc, a kubelet,
// kube-controller-manager, kube-scheduler, CoreDNS and KEDA's metrics
// adapter, and registers the adapter with the API server's aggregator, so
// that the generated Deployments run and KEDA's HPA scales them.
//
// Everything runs inside namespaces the suite makes for itself: the test
// binary re-executes itself under unshare with its own network, mount and PID
// namespaces. The pods' bridge exists only in that network namespace (no
// traffic can leave it), the paths containerd and kubelet hard-code (/run,
// /var/lib, /var/log) are tmpfs mounts of that mount namespace, the three
// sysctls kubelet would write are files bind-mounted over /proc/sys there,
// and when the suite ends the kernel kills every process left in the PID
// namespace. What stays on the machine is the cgroup directory kubelet made,
// which the outer process removes after the inner one has exited.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bizmatters/eds-fn/e2e/internal/ociimage"
)

var nodeMode = os.Getenv("E2E_NODE") != ""

const (
	nodeInsideEnv = "E2E_NODE_INSIDE" // set in the re-executed process
	nodeName      = "eds-node"
	nodeBridge    = "edsbr0"
	nodeSubnet    = "10.213.0.0/24"
	nodeGateway   = "10.213.0.1" // the bridge's address: the node's IP, nats-server, CoreDNS, the adapter
)

// nodeCgroupRoot is the cgroup kubelet puts its pods under, one per run so
// that two runs never share one, and so that the outer process can remove it.
func nodeCgroupRoot() string { return fmt.Sprintf("/eds-e2e-%s", os.Getenv("E2E_NODE_RUN")) }

// cgroup v1 hierarchies kubelet's cgroupfs driver uses; on a unified (v2)
// machine there is one.
func cgroupHierarchies() []string {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		return []string{"/sys/fs/cgroup"}
	}
	var dirs []string
	for _, c := range []string{"cpu", "cpuacct", "cpuset", "memory", "pids", "hugetlb", "blkio", "devices", "freezer", "net_cls", "net_prio", "perf_event", "systemd", "unified"} {
		if fi, err := os.Stat(filepath.Join("/sys/fs/cgroup", c)); err == nil && fi.IsDir() {
			dirs = append(dirs, filepath.Join("/sys/fs/cgroup", c))
		}
	}
	return dirs
}

// runInNodeNamespaces re-executes the test binary in new network, mount and
// PID namespaces and returns its exit code. Afterwards it removes the cgroups
// kubelet made (empty by then: the PID namespace's processes are gone).
func runInNodeNamespaces() int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e: FAIL: the node suite must run as root (namespaces, mounts, a bridge)")
		return 1
	}
	run, err := randomHex(4)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	argv := append([]string{"--net", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc", "--"}, os.Args...)
	cmd := exec.Command("unshare", argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), nodeInsideEnv+"=1", "E2E_NODE_RUN="+run)
	os.Setenv("E2E_NODE_RUN", run)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: unshare: %v\n", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	removeNodeCgroups()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	return 0
}

// removeNodeCgroups removes nodeCgroupRoot in every hierarchy, deepest
// first. A cgroup is freed a moment after its last process exits, hence the
// retries.
func removeNodeCgroups() {
	for _, h := range cgroupHierarchies() {
		root := filepath.Join(h, nodeCgroupRoot())
		if _, err := os.Stat(root); err != nil {
			continue
		}
		var dirs []string
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			for try := 0; try < 50; try++ {
				if err := os.Remove(dirs[i]); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		if _, err := os.Stat(root); err == nil {
			fmt.Fprintf(os.Stderr, "e2e: could not remove the cgroup %s\n", root)
		}
	}
}

func sh(argv ...string) error {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// prepareNodeNamespaces runs first in the re-executed process: loopback and
// the pods' bridge in the new network namespace, tmpfs over the paths
// containerd and kubelet hard-code, the sysctls kubelet wants as files.
func prepareNodeNamespaces() error {
	steps := [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"ip", "link", "add", nodeBridge, "type", "bridge"},
		{"ip", "addr", "add", nodeGateway + "/24", "dev", nodeBridge},
		{"ip", "link", "set", nodeBridge, "up"},
	}
	for _, dir := range []string{"/run", "/var/lib", "/var/log"} {
		steps = append(steps, []string{"mount", "-t", "tmpfs", "-o", "mode=0755", "eds-e2e-node", dir})
	}
	for _, s := range steps {
		if err := sh(s...); err != nil {
			return err
		}
	}
	// kubelet sets these three when they differ from what it wants, and they
	// are not per namespace: it finds its values and writes nothing.
	sysctls := map[string]string{"vm/overcommit_memory": "1", "kernel/panic": "10", "kernel/panic_on_oops": "1"}
	dir := filepath.Join(workDir, "sysctl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, value := range sysctls {
		f := filepath.Join(dir, strings.ReplaceAll(name, "/", "."))
		if err := os.WriteFile(f, []byte(value+"\n"), 0o644); err != nil {
			return err
		}
		if err := sh("mount", "--bind", f, filepath.Join("/proc/sys", name)); err != nil {
			return err
		}
	}
	for _, h := range cgroupHierarchies() {
		dir := filepath.Join(h, nodeCgroupRoot())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		// A new v1 cpuset has no CPUs and no memory nodes until given its
		// parent's.
		if filepath.Base(h) == "cpuset" {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				v, err := os.ReadFile(filepath.Join(h, f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, f), v, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ---- certificates ----------------------------------------------------------

type certAuthority struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

func newCA(cn string) (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &certAuthority{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// issue writes NAME.crt and NAME.key into dir: a client certificate when
// hosts is empty, a serving one for those names and addresses otherwise.
func (ca *certAuthority) issue(dir, name, cn string, orgs []string, hosts ...string) (certPath, keyPath string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if len(hosts) > 0 {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

func (ca *certAuthority) write(path string) error {
	return os.WriteFile(path, ca.certPEM, 0o644)
}

// node holds what the node's parts share.
var node struct {
	pki       string // certificates
	ca        string // the CA of the kubelet's serving certificate and its client CA
	token     string // the kubelet's bearer token: system:node:<nodeName>
	apiCA     string // kube-apiserver's self-signed serving certificate
	apiURL    string
	kubeletKC string
	processes []*process // the node's own, which waitNodeProcesses watches
	kedaGRPC  string     // the KEDA operator's metrics gRPC address
}

// nodeAPIServerFlags makes the certificates the node needs and returns what
// kube-apiserver needs on top of the loopback suite's flags: the Node
// authorizer for the kubelet, a client certificate to reach kubelets (logs),
// and the aggregator's front proxy for KEDA's metrics adapter. It returns the
// line of tokens.csv for the kubelet.
func nodeAPIServerFlags() (flags []string, tokenLine string, err error) {
	node.pki = filepath.Join(workDir, "node-pki")
	ca, err := newCA("eds-e2e-node-ca")
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(node.pki, 0o755); err != nil {
		return nil, "", err
	}
	node.ca = filepath.Join(node.pki, "ca.crt")
	if err := ca.write(node.ca); err != nil {
		return nil, "", err
	}
	kcCert, kcKey, err := ca.issue(node.pki, "apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"})
	if err != nil {
		return nil, "", err
	}
	if _, _, err := ca.issue(node.pki, "kubelet", nodeName, nil, nodeName, nodeGateway); err != nil {
		return nil, "", err
	}
	fp, err := newCA("eds-e2e-front-proxy-ca")
	if err != nil {
		return nil, "", err
	}
	fpCA := filepath.Join(node.pki, "front-proxy-ca.crt")
	if err := fp.write(fpCA); err != nil {
		return nil, "", err
	}
	fpCert, fpKey, err := fp.issue(node.pki, "front-proxy-client", "front-proxy-client", nil)
	if err != nil {
		return nil, "", err
	}
	if node.token, err = randomHex(16); err != nil {
		return nil, "", err
	}
	flags = []string{
		"--enable-admission-plugins=NodeRestriction",
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-certificate-authority=" + node.ca,
		"--kubelet-client-certificate=" + kcCert, "--kubelet-client-key=" + kcKey,
		"--requestheader-client-ca-file=" + fpCA,
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + fpCert, "--proxy-client-key-file=" + fpKey,
		"--enable-aggregator-routing=true",
	}
	return flags, fmt.Sprintf("%s,system:node:%s,node-uid,system:nodes\n", node.token, nodeName), nil
}

// ---- starting the node ------------------------------------------------------

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// startNode starts the node's parts, in the order each needs the last, and
// waits until the node is Ready and the external metrics API answers.
func startNode(apiURL, apiCA string) error {
	node.apiURL, node.apiCA = apiURL, apiCA
	start := time.Now()
	steps := []struct {
		name string
		fn   func() error
	}{
		{"containerd", startContainerd},
		{"images", importNodeImages},
		{"kubelet", startKubelet},
		{"kube-controller-manager and kube-scheduler", startControllers},
		{"node Ready", waitNodeReady},
		{"CoreDNS", startCoreDNS},
		{"NATS Services", createNATSServices},
		{"KEDA metrics adapter", startKEDAAdapter},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(os.Stderr, "e2e: node: %s up (%s)\n", s.name, time.Since(t).Round(100*time.Millisecond))
	}
	fmt.Fprintf(os.Stderr, "e2e: node: up in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

const containerdSock = "/run/containerd/containerd.sock"

func startContainerd() error {
	cniDir := filepath.Join(workDir, "cni")
	conf := fmt.Sprintf(`version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  # kubelet asks for oom_score_adj -998 for the pod sandbox, which a process
  # may lower only with CAP_SYS_RESOURCE; containerd then keeps its own value
  # as the floor instead of failing every pod.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false%s
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %q
    conf_dir = %q
`, containerdSock, pauseImage, runcBinary(), cniBinDir(), cniDir)
	if err := writeFile(filepath.Join(workDir, "containerd.toml"), conf); err != nil {
		return err
	}
	// The pods' network: the bridge plugin on the namespace's bridge, no
	// gateway and no masquerading: pods reach the bridge's address and
	// nothing else.
	conflist := fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "eds-e2e",
  "plugins": [{
    "type": "bridge",
    "bridge": %q,
    "isGateway": false,
    "ipMasq": false,
    "hairpinMode": true,
    "ipam": {
      "type": "host-local",
      "dataDir": %q,
      "ranges": [[{"subnet": %q, "rangeStart": "10.213.0.10", "rangeEnd": "10.213.0.250", "gateway": %q}]]
    }
  }]
}
`, nodeBridge, filepath.Join(workDir, "cni-ipam"), nodeSubnet, nodeGateway)
	if err := writeFile(filepath.Join(cniDir, "10-eds-e2e.conflist"), conflist); err != nil {
		return err
	}
	p, err := startProcess("containerd", nil, "containerd", "--config", filepath.Join(workDir, "containerd.toml"))
	if err != nil {
		return err
	}
	return waitReady(p, 60*time.Second, "containerd answering on "+containerdSock, func() error {
		_, err := runProgram("", nil, nil, "ctr", "--address", containerdSock, "version")
		return err
	})
}

// runcBinary names another runc for containerd (E2E_RUNC), for debugging.
func runcBinary() string {
	if r := os.Getenv("E2E_RUNC"); r != "" {
		return fmt.Sprintf("\n        BinaryName = %q", r)
	}
	return ""
}

func cniBinDir() string {
	if d := os.Getenv("E2E_CNI_BIN"); d != "" {
		return d
	}
	return "/usr/lib/cni"
}

// ctr runs containerd's own client in the namespace kubelet's images live in.
func ctr(args ...string) (result, error) {
	return runProgram("", nil, nil, append([]string{"ctr", "--address", containerdSock, "-n", "k8s.io"}, args...)...)
}

func startKubelet() error {
	node.kubeletKC = filepath.Join(workDir, "kubelet.kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: %s, certificate-authority: %s}
users:
- name: node
  user: {token: %s}
contexts:
- name: e2e
  context: {cluster: e2e, user: node}
current-context: e2e
`, node.apiURL, node.apiCA, node.token)
	if err := writeFile(node.kubeletKC, kc); err != nil {
		return err
	}
	resolv := filepath.Join(workDir, "node-resolv.conf")
	if err := writeFile(resolv, "nameserver "+nodeGateway+"\n"); err != nil {
		return err
	}
	healthz, err := freePort()
	if err != nil {
		return err
	}
	// Image garbage collection is off (the images are imported, never
	// pulled) and eviction thresholds are low: the node is a test fixture
	// on a shared machine, not a production node.
	conf := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: %s}
authorization: {mode: AlwaysAllow}
tlsCertFile: %s
tlsPrivateKeyFile: %s
address: %s
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
containerRuntimeEndpoint: unix://%s
cgroupDriver: cgroupfs
cgroupRoot: %s
failSwapOn: false
failCgroupV1: false
clusterDNS: [%s]
clusterDomain: cluster.local
resolvConf: %s
maxPods: 30
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: "1%%", nodefs.inodesFree: "1%%", imagefs.available: "1%%"}
serializeImagePulls: false
`, node.ca, filepath.Join(node.pki, "kubelet.crt"), filepath.Join(node.pki, "kubelet.key"), nodeGateway, healthz,
		containerdSock, nodeCgroupRoot(), nodeGateway, resolv)
	if err := writeFile(filepath.Join(workDir, "kubelet.yaml"), conf); err != nil {
		return err
	}
	p, err := startProcess("kubelet", nil, filepath.Join(toolsBin, "kubelet"),
		"--config="+filepath.Join(workDir, "kubelet.yaml"),
		"--kubeconfig="+node.kubeletKC,
		"--hostname-override="+nodeName,
		"--node-ip="+nodeGateway,
		"--v=1")
	if err != nil {
		return err
	}
	node.processes = append(node.processes, p)
	plain := &http.Client{Timeout: 5 * time.Second}
	return waitReady(p, 90*time.Second, "healthy kubelet", func() error {
		return httpGet(plain, fmt.Sprintf("http://127.0.0.1:%d/healthz", healthz), "")
	})
}

func startControllers() error {
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, c := range []struct {
		name  string
		extra []string
	}{
		{"kube-controller-manager", []string{
			"--service-account-private-key-file=" + filepath.Join(workDir, "sa.key"),
			"--root-ca-file=" + node.apiCA,
			"--use-service-account-credentials=false",
			"--cluster-name=eds-e2e",
		}},
		{"kube-scheduler", nil},
	} {
		port, err := freePort()
		if err != nil {
			return err
		}
		argv := append([]string{filepath.Join(toolsBin, c.name),
			"--kubeconfig=" + kubeconfig,
			"--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
			"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
			"--cert-dir=" + filepath.Join(workDir, c.name+"-certs"),
			"--leader-elect=false",
			"--v=1"}, c.extra...)
		p, err := startProcess(c.name, nil, argv...)
		if err != nil {
			return err
		}
		node.processes = append(node.processes, p)
		if err := waitReady(p, 90*time.Second, "healthy "+c.name, func() error {
			return httpGet(insecure, fmt.Sprintf("https://127.0.0.1:%d/healthz", port), "")
		}); err != nil {
			return err
		}
	}
	return nil
}

func waitNodeReady() error {
	return waitNodeProcesses(120*time.Second, "node "+nodeName+" Ready", func() error {
		res, err := kubectl(nil, "get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.spec.taints}")
		if err != nil {
			return err
		}
		if !strings.HasPrefix(res.stdout, "True ") || strings.Contains(res.stdout, "not-ready") {
			return fmt.Errorf("node: %q", res.stdout)
		}
		return nil
	})
}

// waitNodeProcesses is waitReady for a condition of the whole node: it fails
// at once when one of the node's processes has exited.
func waitNodeProcesses(timeout time.Duration, what string, check func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		for _, p := range node.processes {
			if p.exited() {
				return fmt.Errorf("%s exited (%v) before %s; end of %s:\n%s", p.name, p.err, what, p.logPath, logTail(p.logPath, 40))
			}
		}
		if last = check(); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			var tails strings.Builder
			for _, p := range node.processes {
				fmt.Fprintf(&tails, "\n--- end of %s:\n%s", p.logPath, logTail(p.logPath, 15))
			}
			return fmt.Errorf("no %s after %s (last: %v)%s", what, timeout, last, tails.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func startCoreDNS() error {
	health, err := freePort()
	if err != nil {
		return err
	}
	ready, err := freePort()
	if err != nil {
		return err
	}
	corefile := fmt.Sprintf(`cluster.local:53 {
    errors
    health 127.0.0.1:%d
    ready 127.0.0.1:%d
    kubernetes cluster.local {
        kubeconfig %s e2e
    }
}
`, health, ready, kubeconfig)
	path := filepath.Join(workDir, "Corefile")
	if err := writeFile(path, corefile); err != nil {
		return err
	}
	p, err := startProcess("coredns", nil, filepath.Join(toolsBin, "coredns"), "-conf", path)
	if err != nil {
		return err
	}
	node.processes = append(node.processes, p)
	plain := &http.Client{Timeout: 5 * time.Second}
	return waitReady(p, 60*time.Second, "ready CoreDNS", func() error {
		return httpGet(plain, fmt.Sprintf("http://127.0.0.1:%d/ready", ready), "")
	})
}

// createNATSServices makes the names the generated objects use resolve in
// the pods to nats-server on the bridge: the client Service (nats.nats.svc)
// and the headless one, both selectorless and headless (there is no
// kube-proxy to route a ClusterIP), their EndpointSlices naming the bridge's
// address.
func createNATSServices() error {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: nats}\n")
	for _, name := range []string{"nats", "nats-headless"} {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Service
metadata: {name: %[1]s, namespace: nats}
spec:
  clusterIP: None
  ports:
  - {name: client, port: 4222}
  - {name: monitor, port: 8222}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: %[1]s-nats-server
  namespace: nats
  labels: {kubernetes.io/service-name: %[1]s, endpointslice.kubernetes.io/managed-by: e2e.eds-fn}
addressType: IPv4
endpoints:
- addresses: [%[2]s]
  conditions: {ready: true}
ports:
- {name: client, port: 4222, protocol: TCP}
- {name: monitor, port: 8222, protocol: TCP}
`, name, nodeGateway)
	}
	_, err := kubectl([]byte(b.String()), "apply", "-f", "-")
	return err
}

// copyKEDACerts writes the operator's certificates from its Secret into its
// --cert-dir: out of cluster nothing mounts the Secret there, and both its
// metrics gRPC server and the adapter's client load them from a directory.
func copyKEDACerts(dir string) error {
	res, err := kubectl(nil, "-n", kedaNamespace, "get", "secret", "kedaorg-certs", "-o", "json")
	if err != nil {
		return err
	}
	var secret struct {
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &secret); err != nil {
		return err
	}
	for _, k := range []string{"ca.crt", "tls.crt", "tls.key"} {
		v, err := base64.StdEncoding.DecodeString(secret.Data[k])
		if err != nil || len(v) == 0 {
			return fmt.Errorf("secret kedaorg-certs has no %s (%v)", k, err)
		}
		if err := os.WriteFile(filepath.Join(dir, k), v, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// startKEDAAdapter runs KEDA's metrics adapter on the bridge's address with
// the operator's certificates (as KEDA's own manifests mount them), and
// registers it as v1beta1.external.metrics.k8s.io through a selectorless
// Service whose EndpointSlice names that address.
func startKEDAAdapter() error {
	certDir := filepath.Join(workDir, "keda-adapter-certs")
	if err := os.MkdirAll(certDir, 0o755); err != nil {
		return err
	}
	if err := copyKEDACerts(certDir); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	metrics, err := freePort()
	if err != nil {
		return err
	}
	env := []string{"KUBECONFIG=" + kubeconfig, "WATCH_NAMESPACE=", "KEDA_CLUSTER_OBJECT_NAMESPACE=" + kedaNamespace, "POD_NAMESPACE=" + kedaNamespace}
	p, err := startProcess("keda-adapter", env, filepath.Join(toolsBin, "keda-adapter"),
		"--kubeconfig="+kubeconfig, "--lister-kubeconfig="+kubeconfig,
		"--authentication-kubeconfig="+kubeconfig, "--authorization-kubeconfig="+kubeconfig,
		"--bind-address="+nodeGateway, fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+certDir,
		"--tls-cert-file="+filepath.Join(certDir, "tls.crt"), "--tls-private-key-file="+filepath.Join(certDir, "tls.key"),
		fmt.Sprintf("--port=%d", metrics),
		"--metrics-service-address="+node.kedaGRPC,
		"--metrics-service-grpc-authority=keda-operator.keda.svc.cluster.local",
		"--zap-log-level=info")
	if err != nil {
		return err
	}
	node.processes = append(node.processes, p)
	ca, err := os.ReadFile(filepath.Join(certDir, "ca.crt"))
	if err != nil {
		return err
	}
	reg := fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: keda-metrics-apiserver, namespace: keda}
spec:
  ports: [{name: https, port: 443, targetPort: %[1]d}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: keda-metrics-apiserver, namespace: keda}
subsets:
- addresses: [{ip: %[2]s}]
  ports: [{name: https, port: %[1]d}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.external.metrics.k8s.io}
spec:
  group: external.metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  caBundle: %[3]s
  service: {name: keda-metrics-apiserver, namespace: keda, port: 443}
`, port, nodeGateway, base64.StdEncoding.EncodeToString(ca))
	if _, err := kubectl([]byte(reg), "apply", "-f", "-"); err != nil {
		return err
	}
	return waitReady(p, 120*time.Second, "external metrics API available through the aggregator", func() error {
		_, err := kubectl(nil, "get", "--raw", "/apis/external.metrics.k8s.io/v1beta1")
		return err
	})
}

// missingNodePrograms lists what the node needs and is not there.
func missingNodePrograms() []string {
	var missing []string
	for _, tool := range []string{"kubelet", "kube-controller-manager", "kube-scheduler", "keda-adapter", "coredns"} {
		if _, err := os.Stat(filepath.Join(toolsBin, tool)); err != nil {
			missing = append(missing, filepath.Join(toolsBin, tool))
		}
	}
	if _, err := os.Stat(workerBin()); err != nil {
		missing = append(missing, workerBin()+" (cd e2e && CGO_ENABLED=0 go build -o ../bin/eds-worker ./cmd/eds-worker)")
	}
	for _, prog := range []string{"containerd", "ctr", "runc", "ip", "bash", "curl"} {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, prog+" (Debian: apt-get install containerd runc containernetworking-plugins iproute2 curl)")
		}
	}
	if _, err := os.Stat(filepath.Join(cniBinDir(), "bridge")); err != nil {
		missing = append(missing, filepath.Join(cniBinDir(), "bridge")+" (Debian: apt-get install containernetworking-plugins)")
	}
	return missing
}

func workerBin() string { return filepath.Join(repoRoot, "bin", "eds-worker") }

// ---- images -------------------------------------------------------------------

// The worker image (internal/ociimage): cmd/eds-worker, and this machine's
// bash, dash and curl with their libraries, so that the examples' commands
// run unchanged. No registry is involved: the archive is imported into
// containerd, and a tagged image is never pulled.
const (
	pauseImage = "localhost/eds-e2e/pause:1"
	workerRepo = "localhost/eds-e2e/worker"
)

var (
	imageMu     sync.Mutex
	imagesBuilt = map[string]bool{}
)

// importImage imports an OCI archive into containerd's k8s.io namespace,
// once per reference, and checks containerd took the name.
func importImage(ref string, archive func() ([]byte, error)) error {
	imageMu.Lock()
	defer imageMu.Unlock()
	if imagesBuilt[ref] {
		return nil
	}
	data, err := archive()
	if err != nil {
		return err
	}
	path := filepath.Join(workDir, "images", strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".tar")
	if err := writeFile(path, string(data)); err != nil {
		return err
	}
	if _, err := ctr("images", "import", path); err != nil {
		return err
	}
	res, err := ctr("images", "ls", "-q")
	if err != nil {
		return err
	}
	if !strings.Contains("\n"+res.stdout, "\n"+ref+"\n") {
		return fmt.Errorf("containerd did not name the imported image %s; it has:\n%s", ref, res.stdout)
	}
	imagesBuilt[ref] = true
	return nil
}

// importNodeImages imports the pod sandbox's image: the worker binary in its
// pause mode.
func importNodeImages() error {
	return importImage(pauseImage, func() ([]byte, error) {
		worker, err := os.ReadFile(workerBin())
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		_, err = ociimage.Write(&buf, pauseImage, []ociimage.File{{Path: "/eds-worker", Mode: 0o755, Data: worker}},
			ociimage.Config{User: "65535:65535", Entrypoint: []string{"/eds-worker", "pause"}})
		return buf.Bytes(), err
	})
}

// workerImage imports the worker image under a tag of its own, with env as
// the image's defaults, and returns its reference.
func workerImage(t *testing.T, tag string, env ...string) string {
	t.Helper()
	ref := workerRepo + ":" + tag
	if err := importImage(ref, func() ([]byte, error) {
		worker, err := os.ReadFile(workerBin())
		if err != nil {
			return nil, err
		}
		data, _, err := ociimage.WorkerImage(worker, ref, env...)
		return data, err
	}); err != nil {
		t.Fatalf("importing %s: %v", ref, err)
	}
	return ref
}
