//go:build e2e

package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
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
)

// The names the generated ScaledObjects use by default, and the one this
// suite makes resolvable for the KEDA process only.
const (
	natsHeadlessHost = "nats-headless.nats.svc.cluster.local"
	natsMonitorPort  = 8222
	kedaNamespace    = "keda"
)

var (
	repoRoot   string // the eds-fn repository
	toolsBin   string // e2e/.cache/bin: etcd, kube-apiserver, kubectl, keda-operator, ...
	edsFnBin   string // bin/eds-fn
	workDir    string // temporary: data dirs, certificates, logs, rendered manifests
	kubeconfig string
	// kube-apiserver's address and its self-signed serving certificate
	apiServerURL, apiServerCA string
	natsURL                   string // nats://127.0.0.1:PORT

	processesMu sync.Mutex
	processes   []*process
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) (code int) {
	if err := configure(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	if nodeMode && os.Getenv(nodeInsideEnv) == "" {
		return runInNodeNamespaces()
	}
	var err error
	workDir, err = os.MkdirTemp("", "eds-fn-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	if err := os.MkdirAll(filepath.Join(workDir, "logs"), 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}

	// Whatever happens, every process this suite started is killed and
	// waited for. (Each also has a parent-death signal, for a hard crash.)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "e2e: %v: stopping every process (logs kept in %s)\n", s, workDir)
		stopAll()
		os.Exit(1)
	}()
	defer func() {
		stopAll()
		if code == 0 && os.Getenv("E2E_KEEP") == "" {
			os.RemoveAll(workDir)
		} else {
			fmt.Fprintf(os.Stderr, "e2e: logs and manifests kept in %s\n", workDir)
		}
	}()

	start := time.Now()
	if nodeMode {
		if err := prepareNodeNamespaces(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: FAIL: the node's namespaces: %v\n", err)
			return 1
		}
	}
	if err := startControlPlane(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: the control plane did not start: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: etcd, kube-apiserver, nats-server and KEDA are up (%s)\n", time.Since(start).Round(time.Second))
	if nodeMode {
		if err := startNode(apiServerURL, apiServerCA); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: FAIL: the node did not start: %v\n", err)
			return 1
		}
	}
	code = m.Run()
	printAdmissionWarnings()
	return code
}

// configure finds the repository, the tools and the programs the suite needs,
// and fails (never skips) when one is missing.
func configure() error {
	root := os.Getenv("E2E_REPO_ROOT")
	if root == "" {
		root = ".."
	}
	var err error
	if repoRoot, err = filepath.Abs(root); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "api", "v1alpha1")); err != nil {
		return fmt.Errorf("E2E_REPO_ROOT=%s is not the eds-fn repository: %v", repoRoot, err)
	}
	toolsBin = os.Getenv("E2E_TOOLS_BIN")
	if toolsBin == "" {
		toolsBin = filepath.Join(repoRoot, "e2e", ".cache", "bin")
	}
	var missing []string
	for _, tool := range append([]string{"etcd", "kube-apiserver", "kubectl", "keda-operator", "kustomize", "kubeconform", "controller-gen"}, matrixTools()...) {
		if _, err := os.Stat(filepath.Join(toolsBin, tool)); err != nil {
			missing = append(missing, filepath.Join(toolsBin, tool))
		}
	}
	edsFnBin = filepath.Join(repoRoot, "bin", "eds-fn")
	if _, err := os.Stat(edsFnBin); err != nil {
		missing = append(missing, edsFnBin+" (go build -o bin/eds-fn .)")
	}
	if nodeMode {
		missing = append(missing, missingNodePrograms()...)
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing programs (run e2e/run.sh, which builds them): %s", strings.Join(missing, ", "))
	}
	for _, prog := range []string{"nats-server", "unshare", "mount"} {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("%s is not on PATH (Debian: apt-get install nats-server util-linux mount)", prog)
		}
	}
	if os.Geteuid() != 0 {
		return errors.New("the suite must run as root: KEDA runs under unshare -m with its own /etc/hosts, which needs a bind mount")
	}
	return nil
}

