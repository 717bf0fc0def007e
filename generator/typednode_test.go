package generator

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkTypedToNode: typedToNode writes what jsonToNode makes of
// encoding/json's output, node for node; and for the objects the generator
// makes it does not give up (else the fast path would be dead code).
func checkTypedToNode(t *testing.T, obj any, mustHandle bool) {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	want, err := jsonToNode(b)
	if err != nil {
		t.Fatalf("jsonToNode: %v", err)
	}
	got, err := typedToNode(obj)
	if errors.Is(err, errUnsupported) {
		if mustHandle {
			t.Fatalf("typedToNode gave up on %T", obj)
		}
		return
	}
	if err != nil {
		t.Fatalf("typedToNode: %v", err)
	}
	if err := sameNode(got.Document(), want.Document(), "$"); err != nil {
		t.Fatalf("%v\nJSON: %s", err, b)
	}
}

func objectsOf(eds *v1alpha1.EventDrivenService) []any {
	return []any{serviceAccount(eds), service(eds), deployment(eds), scaler(eds)}
}

func TestTypedToNodeMatchesJSON(t *testing.T) {
	configs, _ := filepath.Glob("testdata/*/config.yaml")
	configs = append(configs, "") // and a service like the benchmarks'
	n := 0
	for _, c := range configs {
		var node *yaml.RNode
		if c == "" {
			node = yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata: {name: worker-00003, namespace: bench, labels: {team: team-3}}
spec:
  image: ghcr.io/acme/worker-00003:v1.3.0
  size: small
  nats: {stream: STREAM_3, consumer: worker-00003}
  secretRefs:
    - {name: worker-00003-db, env: [{secretKey: endpoint, envName: POSTGRES_HOST}]}
    - {name: worker-00003-keys, envFrom: true}
  imagePullSecrets: [{name: ghcr-pull-secret}]
  initContainer: {command: ["/bin/sh", "-c"], args: ["./migrate up"]}
  scaling: {minReplicas: 1, maxReplicas: 20, lagThreshold: 50}
`)
		} else {
			var err error
			if node, err = yaml.ReadFile(c); err != nil {
				t.Fatal(err)
			}
		}
		eds, errs := v1alpha1.LoadEventDrivenService(node)
		if eds == nil || len(errs) > 0 {
			continue
		}
		for _, obj := range objectsOf(eds) {
			checkTypedToNode(t, obj, true)
			n++
		}
		if dep, errs := patchedDeployment(eds); len(errs) == 0 {
			checkTypedToNode(t, dep, false)
		}
	}
	if n == 0 {
		t.Fatal("no objects")
	}
}

// FuzzTypedToNode: for a service with any strings in it, the objects come
// out the same as through encoding/json.
func FuzzTypedToNode(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, s, s, int32(1))
	}
	f.Fuzz(func(t *testing.T, key, value, word string, n int32) {
		eds := &v1alpha1.EventDrivenService{}
		eds.Name, eds.Namespace = word, value
		eds.Labels = map[string]string{key: value, "team": word}
		eds.Annotations = map[string]string{key: word, value: key}
		eds.Spec.Image = value
		eds.Spec.ImagePullPolicy = corev1.PullPolicy(word)
		eds.Spec.NATS = v1alpha1.NATS{URL: value, Stream: word, Consumer: key, Account: value, MonitoringEndpoint: word}
		eds.Spec.SecretRefs = []v1alpha1.SecretRef{{Name: key, Env: []v1alpha1.SecretEnv{{SecretKey: value, EnvName: word}}, EnvFrom: n%2 == 0}}
		eds.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: word}}
		eds.Spec.InitContainer = &v1alpha1.InitContainer{Command: []string{key, value}, Args: []string{word}}
		eds.Default()
		eds.Spec.Scaling.MinReplicas = &n
		for _, obj := range objectsOf(eds) {
			checkTypedToNode(t, obj, false)
		}
	})
}
