package v1alpha1

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	msgRunAsRoot = `runs the containers as root, which the generated runAsNonRoot: true refuses (the kubelet does not start them) ` +
		`and Pod Security "restricted" forbids; use the image's non-root user ID (for example 10001), or, for an image ` +
		`that must run as root, set spec.podSecurity: baseline and runAsNonRoot: false through customDeployment`
	msgProbeHandlers = `set at most one of exec, httpGet, tcpSocket and grpc: a probe has one handler`
	msgProbeNoHTTP   = `needs a handler (exec, httpGet, tcpSocket or grpc): spec.http.enabled is false, so there is no generated HTTP GET to keep`
	msgProbeSuccess  = `must be 1 for a %s probe (Kubernetes refuses more: one success is enough to count it as passing)`
	msgProbeGrace    = `is only for liveness and startup probes (Kubernetes refuses it on a readiness probe, which never kills the container)`
	msgProbeHost     = `is not allowed: the kubelet probes the pod itself, and Pod Security "baseline" forbids a probe of another host`
	msgProbeNoPorts  = `names no port of the worker: with spec.http.enabled: false it has none; ` +
		`give a port number, or add the named port with customDeployment`
	msgProbeNamedPort = `names no port of the worker: the only port eds-fn generates is "http" (spec.http.port); ` +
		`give a port number, or add the named port with customDeployment`
)

// validateSecurity checks spec.security.
func (s *EventDrivenServiceSpec) validateSecurity(p *field.Path) field.ErrorList {
	sec := s.Security
	if sec == nil {
		return nil
	}
	var errs field.ErrorList
	if u := sec.RunAsUser; u != nil {
		switch {
		case *u == 0:
			errs = append(errs, field.Invalid(p.Child("runAsUser"), *u, msgRunAsRoot))
		case *u < 0:
			errs = append(errs, field.Invalid(p.Child("runAsUser"), *u, "must be a user ID of 1 or more"))
		}
	}
	for _, g := range []struct {
		name string
		v    *int64
	}{{"runAsGroup", sec.RunAsGroup}, {"fsGroup", sec.FSGroup}} {
		if g.v != nil && *g.v < 0 {
			errs = append(errs, field.Invalid(p.Child(g.name), *g.v, "must be a group ID of 0 or more"))
		}
	}
	for i, g := range sec.SupplementalGroups {
		if g < 0 {
			errs = append(errs, field.Invalid(p.Child("supplementalGroups").Index(i), g, "must be a group ID of 0 or more"))
		}
	}
	if pol := sec.FSGroupChangePolicy; pol != nil && *pol != corev1.FSGroupChangeAlways && *pol != corev1.FSGroupChangeOnRootMismatch {
		errs = append(errs, field.NotSupported(p.Child("fsGroupChangePolicy"), *pol,
			[]corev1.PodFSGroupChangePolicy{corev1.FSGroupChangeAlways, corev1.FSGroupChangeOnRootMismatch}))
	}
	return errs
}

// validateProbes checks spec.probes: what Kubernetes refuses of a probe,
// said in terms of the generated one. The generated Deployment is checked
// by the API server's own validation too, which reports anything else at
// these paths.
func (s *EventDrivenServiceSpec) validateProbes(p *field.Path) field.ErrorList {
	pr := s.Probes
	if pr == nil {
		return nil
	}
	var errs field.ErrorList
	for _, c := range []struct {
		kind  string
		probe *Probe
	}{{"liveness", pr.Liveness}, {"readiness", pr.Readiness}, {"startup", pr.Startup}} {
		if c.probe != nil {
			errs = append(errs, s.validateProbe(c.kind, c.probe, p.Child(c.kind))...)
		}
	}
	return errs
}

