//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// kedaMetrics is the KEDA operator's Prometheus endpoint
// (http://127.0.0.1:PORT/metrics), set by startKEDA.
var kedaMetrics string

// startWebhooks runs KEDA's admission webhooks (cmd/webhooks of the keda
// module the operator comes from) out of cluster on loopback and registers
// KEDA's own ValidatingWebhookConfiguration with a URL instead of its
// Service, so that every ScaledObject, ScaledJob and TriggerAuthentication
// the suite applies passes KEDA's validation as in a real install.
//
// failurePolicy is Fail, not KEDA's Ignore: a webhook that stopped answering
// would otherwise let every object through unseen.
func startWebhooks() error {
	bin := filepath.Join(toolsBin, "keda-webhooks")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("missing %s (run e2e/build-tools.sh keda-webhooks)", bin)
	}
	certDir := filepath.Join(workDir, "webhook-certs")
	caPEM, err := writeServingCert(certDir)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	probe, err := freePort()
	if err != nil {
		return err
	}
	metrics, err := freePort()
	if err != nil {
		return err
	}
	env := []string{"KEDA_CLUSTER_OBJECT_NAMESPACE=" + kedaNamespace, "POD_NAMESPACE=" + kedaNamespace}
	p, err := startProcess("keda-webhooks", env, bin,
		"--kubeconfig="+kubeconfig,
		fmt.Sprintf("--port=%d", port),
		"--cert-dir="+certDir,
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metrics),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probe),
		"--zap-log-level=info")
	if err != nil {
		return err
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if err := waitReady(p, 120*time.Second, "ready KEDA admission webhooks (/readyz)", func() error {
		return httpGet(plain, fmt.Sprintf("http://127.0.0.1:%d/readyz", probe), "")
	}); err != nil {
		return err
	}

	crds, err := kedaCRDDir()
	if err != nil {
		return err
	}
	src := filepath.Join(crds, "..", "..", "webhooks", "validation_webhooks.yaml")
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("KEDA's webhook configuration: %v", err)
	}
	objs, err := parseObjects(data)
	if err != nil || len(objs) != 1 {
		return fmt.Errorf("%s: want one ValidatingWebhookConfiguration (%v)", src, err)
	}
	vwc := objs[0]
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	for _, w := range list(vwc, "webhooks") {
		wh := w.(map[string]any)
		path := str(wh, "clientConfig", "service", "path")
		if path == "" {
			return fmt.Errorf("%s: webhook %s has no service path", src, str(wh, "name"))
		}
		wh["clientConfig"] = map[string]any{"url": base + path, "caBundle": base64.StdEncoding.EncodeToString(caPEM)}
		wh["failurePolicy"] = "Fail"
	}
	file := filepath.Join(workDir, "keda-admission.yaml")
	js, err := json.Marshal(vwc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, js, 0o644); err != nil {
		return err
	}
	if _, err := kubectl(nil, "apply", "-f", file); err != nil {
		return fmt.Errorf("registering KEDA's webhooks: %w", err)
	}

	// The API server must really call it: a ScaledObject whose HPA name
	// (keda-hpa-<name>) is longer than 63 characters is refused by KEDA's
	// rules, and only by them (the CRD allows the name).
	probeSO := []byte(`apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: webhook-probe-` + strings.Repeat("x", 46) + `, namespace: keda}
spec:
  scaleTargetRef: {name: nothing}
  triggers: [{type: cron, metadata: {timezone: UTC, start: "0 * * * *", end: "1 * * * *", desiredReplicas: "1"}}]
`)
	return waitReady(p, 60*time.Second, "a refusal from KEDA's webhook (HPA name too long)", func() error {
		_, err := kubectl(probeSO, "apply", "--dry-run=server", "-f", "-")
		if err == nil {
			return fmt.Errorf("the API server accepted a ScaledObject whose HPA name is too long: the webhook is not called yet")
		}
		if !strings.Contains(err.Error(), "vscaledobject.kb.io") {
			return err
		}
		return nil
	})
}

// writeServingCert writes a CA and a certificate for 127.0.0.1 signed by it
// as tls.crt/tls.key (the names controller-runtime's webhook server reads),
// and returns the CA for the caBundle.
func writeServingCert(dir string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e webhook CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "keda-admission-webhooks"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}

// ---- warnings ------------------------------------------------------------

var (
	warningsMu sync.Mutex
	warnings   = map[string][]string{} // warning -> the files (or kubectl commands) that got it
)

// noteWarnings records the "Warning: ..." lines kubectl printed: client-go's
// warning handler writes every warning header of the API server's answers
// there, which is how an admission webhook's warnings reach a user.
func noteWarnings(args []string, stderr string) {
	for _, line := range strings.Split(stderr, "\n") {
		w, ok := strings.CutPrefix(strings.TrimSpace(line), "Warning: ")
		if !ok {
			continue
		}
		what := strings.Join(args, " ")
		for _, a := range args {
			if strings.HasSuffix(a, ".yaml") {
				what = strings.TrimPrefix(a, workDir+"/")
			}
		}
		warningsMu.Lock()
		if !slices.Contains(warnings[w], what) {
			warnings[w] = append(warnings[w], what)
		}
		warningsMu.Unlock()
	}
}

// printAdmissionWarnings prints every distinct warning of the run, with
// where it came from.
func printAdmissionWarnings() {
	warningsMu.Lock()
	defer warningsMu.Unlock()
	if len(warnings) == 0 {
		fmt.Fprintln(os.Stderr, "e2e: warnings from the API server (KEDA's admission webhooks included): none")
		return
	}
	var keys []string
	for w := range warnings {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	fmt.Fprintf(os.Stderr, "e2e: warnings from the API server (KEDA's admission webhooks included): %d distinct\n", len(keys))
	for _, w := range keys {
		from := warnings[w]
		if len(from) > 3 {
			from = append(from[:3:3], fmt.Sprintf("and %d more", len(warnings[w])-3))
		}
		fmt.Fprintf(os.Stderr, "e2e: warning: %s (%s)\n", w, strings.Join(from, "; "))
	}
}
