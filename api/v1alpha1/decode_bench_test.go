package v1alpha1_test

import (
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/bench"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// agentExecutor is the measuring stick: three secretRefs, an init
// container, plain variables and overrides, the shape of a real worker.
const agentExecutor = `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: agent-executor
  namespace: intelligence-deepagents
  labels:
    team: agents
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: eds-fn
spec:
  image: ghcr.io/org/agent-executor:v1.0.0
  size: medium
  nats:
    stream: AGENT_EXECUTION
    consumer: agent-executor-workers
  secretRefs:
    - name: agent-executor-db-conn
      env:
        - {secretKey: endpoint, envName: POSTGRES_HOST}
        - {secretKey: password, envName: POSTGRES_PASSWORD}
    - name: agent-executor-llm-keys
      envFrom: true
    - name: agent-executor-cache
      env:
        - {secretKey: url, envName: REDIS_URL}
  imagePullSecrets:
    - name: ghcr-pull-secret
  env:
    - {name: NODE_ENV, value: production}
    - {name: LOG_LEVEL, value: info}
  resources:
    limits: {memory: 1Gi}
  http:
    port: 3000
  initContainer:
    command: ["/bin/bash", "-c"]
    args: ["cd /app && ./scripts/ci/run-migrations.sh"]
  scaling:
    minReplicas: 1
    maxReplicas: 20
    lagThreshold: 50
`

// BenchmarkDecodeAgentExecutor is the strict decoding of one service alone
// (no defaults, no validation).
func BenchmarkDecodeAgentExecutor(b *testing.B) {
	node := yaml.MustParse(agentExecutor)
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := v1alpha1.DecodeEventDrivenService(node); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkDecodeServices is the decoding of 1,000 services of bulk mode's
// benchmark, one after the other.
func BenchmarkDecodeServices(b *testing.B) {
	nodes := make([]*yaml.RNode, 1000)
	for i := range nodes {
		nodes[i] = yaml.MustParse(bench.Service(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range nodes {
			if _, errs := v1alpha1.DecodeEventDrivenService(n); len(errs) > 0 {
				b.Fatal(errs)
			}
		}
	}
}

// BenchmarkDecodeErrors is a service with a bad value, an integer out of
// range and unknown fields, all reported at once.
func BenchmarkDecodeErrors(b *testing.B) {
	node := yaml.MustParse(agentExecutor + "    pollingInterval: 3000000000\n  http2: {}\n  size2: x\n  nats2: [1]\n  command: true\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := v1alpha1.DecodeEventDrivenService(node); len(errs) == 0 {
			b.Fatal(errs)
		}
	}
}
