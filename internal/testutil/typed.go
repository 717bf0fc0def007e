package testutil

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Typed decodes every object of a YAML stream strictly into its Go type from
// k8s.io/api or KEDA's own API package, keyed "Kind/name". An unknown field,
// or a field of the wrong type, is an error: what eds-fn prints must be
// exactly what the API server and KEDA understand.
func Typed(stream string) (map[string]any, error) {
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, n := range nodes {
		obj, err := typedObject(n)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", n.GetKind(), n.GetName(), err)
		}
		out[n.GetKind()+"/"+n.GetName()] = obj
	}
	return out, nil
}

func typedObject(n *yaml.RNode) (any, error) {
	var obj any
	switch n.GetApiVersion() + " " + n.GetKind() {
	case "v1 ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "keda.sh/v1alpha1 ScaledObject":
		obj = &kedav1alpha1.ScaledObject{}
	case "keda.sh/v1alpha1 ScaledJob":
		obj = &kedav1alpha1.ScaledJob{}
	default:
		return nil, fmt.Errorf("no Go type registered for %s %s", n.GetApiVersion(), n.GetKind())
	}
	data, err := n.MarshalJSON()
	if err != nil {
		return nil, err
	}
	strict, err := sigsjson.UnmarshalStrict(data, obj)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("not a valid %s: %v", n.GetKind(), strict)
	}
	return obj, nil
}

// QuantityEqual compares resource quantities by value: "2000m" and "2" are
// the same CPU, as the API server sees them.
var QuantityEqual = cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })
