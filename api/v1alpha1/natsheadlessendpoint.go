package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// KindNATSHeadlessEndpoint is the config of the nats-headless transformer.
const KindNATSHeadlessEndpoint = "NATSHeadlessEndpoint"

// NATSHeadlessEndpoint configures the nats-headless transformer: every
// nats-jetstream trigger of every KEDA ScaledObject and ScaledJob it is given
// is pointed at the NATS headless service, and the other mistakes commonly
// made in such triggers are reported. List it under "transformers:" in a
// kustomization.yaml, or as a kpt mutator.
//
// +kubebuilder:object:root=true
type NATSHeadlessEndpoint struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Only the function annotation
	// (config.kubernetes.io/function) matters; the name is for people.
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec configures the transformer. It may be omitted: every field has a
	// default.
	// +optional
	Spec NATSHeadlessEndpointSpec `json:"spec,omitempty"`
}

// NATSHeadlessEndpointSpec is what the transformer writes and how strict it is.
type NATSHeadlessEndpointSpec struct {
	// Endpoint is written into natsServerMonitoringEndpoint of every
	// nats-jetstream trigger: the host:port (no scheme) of the NATS
	// monitoring port. It must be a headless service: in a NATS cluster KEDA
	// asks each node by its pod DNS name for the consumer leader, and only a
	// headless service has per-pod DNS names.
	// +optional
	// +kubebuilder:default="nats-headless.nats.svc.cluster.local:8222"
	Endpoint string `json:"endpoint,omitempty"`

	// Strict turns every warning (a "$SYS" or missing account, streamName
	// instead of stream, a number where KEDA expects a string, ...) into an
	// error that fails the build. Nothing is changed when it fails.
	// +optional
	// +kubebuilder:default=false
	Strict bool `json:"strict,omitempty"`
}

// DecodeNATSHeadlessEndpoint reads a NATSHeadlessEndpoint from a YAML node
// strictly: an unknown or misspelled field is an error naming its path. It
// does not default or validate.
func DecodeNATSHeadlessEndpoint(node *yaml.RNode) (*NATSHeadlessEndpoint, field.ErrorList) {
	cfg := &NATSHeadlessEndpoint{}
	if errs := DecodeStrict(node, cfg); len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// Default fills the endpoint when it is not set. It is idempotent and never
// overwrites a value the user wrote.
func (c *NATSHeadlessEndpoint) Default() {
	if c.Spec.Endpoint == "" {
		c.Spec.Endpoint = DefaultMonitoringEndpoint
	}
}

// Validate checks a defaulted NATSHeadlessEndpoint: the endpoint must be
// host:port without a scheme, exactly what KEDA expects in the trigger.
func (c *NATSHeadlessEndpoint) Validate() field.ErrorList {
	return ValidateMonitoringEndpoint(c.Spec.Endpoint, field.NewPath("spec", "endpoint"))
}
