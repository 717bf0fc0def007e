package v1alpha1

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Defaults of the API. They are the platform's proven tuning; see README.
const (
	DefaultSize               = SizeMedium
	DefaultPodSecurity        = PodSecurityRestricted
	DefaultNATSURL            = "nats://nats.nats.svc:4222"
	DefaultAccount            = "$G"
	DefaultMonitoringEndpoint = "nats-headless.nats.svc.cluster.local:8222"

	DefaultMinReplicas  int32 = 1
	DefaultMaxReplicas  int32 = 10
	DefaultLagThreshold int64 = 5

	DefaultHTTPPort   int32 = 8080
	DefaultHealthPath       = "/health"
	DefaultReadyPath        = "/ready"
)

// Resources is the CPU and memory of one size.
type Resources struct {
	RequestCPU, RequestMemory, LimitCPU, LimitMemory resource.Quantity
}

// Sizes maps every valid Size to its requests and limits. Limits are four
// times the requests for CPU and memory alike, so a worker can absorb a burst
// without being sized for it.
var Sizes = map[Size]Resources{
	SizeMicro:  sized("100m", "256Mi", "500m", "1Gi"),
	SizeSmall:  sized("250m", "512Mi", "1000m", "2Gi"),
	SizeMedium: sized("500m", "1Gi", "2000m", "4Gi"),
	SizeLarge:  sized("1000m", "2Gi", "4000m", "8Gi"),
}

// SizeNames lists the sizes from smallest to largest, for messages and docs.
var SizeNames = []string{string(SizeMicro), string(SizeSmall), string(SizeMedium), string(SizeLarge)}

func sized(reqCPU, reqMem, limCPU, limMem string) Resources {
	return Resources{
		RequestCPU:    resource.MustParse(reqCPU),
		RequestMemory: resource.MustParse(reqMem),
		LimitCPU:      resource.MustParse(limCPU),
		LimitMemory:   resource.MustParse(limMem),
	}
}

// Default fills every optional field that has a default. It is idempotent and
// never overwrites a value the user wrote.
func (e *EventDrivenService) Default() {
	s := &e.Spec
	if s.Size == "" {
		s.Size = DefaultSize
	}
	if s.PodSecurity == "" {
		s.PodSecurity = DefaultPodSecurity
	}
	if s.NATS.URL == "" {
		s.NATS.URL = DefaultNATSURL
	}
	if s.NATS.Account == "" && s.NATS.AccountID == "" {
		s.NATS.Account = DefaultAccount
	}
	if r := s.NATS.AuthenticationRef; r != nil && r.Kind == "" {
		r.Kind = KindTriggerAuthentication
	}
	if s.Scaling != nil {
		for _, t := range s.Scaling.ExtraTriggers {
			if r := t.AuthenticationRef; r != nil && r.Kind == "" {
				r.Kind = KindTriggerAuthentication
			}
		}
	}
	if s.NATS.MonitoringEndpoint == "" {
		s.NATS.MonitoringEndpoint = DefaultMonitoringEndpoint
	}
	if s.Scaling == nil {
		s.Scaling = &Scaling{}
	}
	if s.Scaling.MinReplicas == nil {
		v := DefaultMinReplicas
		s.Scaling.MinReplicas = &v
	}
	if s.Scaling.MaxReplicas == nil {
		v := DefaultMaxReplicas
		s.Scaling.MaxReplicas = &v
	}
	if s.Scaling.LagThreshold == nil {
		v := DefaultLagThreshold
		s.Scaling.LagThreshold = &v
	}
	s.defaultPod()
}

func (s *EventDrivenServiceSpec) defaultPod() {
	if s.HTTP == nil {
		s.HTTP = &HTTP{}
	}
	if s.HTTP.Enabled == nil {
		yes := true
		s.HTTP.Enabled = &yes
	}
	if s.HTTP.Port == nil {
		v := DefaultHTTPPort
		s.HTTP.Port = &v
	}
	if s.HTTP.HealthPath == "" {
		s.HTTP.HealthPath = DefaultHealthPath
	}
	if s.HTTP.ReadyPath == "" {
		s.HTTP.ReadyPath = DefaultReadyPath
	}
	if ic := s.InitContainer; ic != nil && ic.Image == "" {
		ic.Image = s.Image
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.Service == nil {
			yes := true
			p.Service = &yes
		}
	}
	if sa := s.ServiceAccount; sa != nil && sa.Create == nil {
		yes := true
		sa.Create = &yes
	}
}

// HTTPEnabled reports whether the worker serves HTTP (a Service, a port and
// probes are generated); true unless spec.http.enabled is false.
func (s *EventDrivenServiceSpec) HTTPEnabled() bool {
	return s.HTTP == nil || s.HTTP.Enabled == nil || *s.HTTP.Enabled
}

// MergedResources is the size preset with spec.resources written over it,
// key by key.
func (s *EventDrivenServiceSpec) MergedResources() corev1.ResourceRequirements {
	return SizedResources(s.Size, s.Resources)
}

// SizedResources is the preset of size with o (if any) written over it,
// key by key.
func SizedResources(size Size, o *ResourceOverrides) corev1.ResourceRequirements {
	preset := Sizes[size]
	r := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: preset.RequestCPU, corev1.ResourceMemory: preset.RequestMemory},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: preset.LimitCPU, corev1.ResourceMemory: preset.LimitMemory},
	}
	if o != nil {
		maps.Copy(r.Requests, o.Requests)
		maps.Copy(r.Limits, o.Limits)
	}
	return r
}