func (s *EventDrivenServiceSpec) validateProbe(kind string, pr *Probe, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	var handlers []string
	for _, h := range []struct {
		name string
		set  bool
	}{{"exec", pr.Exec != nil}, {"httpGet", pr.HTTPGet != nil}, {"tcpSocket", pr.TCPSocket != nil}, {"grpc", pr.GRPC != nil}} {
		if h.set {
			handlers = append(handlers, h.name)
		}
	}
	switch {
	case len(handlers) > 1:
		errs = append(errs, field.Forbidden(p.Child(handlers[1]), msgProbeHandlers))
	case len(handlers) == 0 && !s.HTTPEnabled():
		errs = append(errs, field.Required(p, msgProbeNoHTTP))
	}
	if pr.Exec != nil && len(pr.Exec.Command) == 0 {
		errs = append(errs, field.Required(p.Child("exec", "command"), `the command to run, for example ["/bin/healthcheck"]; exit 0 passes`))
	}
	if g := pr.HTTPGet; g != nil {
		if g.Host != "" {
			errs = append(errs, field.Forbidden(p.Child("httpGet", "host"), msgProbeHost))
		}
		errs = append(errs, s.validateProbePort(g.Port, p.Child("httpGet", "port"))...)
		if g.Path != "" {
			errs = append(errs, validateHTTPPath(g.Path, p.Child("httpGet", "path"), DefaultHealthPath)...)
		}
		if g.Scheme != "" && g.Scheme != corev1.URISchemeHTTP && g.Scheme != corev1.URISchemeHTTPS {
			errs = append(errs, field.NotSupported(p.Child("httpGet", "scheme"), g.Scheme, []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}))
		}
	}
	if t := pr.TCPSocket; t != nil {
		if t.Host != "" {
			errs = append(errs, field.Forbidden(p.Child("tcpSocket", "host"), msgProbeHost))
		}
		errs = append(errs, s.validateProbePort(t.Port, p.Child("tcpSocket", "port"))...)
	}
	if g := pr.GRPC; g != nil {
		for _, msg := range validation.IsValidPortNum(int(g.Port)) {
			errs = append(errs, field.Invalid(p.Child("grpc", "port"), g.Port, msg))
		}
	}
	for _, n := range []struct {
		name  string
		v     *int32
		least int32
	}{
		{"initialDelaySeconds", pr.InitialDelaySeconds, 0}, {"periodSeconds", pr.PeriodSeconds, 1},
		{"timeoutSeconds", pr.TimeoutSeconds, 1}, {"successThreshold", pr.SuccessThreshold, 1},
		{"failureThreshold", pr.FailureThreshold, 1},
	} {
		if n.v != nil && *n.v < n.least {
			errs = append(errs, field.Invalid(p.Child(n.name), *n.v, fmt.Sprintf("must be %d or more", n.least)))
		}
	}
	if v := pr.SuccessThreshold; v != nil && *v > 1 && kind != "readiness" {
		errs = append(errs, field.Invalid(p.Child("successThreshold"), *v, fmt.Sprintf(msgProbeSuccess, kind)))
	}
	if g := pr.TerminationGracePeriodSeconds; g != nil {
		switch {
		case kind == "readiness":
			errs = append(errs, field.Forbidden(p.Child("terminationGracePeriodSeconds"), msgProbeGrace))
		case *g < 1:
			errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be 1 or more seconds"))
		}
	}
	return errs
}

// validateProbePort checks a probe's port: a number, or the name of a port
// of the worker ("http" is the only one eds-fn generates).
func (s *EventDrivenServiceSpec) validateProbePort(port intstr.IntOrString, p *field.Path) field.ErrorList {
	if port.Type == intstr.Int {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(p, port.IntVal, msg))
		}
		return errs
	}
	if port.StrVal == "" {
		return field.ErrorList{field.Required(p, `a port number, or "http" for spec.http.port`)}
	}
	if msgs := validation.IsValidPortName(port.StrVal); len(msgs) > 0 {
		return field.ErrorList{field.Invalid(p, port.StrVal, msgs[0])}
	}
	// customDeployment may add the named port to the worker; the
	// generator checks the patched worker.
	if (port.StrVal != "http" || !s.HTTPEnabled()) && s.CustomDeployment == nil {
		msg := msgProbeNamedPort
		if !s.HTTPEnabled() {
			msg = msgProbeNoPorts
		}
		return field.ErrorList{field.Invalid(p, port.StrVal, msg)}
	}
	return nil
}
