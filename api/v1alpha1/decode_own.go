package v1alpha1

import (
	"reflect"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var (
	quantityType    = reflect.TypeOf(resource.Quantity{})
	intOrStringType = reflect.TypeOf(intstr.IntOrString{})
)

// ownDecodingProblem checks the values of types that decode themselves and
// would otherwise fail the whole document without a path: a quantity that
// does not parse, an int-or-string that is neither. It returns what the
// value must be, or "".
func ownDecodingProblem(n *yaml.Node, t reflect.Type) string {
	scalar := n.Kind == yaml.ScalarNode
	switch t {
	case quantityType:
		numberOrString := scalar && (n.Tag == yaml.NodeTagString || n.Tag == yaml.NodeTagInt || n.Tag == yaml.NodeTagFloat)
		if _, err := resource.ParseQuantity(n.Value); !numberOrString || err != nil {
			return `must be a quantity such as "500m", "2" or "1Gi"`
		}
	case intOrStringType:
		_, err := strconv.ParseInt(n.Value, 10, 32)
		if !scalar || (n.Tag != yaml.NodeTagString && (n.Tag != yaml.NodeTagInt || err != nil)) {
			return `must be an integer or a percentage such as "50%"`
		}
	}
	return ""
}
