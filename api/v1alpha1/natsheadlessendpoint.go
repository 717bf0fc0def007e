package v1alpha1

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// KindNATSHeadlessEndpoint is the config of the nats-headless transformer.
const KindNATSHeadlessEndpoint = "NATSHeadlessEndpoint"

// NATSHeadlessEndpoint configures the nats-headless transformer: the
// natsServerMonitoringEndpoint of every nats-jetstream trigger of every KEDA
// ScaledObject and ScaledJob it is given is pointed at the headless Service
// of its NATS install (or at spec.endpoint), and the other mistakes commonly
// made in such triggers are reported as warnings. List it under
// "transformers:" in a kustomization.yaml, or as a kpt mutator.
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

// NATSHeadlessEndpointSpec says where the NATS monitoring endpoints point
// and how strict the transformer is.
type NATSHeadlessEndpointSpec struct {
	// Endpoint, when set, is written into natsServerMonitoringEndpoint of
	// every nats-jetstream trigger: the host:port (no scheme) of the NATS
	// monitoring port of one NATS install for the whole build. A trigger
	// that pointed at another namespace is reported as a warning.
	//
	// When it is not set (the default), each trigger's own endpoint is
	// repaired where it stands: its namespace and cluster domain are kept,
	// its service becomes that NATS install's headless Service and its port
	// the monitoring port 8222. KEDA needs a headless Service only in a NATS
	// cluster whose servers do not advertise client URLs (the official
	// chart's default): then it asks each node by its pod DNS name, which
	// exists only under a headless Service.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// ServiceName is the headless Service of a NATS install, used when the
	// build holds no headless Service in the namespace an endpoint names
	// (and for an endpoint that names none). The default, nats-headless, is
	// the name the official NATS Helm chart gives it. Only without endpoint.
	// +optional
	ServiceName string `json:"serviceName,omitempty"`

	// Namespace is where NATS runs, for an endpoint that names no namespace
	// ("nats:8222"): KEDA resolves such a name in its own namespace, not the
	// ScaledObject's, so it is qualified with this one. The default is nats.
	// Only without endpoint.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Strict turns every warning (an endpoint moved to another namespace, a
	// "$SYS" or missing account, streamName instead of stream, a number where
	// KEDA expects a string, ...) into an error that fails the build.
	// Nothing is changed when it fails.
	// +optional
	// +kubebuilder:default=false
	Strict bool `json:"strict,omitempty"`
}

// The defaults of the repair-in-place mode (no spec.endpoint).
const (
	DefaultNATSHeadlessService = "nats-headless"
	DefaultNATSNamespace       = "nats"
)

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

// Default fills the service name and namespace of the repair-in-place mode
// when no endpoint is set. It is idempotent and never overwrites a value the
// user wrote.
func (c *NATSHeadlessEndpoint) Default() {
	if c.Spec.Endpoint != "" {
		return
	}
	if c.Spec.ServiceName == "" {
		c.Spec.ServiceName = DefaultNATSHeadlessService
	}
	if c.Spec.Namespace == "" {
		c.Spec.Namespace = DefaultNATSNamespace
	}
}

// Validate checks a defaulted NATSHeadlessEndpoint: an endpoint must be
// host:port without a scheme, exactly what KEDA expects in the trigger; the
// service name and namespace must be valid names, and are refused next to an
// endpoint, which already names both.
func (c *NATSHeadlessEndpoint) Validate() field.ErrorList {
	p := field.NewPath("spec")
	if c.Spec.Endpoint != "" {
		var errs field.ErrorList
		errs = append(errs, ValidateMonitoringEndpoint(c.Spec.Endpoint, p.Child("endpoint"))...)
		for key, v := range map[string]string{"serviceName": c.Spec.ServiceName, "namespace": c.Spec.Namespace} {
			if v != "" {
				errs = append(errs, field.Forbidden(p.Child(key), "spec.endpoint already names the service and namespace; set either endpoint or serviceName and namespace"))
			}
		}
		sortByField(errs)
		return errs
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1035Label(c.Spec.ServiceName) {
		errs = append(errs, field.Invalid(p.Child("serviceName"), c.Spec.ServiceName, msg+" (a Service name)"))
	}
	for _, msg := range validation.IsDNS1123Label(c.Spec.Namespace) {
		errs = append(errs, field.Invalid(p.Child("namespace"), c.Spec.Namespace, msg+" (a namespace name)"))
	}
	return errs
}

// ValidateNATSName checks a JetStream stream or consumer name with the rules
// the generator applies to spec.nats.stream and spec.nats.consumer; what
// describes the name when it is missing.
func ValidateNATSName(name string, p *field.Path, what string) field.ErrorList {
	return validateNATSName(name, p, what)
}

func sortByField(errs field.ErrorList) {
	slices.SortStableFunc(errs, func(a, b *field.Error) int { return strings.Compare(a.Field, b.Field) })
}