// ---- processes ------------------------------------------------------------

type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
}

// startProcess starts argv in a process group of its own, with its output in
// logs/NAME.log, and records it for stopAll.
func startProcess(name string, env []string, argv ...string) (*process, error) {
	logPath := filepath.Join(workDir, "logs", name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &process{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	processesMu.Lock()
	processes = append(processes, p)
	processesMu.Unlock()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop kills the process group outright (kube-apiserver and etcd take long to
// shut down on SIGTERM) and waits for the process.
func (p *process) stop() {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		fmt.Fprintf(os.Stderr, "e2e: %s (pid %d) did not exit 30s after SIGKILL\n", p.name, p.cmd.Process.Pid)
	}
}

func stopAll() {
	processesMu.Lock()
	defer processesMu.Unlock()
	for i := len(processes) - 1; i >= 0; i-- {
		processes[i].stop()
	}
	processes = nil
}

// logTail is the end of a log, for failure messages.
func logTail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// waitReady polls check until it succeeds. It fails at once when the process
// exits, and after timeout otherwise, with the end of the process's log.
func waitReady(p *process, timeout time.Duration, what string, check func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if p.exited() {
			return fmt.Errorf("%s exited (%v) before %s; end of %s:\n%s", p.name, p.err, what, p.logPath, logTail(p.logPath, 40))
		}
		if last = check(); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s after %s (last error: %v); end of %s:\n%s", p.name, what, timeout, last, p.logPath, logTail(p.logPath, 40))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func httpGet(client *http.Client, url, token string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// ---- the control plane ----------------------------------------------------

func startControlPlane() error {
	plain := &http.Client{Timeout: 5 * time.Second}

	// etcd
	clientPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	etcd, err := startProcess("etcd", nil, filepath.Join(toolsBin, "etcd"),
		"--name=e2e",
		"--data-dir="+filepath.Join(workDir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return err
	}
	if err := waitReady(etcd, 60*time.Second, "healthy etcd", func() error {
		return httpGet(plain, etcdURL+"/health", "")
	}); err != nil {
		return err
	}

	// kube-apiserver: token file authentication, RBAC, a service-account key
	// pair made here, its serving certificate self-signed in --cert-dir.
	token, err := randomHex(16)
	if err != nil {
		return err
	}
	tokenLines := token + ",admin,admin-uid,system:masters\n"
	authz := "--authorization-mode=RBAC"
	var nodeFlags []string
	if nodeMode {
		var nodeToken string
		if nodeFlags, nodeToken, err = nodeAPIServerFlags(); err != nil {
			return err
		}
		tokenLines += nodeToken
		authz = "--authorization-mode=Node,RBAC"
	}
	tokens := filepath.Join(workDir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(tokenLines), 0o600); err != nil {
		return err
	}
	saKey, saPub, err := writeServiceAccountKeys()
	if err != nil {
		return err
	}
	apiPort, err := freePort()
	if err != nil {
		return err
	}
	certDir := filepath.Join(workDir, "apiserver-certs")
	apiserver, err := startProcess("kube-apiserver", nil, append([]string{filepath.Join(toolsBin, "kube-apiserver"),
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--cert-dir=" + certDir,
		"--token-auth-file=" + tokens,
		authz,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=10.96.0.0/24",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true"}, nodeFlags...)...)
	if err != nil {
		return err
	}
	apiURL := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	apiServerURL, apiServerCA = apiURL, filepath.Join(certDir, "apiserver.crt")
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := waitReady(apiserver, 120*time.Second, "ready kube-apiserver (/readyz)", func() error {
		return httpGet(insecure, apiURL+"/readyz", token)
	}); err != nil {
		return err
	}
	kubeconfig = filepath.Join(workDir, "kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
`, apiURL, filepath.Join(certDir, "apiserver.crt"), token)
	if err := os.WriteFile(kubeconfig, []byte(kc), 0o600); err != nil {
		return err
	}
	if _, err := kubectl(nil, "version"); err != nil {
		return fmt.Errorf("kubectl cannot reach kube-apiserver with %s: %w", kubeconfig, err)
	}

	// Every CRD KEDA ships (its operator watches them all), and ours.
	kedaCRDs, err := kedaCRDDir()
	if err != nil {
		return err
	}
	if _, err := kubectl(nil, "apply", "--server-side", "-f", kedaCRDs); err != nil {
		return fmt.Errorf("installing KEDA's CRDs from %s: %w", kedaCRDs, err)
	}
	ours, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "*.yaml"))
	if err != nil || len(ours) == 0 {
		return fmt.Errorf("no CRD in %s/config/crd (run e2e/generate.sh)", repoRoot)
	}
	for _, f := range ours {
		if _, err := kubectl(nil, "apply", "--server-side", "-f", f); err != nil {
			return fmt.Errorf("installing %s: %w", f, err)
		}
	}
	if _, err := kubectl(nil, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"); err != nil {
		return err
	}
	if err := discoverNamespacedKinds(); err != nil {
		return err
	}

	// nats-server with JetStream, monitoring on 8222 (fixed by the generated
	// endpoint), on a loopback address of its own that KEDA's hosts file maps
	// the headless name to: other runs on this machine may hold 127.0.0.1:8222.
	natsAddr, err := baselineNATSAddr()
	if err != nil {
		return err
	}
	natsProc, err := startProcess("nats-server", nil, "nats-server",
		"-js", "-sd", filepath.Join(workDir, "jetstream"),
		"-a", natsAddr, "-p", fmt.Sprint(natsClientPort),
		"-m", fmt.Sprint(natsMonitorPort))
	if err != nil {
		return err
	}
	natsURL = fmt.Sprintf("nats://%s:%d", natsAddr, natsClientPort)
	if err := waitReady(natsProc, 30*time.Second, "healthy nats-server (/healthz)", func() error {
		return httpGet(plain, fmt.Sprintf("http://%s:%d/healthz", natsAddr, natsMonitorPort), "")
	}); err != nil {
		return err
	}

	if err := startKEDA(); err != nil {
		return err
	}
	return startWebhooks()
}

// startKEDA runs the KEDA operator out of cluster, under unshare -m with a
// hosts file that maps the NATS headless service's name to nats-server's
// loopback address (and the matrix's clusters, natscluster_test.go) and a
// resolv.conf that names only 127.0.0.1: only the KEDA process sees them; the
// machine's /etc/hosts and /etc/resolv.conf are untouched.
func startKEDA() error {
	if _, err := kubectl(nil, "create", "namespace", kedaNamespace); err != nil {
		return err
	}
	hosts := filepath.Join(workDir, "keda-hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"+baselineNATSHosts()+matrixHosts()), 0o644); err != nil {
		return err
	}
	// Its resolver is loopback too, where nothing answers: a name that the
	// hosts file does not hold (nats.nats.svc) fails at once, and no DNS
	// query leaves the machine.
	resolv := filepath.Join(workDir, "keda-resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"), 0o644); err != nil {
		return err
	}
	certDir := filepath.Join(workDir, "keda-certs")
	if err := os.MkdirAll(certDir, 0o755); err != nil {
		return err
	}
	run := func(name string) (*process, int, error) {
		metrics, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		probe, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		grpc, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		argv := []string{"unshare", "-m", "sh", "-c", `mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/resolv.conf && shift && exec "$@"`, hosts, resolv,
			filepath.Join(toolsBin, "keda-operator"),
			"--kubeconfig=" + kubeconfig,
			fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metrics),
			fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probe),
			fmt.Sprintf("--metrics-service-bind-address=127.0.0.1:%d", grpc),
			"--leader-elect=false",
			"--enable-cert-rotation", "--cert-dir=" + certDir,
			"--enable-webhook-patching=false", "--enable-apiservice-patching=false",
			"--zap-log-level=info"}
		env := []string{"WATCH_NAMESPACE=", "KEDA_CLUSTER_OBJECT_NAMESPACE=" + kedaNamespace, "POD_NAMESPACE=" + kedaNamespace}
		p, err := startProcess(name, env, argv...)
		kedaMetrics = fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics)
		node.kedaGRPC = fmt.Sprintf("127.0.0.1:%d", grpc)
		return p, probe, err
	}
	plain := &http.Client{Timeout: 5 * time.Second}

	// The first start writes the certificate secret and exits on purpose
	// ("Secrets have been updated; exiting so pod can be restarted"), as a
	// pod would be restarted; it may answer /readyz for a moment before. If
	// it stays up for 15 s with the secret written, it is used as it is.
	first, probe, err := run("keda-operator-1")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(120 * time.Second)
	var readySince time.Time
	for !first.exited() && time.Now().Before(deadline) {
		if httpGet(plain, fmt.Sprintf("http://127.0.0.1:%d/readyz", probe), "") == nil {
			if readySince.IsZero() {
				readySince = time.Now()
			}
			if time.Since(readySince) > 15*time.Second {
				if _, err := kubectl(nil, "-n", kedaNamespace, "get", "secret", "kedaorg-certs"); err == nil {
					if !nodeMode {
						return nil
					}
					// The node's metrics adapter needs the operator's gRPC
					// server, which starts only with the certificates in
					// --cert-dir: restart it with them there.
					first.stop()
					break
				}
			}
		} else {
			readySince = time.Time{}
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !first.exited() {
		return fmt.Errorf("keda-operator's first start neither exited nor stayed ready in 120s; end of %s:\n%s", first.logPath, logTail(first.logPath, 40))
	}
	if _, err := kubectl(nil, "-n", kedaNamespace, "get", "secret", "kedaorg-certs"); err != nil {
		return fmt.Errorf("keda-operator's first start exited (%v) without writing its certificate secret; end of %s:\n%s", first.err, first.logPath, logTail(first.logPath, 40))
	}
	if err := copyKEDACerts(certDir); err != nil {
		return fmt.Errorf("copying KEDA's certificates into its --cert-dir: %w", err)
	}
	second, probe, err := run("keda-operator")
	if err != nil {
		return err
	}
	return waitKEDAHealthy(second, probe)
}

func waitKEDAHealthy(p *process, probe int) error {
	plain := &http.Client{Timeout: 5 * time.Second}
	if err := waitReady(p, 120*time.Second, "ready KEDA operator (/readyz)", func() error {
		return httpGet(plain, fmt.Sprintf("http://127.0.0.1:%d/readyz", probe), "")
	}); err != nil {
		return err
	}
	// It must still be running a moment later (a crash loop would not be).
	time.Sleep(5 * time.Second)
	if p.exited() {
		return fmt.Errorf("keda-operator exited (%v) right after becoming ready; end of %s:\n%s", p.err, p.logPath, logTail(p.logPath, 40))
	}
	return nil
}

// kedaCRDDir is config/crd/bases of the keda module the operator was built
// from: E2E_KEDA_CRDS, or asked of the tools module.
func kedaCRDDir() (string, error) {
	if dir := os.Getenv("E2E_KEDA_CRDS"); dir != "" {
		return dir, nil
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kedacore/keda/v2")
	cmd.Dir = filepath.Join(repoRoot, "e2e", "tools", "keda")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating the keda module (go list -m in e2e/tools/keda): %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "bases")
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func writeServiceAccountKeys() (keyPath, pubPath string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	keyPath = filepath.Join(workDir, "sa.key")
	pubPath = filepath.Join(workDir, "sa.pub")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		return "", "", err
	}
	return keyPath, pubPath, nil
}
