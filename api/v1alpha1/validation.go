package v1alpha1

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Labels that eds-fn sets on every object it generates. LabelName is also the
// Deployment's selector, so it must never change for a given service.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedByValue = "eds-fn"
)

// The environment variables every worker receives from spec.nats.
const (
	EnvNATSURL      = "NATS_URL"
	EnvNATSStream   = "NATS_STREAM_NAME"
	EnvNATSConsumer = "NATS_CONSUMER_GROUP"
)

// MaxNameLength keeps "keda-hpa-<name>-scaler", the HPA that KEDA creates for
// the generated ScaledObject, within the 63 characters of a DNS label.
const MaxNameLength = validation.DNS1123LabelMaxLength - len("keda-hpa-") - len(ScaledObjectSuffix)

// ScaledObjectSuffix is appended to the service name to name its ScaledObject.
const ScaledObjectSuffix = "-scaler"

const (
	msgSysAccount = `"$SYS" is the NATS system account, which can never hold JetStream streams: ` +
		`KEDA would fail every poll with "consumer not found" and never scale. ` +
		`Use "$G" (the default: the global account of a server without configured accounts) ` +
		`or the name of the account that owns the stream`
	msgEndpointScheme = `must be host:port without a scheme: KEDA adds http:// or https:// itself; ` +
		`for example "` + DefaultMonitoringEndpoint + `"`
	msgEndpointHostPort = `must be host:port, for example "` + DefaultMonitoringEndpoint + `"`
	msgNATSName         = `must not contain whitespace, ".", "*", ">", "/", "\" or control characters: NATS refuses such names`
	msgNATSURL          = `must be a NATS URL such as "` + DefaultNATSURL + `" (schemes nats, tls, ws, wss; several URLs separated by commas)`
	msgTooLongName      = `must be no more than %d characters: KEDA names its HPA "keda-hpa-<name>%s", which must be a DNS label of at most 63 characters`
	msgManagedLabel     = `is set by eds-fn to %q on every generated object (it selects the pods); remove this label`
	msgFloatingImage    = `has no version: without a tag (or with :latest) the same manifest can run different code, ` +
		`and GitOps tools never see the change; pin a version tag or a digest, for example "ghcr.io/org/worker:v1.2.3"`
	msgSecretRefEmpty = `set env (a list of {secretKey, envName}) or envFrom: true`
)

var natsURLSchemes = []string{"nats", "tls", "ws", "wss"}

// Validate checks a defaulted EventDrivenService and returns every problem at
// once, each with its field path, the bad value and what is allowed.
func (e *EventDrivenService) Validate() field.ErrorList {
	var errs field.ErrorList
	// The name bounds the ScaledObject's name, unless an adopted one is kept.
	ownScaledObject := e.Spec.Adoption == nil || e.Spec.Adoption.ScaledObjectName == ""
	errs = append(errs, validateMeta(&e.ObjectMeta, field.NewPath("metadata"), ownScaledObject)...)
	errs = append(errs, e.Spec.validate(field.NewPath("spec"))...)
	// Volumes and containers need the service's name: the worker's.
	errs = append(errs, e.Spec.validateVolumes(field.NewPath("spec"), e.Name)...)
	errs = append(errs, e.validateAdoption(field.NewPath("spec", "adoption"))...)
	return errs
}

func validateMeta(m interface {
	GetName() string
	GetNamespace() string
	GetLabels() map[string]string
	GetAnnotations() map[string]string
}, p *field.Path, ownScaledObject bool) field.ErrorList {
	var errs field.ErrorList
	name := m.GetName()
	switch {
	case name == "":
		errs = append(errs, field.Required(p.Child("name"), "the service name, a DNS label such as \"agent-executor\""))
	default:
		// The Service needs the stricter DNS-1035 label (it must start with a
		// letter); the other objects accept that too.
		for _, msg := range validation.IsDNS1035Label(name) {
			errs = append(errs, field.Invalid(p.Child("name"), name, msg))
		}
		if len(name) > MaxNameLength && ownScaledObject {
			errs = append(errs, field.Invalid(p.Child("name"), name, fmt.Sprintf(msgTooLongName, MaxNameLength, ScaledObjectSuffix)))
		}
	}
	if ns := m.GetNamespace(); ns != "" {
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, field.Invalid(p.Child("namespace"), ns, msg))
		}
	}
	labels := m.GetLabels()
	errs = append(errs, metav1validation.ValidateLabels(labels, p.Child("labels"))...)
	for _, k := range []string{LabelName, LabelManagedBy} {
		v, ok := labels[k]
		want := name
		if k == LabelManagedBy {
			want = ManagedByValue
		}
		if ok && v != want {
			errs = append(errs, field.Invalid(p.Child("labels").Key(k), v, fmt.Sprintf(msgManagedLabel, want)))
		}
	}
	errs = append(errs, apivalidation.ValidateAnnotations(m.GetAnnotations(), p.Child("annotations"))...)
	return errs
}

