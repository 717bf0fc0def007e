package bench

import (
	"fmt"
	"strings"
)

const natsHeadlessConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: NATSHeadlessEndpoint
metadata:
  name: nats-headless
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: eds-fn
`

// TransformerList is the ResourceList kustomize sends to the nats-headless
// transformer for a build of total resources, of which scaled are KEDA
// ScaledObjects (each with a cron trigger and a nats-jetstream trigger that
// points at the client service, so every one is fixed); the rest are
// Deployments, Services and ConfigMaps in turn.
func TransformerList(total, scaled int) []byte {
	var b strings.Builder
	b.WriteString(rlHeader)
	b.WriteString("functionConfig:\n")
	b.WriteString(indent(natsHeadlessConfig, "  ", "  "))
	b.WriteString("items:\n")
	every := total / max(scaled, 1)
	s := 0
	for i := range total {
		var doc string
		switch {
		case s < scaled && i%every == every-1:
			doc = scaledObject(i)
			s++
		case i%3 == 0:
			doc = deploymentDoc(i)
		case i%3 == 1:
			doc = serviceDoc(i)
		default:
			doc = configMapDoc(i)
		}
		b.WriteString(indent(doc, "- ", "  "))
	}
	return []byte(b.String())
}

func scaledObject(i int) string {
	return fmt.Sprintf(`apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: app-%05[1]d-scaler
  namespace: %[2]s
spec:
  scaleTargetRef:
    name: app-%05[1]d
  minReplicaCount: 1
  maxReplicaCount: 8
  triggers:
    - type: cron
      metadata:
        timezone: Europe/Amsterdam
        start: 0 8 * * *
        end: 0 22 * * *
        desiredReplicas: "2"
    - type: nats-jetstream
      metadata:
        natsServerMonitoringEndpoint: nats.nats.svc:8222
        account: $G
        stream: ORDERS
        consumer: app-%05[1]d
        lagThreshold: "10"
`, i, Namespace)
}

func deploymentDoc(i int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%05[1]d
  namespace: %[2]s
  labels: {app: app-%05[1]d}
spec:
  selector:
    matchLabels: {app: app-%05[1]d}
  template:
    metadata:
      labels: {app: app-%05[1]d}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v%[1]d
          ports: [{containerPort: 8080, name: http}]
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
`, i, Namespace)
}

func serviceDoc(i int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: app-%05[1]d
  namespace: %[2]s
spec:
  selector: {app: app-%05[1]d}
  ports:
    - {name: http, port: 8080, targetPort: http}
`, i, Namespace)
}

func configMapDoc(i int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: app-%05[1]d
  namespace: %[2]s
data:
  region: eu-west-1
  index: "%[1]d"
`, i, Namespace)
}
