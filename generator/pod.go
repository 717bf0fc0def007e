package generator

import (
	"github.com/bizmatters/eds-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// httpPort is spec.http.port, or the default for a service that was not
// defaulted.
func httpPort(s *v1alpha1.EventDrivenServiceSpec) int32 {
	if s.HTTP != nil && s.HTTP.Port != nil {
		return *s.HTTP.Port
	}
	return HTTPPort
}

// probePath is the liveness (health) or readiness path.
func probePath(s *v1alpha1.EventDrivenServiceSpec, health bool) string {
	var p string
	if s.HTTP != nil {
		p = s.HTTP.ReadyPath
		if health {
			p = s.HTTP.HealthPath
		}
	}
	switch {
	case p != "":
		return p
	case health:
		return v1alpha1.DefaultHealthPath
	}
	return v1alpha1.DefaultReadyPath
}

func configMapEnv(s *v1alpha1.EventDrivenServiceSpec) []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, ref := range s.ConfigMapRefs {
		for _, e := range ref.Env {
			env = append(env, corev1.EnvVar{
				Name: e.EnvName,
				ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name},
					Key:                  e.ConfigMapKey,
				}},
			})
		}
	}
	return env
}

func configMapEnvFrom(s *v1alpha1.EventDrivenServiceSpec) []corev1.EnvFromSource {
	var envFrom []corev1.EnvFromSource
	for _, ref := range s.ConfigMapRefs {
		if ref.EnvFrom {
			envFrom = append(envFrom, corev1.EnvFromSource{
				ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}},
			})
		}
	}
	return envFrom
}

// disruptionBudget is the PodDisruptionBudget of spec.disruptionBudget,
// selecting the Deployment's pods, or nil.
func disruptionBudget(eds *v1alpha1.EventDrivenService) *policyv1.PodDisruptionBudget {
	db := eds.Spec.DisruptionBudget
	if db == nil {
		return nil
	}
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: objectMeta(eds, eds.Name),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable:   db.MinAvailable,
			MaxUnavailable: db.MaxUnavailable,
			Selector:       &metav1.LabelSelector{MatchLabels: selectorLabels(eds)},
		},
	}
}