func (s *EventDrivenServiceSpec) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateImage(s.Image, p.Child("image"))...)
	if s.ImagePullPolicy != "" {
		switch s.ImagePullPolicy {
		case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		default:
			errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), s.ImagePullPolicy,
				[]corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}))
		}
	}
	if _, ok := Sizes[s.Size]; !ok {
		errs = append(errs, field.NotSupported(p.Child("size"), s.Size, SizeNames))
	}
	if !slices.Contains(PodSecurityLevels, string(s.PodSecurity)) {
		errs = append(errs, field.NotSupported(p.Child("podSecurity"), s.PodSecurity, PodSecurityLevels))
	}
	errs = append(errs, s.NATS.validate(p.Child("nats"))...)
	errs = append(errs, s.validateEnv(p)...)
	for i, ps := range s.ImagePullSecrets {
		errs = append(errs, validateSecretName(ps.Name, p.Child("imagePullSecrets").Index(i).Child("name"))...)
	}
	if ic := s.InitContainer; ic != nil && len(ic.Command) == 0 {
		errs = append(errs, field.Required(p.Child("initContainer", "command"),
			`the init container's entrypoint, for example ["/bin/sh", "-c"] (args then holds the script)`))
	}
	if sc := s.Scaling; sc != nil {
		errs = append(errs, sc.validate(p.Child("scaling"))...)
	}
	errs = append(errs, s.validatePod(p)...)
	return errs
}

// Warnings are problems that do not stop generation but deserve a look: they
// become warning results (and lines on stderr), and never fail a build.
func (e *EventDrivenService) Warnings() field.ErrorList {
	var w field.ErrorList
	w = append(w, floatingImage(e.Spec.Image, field.NewPath("spec", "image"))...)
	w = append(w, natsClientService(e.Spec.NATS.MonitoringEndpoint, field.NewPath("spec", "nats", "monitoringEndpoint"))...)
	if l := e.Spec.PodSecurity; l != PodSecurityRestricted && slices.Contains(PodSecurityLevels, string(l)) {
		w = append(w, field.Invalid(field.NewPath("spec", "podSecurity"), l, fmt.Sprintf(msgPodSecurityLowered, l, l)))
	}
	w = append(w, e.podWarnings()...)
	return append(w, e.patchWarnings()...)
}

// floatingImage warns of an image that names no digest and no tag or the
// tag latest: what runs can change under the same manifest.
func floatingImage(image string, p *field.Path) field.ErrorList {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return nil // validateImage reports it
	}
	if _, digested := ref.(reference.Digested); digested {
		return nil
	}
	if tagged, ok := ref.(reference.Tagged); ok && tagged.Tag() != "latest" {
		return nil
	}
	return field.ErrorList{field.Invalid(p, image, msgFloatingImage)}
}

// maxImageLength is far more than any real image reference: a registry host,
// a repository name of at most 255 characters, a tag and a digest.
const maxImageLength = 1024

func validateImage(image string, p *field.Path) field.ErrorList {
	if image == "" {
		return field.ErrorList{field.Required(p, "the worker's container image, for example \"ghcr.io/org/worker:v1.2.3\"")}
	}
	if len(image) > maxImageLength {
		// Longer than any registry accepts.
		return field.ErrorList{field.TooLong(p, "", maxImageLength)}
	}
	// ParseNormalizedNamed, as the container runtimes read an image: "redis"
	// is "docker.io/library/redis", and a repository must be lower case.
	if _, err := reference.ParseNormalizedNamed(image); err != nil {
		return field.ErrorList{field.Invalid(p, image,
			fmt.Sprintf("not a valid image reference (%v); write [registry/]repository[:tag][@digest], for example \"ghcr.io/org/worker:v1.2.3\"", err))}
	}
	return nil
}

func (n *NATS) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateNATSURL(n.URL, p.Child("url"))...)
	errs = append(errs, validateNATSName(n.Stream, p.Child("stream"), "the JetStream stream the worker consumes, for example \"AGENT_EXECUTION\"")...)
	errs = append(errs, validateNATSName(n.Consumer, p.Child("consumer"), "the durable consumer KEDA scales on, for example \"agent-executor-workers\"")...)
	switch {
	case n.Account == "$SYS":
		errs = append(errs, field.Invalid(p.Child("account"), n.Account, msgSysAccount))
	case strings.IndexFunc(n.Account, unicode.IsSpace) >= 0:
		errs = append(errs, field.Invalid(p.Child("account"), n.Account, "must not contain whitespace"))
	}
	errs = append(errs, ValidateMonitoringEndpoint(n.MonitoringEndpoint, p.Child("monitoringEndpoint"))...)
	errs = append(errs, n.validateKEDA(p)...)
	return errs
}

func validateNATSURL(raw string, p *field.Path) field.ErrorList {
	for _, one := range strings.Split(raw, ",") {
		u, err := url.Parse(one)
		if err != nil || one != strings.TrimSpace(one) || u.Host == "" || u.Hostname() == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return field.ErrorList{field.Invalid(p, raw, msgNATSURL)}
		}
		if !slices.Contains(natsURLSchemes, u.Scheme) {
			return field.ErrorList{field.Invalid(p, raw, fmt.Sprintf("scheme %q is not supported: %s", u.Scheme, msgNATSURL))}
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || len(validation.IsValidPortNum(n)) > 0 {
				return field.ErrorList{field.Invalid(p, raw, fmt.Sprintf("port %q is not a port number between 1 and 65535", port))}
			}
		}
	}
	return nil
}

func validateNATSName(name string, p *field.Path, what string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, what)}
	}
	if strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`.*>/\`, r)
	}) >= 0 {
		return field.ErrorList{field.Invalid(p, name, msgNATSName)}
	}
	return nil
}

// ValidateMonitoringEndpoint checks a KEDA natsServerMonitoringEndpoint:
// host:port, no scheme, no path. The transformer uses it for its config too.
func ValidateMonitoringEndpoint(ep string, p *field.Path) field.ErrorList {
	if ep == "" {
		return field.ErrorList{field.Required(p, msgEndpointHostPort)}
	}
	if strings.Contains(ep, "://") {
		return field.ErrorList{field.Invalid(p, ep, msgEndpointScheme)}
	}
	host, port, err := net.SplitHostPort(ep)
	if err != nil || host == "" || port == "" {
		return field.ErrorList{field.Invalid(p, ep, msgEndpointHostPort+" (the port is required: NATS serves monitoring on 8222 by default)")}
	}
	var errs field.ErrorList
	if n, err := strconv.Atoi(port); err != nil || len(validation.IsValidPortNum(n)) > 0 {
		errs = append(errs, field.Invalid(p, ep, fmt.Sprintf("port %q is not a port number between 1 and 65535", port)))
	}
	if net.ParseIP(host) == nil {
		for _, msg := range validation.IsDNS1123Subdomain(host) {
			errs = append(errs, field.Invalid(p, ep, "host "+strconv.Quote(host)+": "+msg))
		}
	}
	return errs
}

// validateEnv checks the secrets and that no environment variable is set twice,
// counting the three NATS_ variables the function always sets.
func (s *EventDrivenServiceSpec) validateEnv(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]*field.Path{
		EnvNATSURL:      p.Child("nats", "url"),
		EnvNATSStream:   p.Child("nats", "stream"),
		EnvNATSConsumer: p.Child("nats", "consumer"),
	}
	errs = append(errs, s.validatePlainEnv(p, seen)...)
	for i, ref := range s.SecretRefs {
		rp := p.Child("secretRefs").Index(i)
		errs = append(errs, validateSecretName(ref.Name, rp.Child("name"))...)
		if len(ref.Env) == 0 && !ref.EnvFrom {
			errs = append(errs, field.Required(rp, msgSecretRefEmpty))
		}
		for j, env := range ref.Env {
			ep := rp.Child("env").Index(j)
			if env.SecretKey == "" {
				errs = append(errs, field.Required(ep.Child("secretKey"), "the key in the Secret's data"))
			}
			for _, msg := range validation.IsConfigMapKey(env.SecretKey) {
				if env.SecretKey != "" {
					errs = append(errs, field.Invalid(ep.Child("secretKey"), env.SecretKey, msg))
				}
			}
			errs = append(errs, checkEnvName(env.EnvName, ep.Child("envName"), seen, "POSTGRES_PASSWORD")...)
		}
	}
	errs = append(errs, s.validateConfigMapRefs(p, seen)...)
	return errs
}

func validateSecretName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "the name of a Secret in the worker's namespace")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func (s *Scaling) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.MinReplicas != nil && *s.MinReplicas < 0 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *s.MinReplicas, "must be 0 or more (0 lets KEDA scale to zero)"))
	}
	if s.MaxReplicas != nil && *s.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), *s.MaxReplicas, "must be 1 or more"))
	}
	if s.MinReplicas != nil && s.MaxReplicas != nil && *s.MinReplicas > *s.MaxReplicas && *s.MaxReplicas >= 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *s.MinReplicas,
			fmt.Sprintf("must not be greater than %s (%d)", p.Child("maxReplicas"), *s.MaxReplicas)))
	}
	if s.LagThreshold != nil && *s.LagThreshold < 1 {
		errs = append(errs, field.Invalid(p.Child("lagThreshold"), *s.LagThreshold, "must be 1 or more: the consumer lag one replica handles"))
	}
	if mt := s.MetricType; mt != "" && mt != autoscalingv2.AverageValueMetricType && mt != autoscalingv2.ValueMetricType {
		e := field.NotSupported(p.Child("metricType"), mt, []autoscalingv2.MetricTargetType{autoscalingv2.AverageValueMetricType, autoscalingv2.ValueMetricType})
		e.Detail += "; KEDA refuses Utilization for the nats-jetstream scaler, whose lag is no percentage of the pods' requests"
		errs = append(errs, e)
	}
	if n := s.HPAName; n != "" {
		if len(n) > validation.DNS1123LabelMaxLength {
			errs = append(errs, field.TooLong(p.Child("hpaName"), n, validation.DNS1123LabelMaxLength))
		}
		for _, msg := range validation.IsDNS1123Subdomain(n) {
			errs = append(errs, field.Invalid(p.Child("hpaName"), n, msg))
		}
	}
	errs = append(errs, s.validateKEDA(p)...)
	return errs
}
