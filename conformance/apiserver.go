package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/pkg/capabilities"
	deploymentstore "k8s.io/kubernetes/pkg/registry/apps/deployment/storage"
	"k8s.io/kubernetes/pkg/registry/core/service/ipallocator"
	"k8s.io/kubernetes/pkg/registry/core/service/portallocator"
	servicestore "k8s.io/kubernetes/pkg/registry/core/service/storage"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	"k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"

	// The API groups, registered in legacyscheme.Scheme with their
	// conversions, defaulting (SetObjectDefaults_*) and declarative
	// validation, as kube-apiserver registers them.
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
)

// The settings of a kube-apiserver started without flags that change them:
// --service-cluster-ip-range 10.0.0.0/24 (single-stack IPv4) and
// --service-node-port-range 30000-32767.
const (
	serviceCIDR   = "10.0.0.0/24"
	nodePortRange = "30000-32767"
)

// --allow-privileged=true, as kubeadm, kind and the managed clusters start
// kube-apiserver (its own default, false, refuses every privileged
// container with "disallowed by cluster policy").
func init() { capabilities.Setup(true, 0) }

// apiServerErrors returns what kube-apiserver (k8s.io/kubernetes v1.37.2,
// default feature gates, no admission plugins) answers to a create of the
// object, given as JSON of its external version: nil when it would be
// stored.
//
// It runs the server's own code, in process, in the server's order:
//
// The cluster is single-stack IPv4 with the default service and node port
// ranges, and allows privileged containers (see the constants and init).
//
//   - decoding and defaulting: legacyscheme.Codecs' universal decoder, which
//     decodes the versioned object (apps/v1, v1, policy/v1), applies the
//     scheme's defaulting functions (SetObjectDefaults_Deployment, ...) and
//     converts it to the internal version, as the create handler does. An
//     object that cannot be decoded (a quantity "1x", a string where a
//     number goes) is a 400 from the handler, reported here as one
//     TypeInvalid error at the root with "decode:" in its detail;
//   - Deployment and Service: the registry's own REST storage
//     (pkg/registry/apps/deployment/storage.NewREST and
//     pkg/registry/core/service/storage.NewREST), whose generic Store.Create
//     fills the system metadata, runs the Service's BeginCreate (IP family
//     defaulting and checks, cluster IP and node port allocation, in memory),
//     then rest.BeforeCreate: the namespace check, the strategy's
//     PrepareForCreate, its Validate (ValidateDeployment with
//     pod.GetValidationOptionsFromPodTemplate; ValidateServiceCreate),
//     ValidateObjectMetaAccessor and declarative validation (with migration
//     checks), then the storage's Create, here a stand-in that makes etcd3's
//     one check (no resourceVersion on create) and stores nothing, so the
//     allocations are released;
//   - ServiceAccount and PodDisruptionBudget: rest.BeforeCreate with their
//     registry strategies (their storage has no hooks that refuse).
//
// The errors are the causes of the API server's Status, as field errors:
// type and field path, and the cause's message (which has the bad value) as
// the detail; format prints them.
func apiServerErrors(kind string, data []byte) field.ErrorList {
	obj, _, err := legacyscheme.Codecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return field.ErrorList{field.TypeInvalid(nil, "(object)", "decode: "+err.Error())}
	}
	acc, err := metaAccessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	if got := obj.GetObjectKind().GroupVersionKind().Kind; got != "" && got != kind {
		return field.ErrorList{field.InternalError(field.NewPath("kind"), fmt.Errorf("is %s, want %s", got, kind))}
	}
	ns := acc.GetNamespace()
	if ns == "" {
		ns = metav1.NamespaceDefault // kubectl's namespace when the object has none
	}
	var gv schema.GroupVersion
	var resource string
	switch kind {
	case "Deployment":
		gv, resource = schema.GroupVersion{Group: "apps", Version: "v1"}, "deployments"
	case "Service":
		gv, resource = schema.GroupVersion{Version: "v1"}, "services"
	case "ServiceAccount":
		gv, resource = schema.GroupVersion{Version: "v1"}, "serviceaccounts"
	case "PodDisruptionBudget":
		gv, resource = schema.GroupVersion{Group: "policy", Version: "v1"}, "poddisruptionbudgets"
	default:
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("apiServerErrors does not know kind %s", kind))}
	}
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	prefix := "apis"
	if gv.Group == "" {
		prefix = "api"
	}
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true, Verb: "create", APIPrefix: prefix,
		APIGroup: gv.Group, APIVersion: gv.Version, Resource: resource, Namespace: ns, Name: acc.GetName(),
	})

	switch kind {
	case "Deployment", "Service":
		st, err := stores()
		if err != nil {
			return field.ErrorList{field.InternalError(nil, err)}
		}
		creater := st.deployment
		if kind == "Service" {
			creater = st.service
		}
		_, err = creater.Create(ctx, obj, nil, &metav1.CreateOptions{})
		if errors.Is(err, errStored) {
			return nil
		}
		if err == nil {
			return field.ErrorList{field.InternalError(nil, errors.New("the stand-in storage was not reached"))}
		}
		return statusErrors(err)
	default:
		rest.FillObjectMetaSystemFields(acc)
		var strategy rest.RESTCreateStrategy = serviceaccount.Strategy
		if kind == "PodDisruptionBudget" {
			strategy = poddisruptionbudget.Strategy
		}
		if len(acc.GetGenerateName()) > 0 && len(acc.GetName()) == 0 {
			acc.SetName(strategy.GenerateName(acc.GetGenerateName()))
		}
		if err := rest.BeforeCreate(strategy, ctx, obj); err != nil {
			return statusErrors(err)
		}
		if acc.GetResourceVersion() != "" && acc.GetResourceVersion() != "0" {
			return field.ErrorList{field.Invalid(field.NewPath("metadata", "resourceVersion"), acc.GetResourceVersion(),
				storage.ErrResourceVersionSetOnCreate.Error())}
		}
		return nil
	}
}

func metaAccessor(obj runtime.Object) (metav1.Object, error) {
	o, ok := obj.(metav1.ObjectMetaAccessor)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return o.GetObjectMeta(), nil
}

// statusErrors turns the API server's answer into field errors: the causes
// of an Invalid, or the whole message of anything else at the root.
func statusErrors(err error) field.ErrorList {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	s := status.Status()
	if s.Details == nil || len(s.Details.Causes) == 0 {
		return field.ErrorList{&field.Error{Type: field.ErrorTypeInternal, Detail: fmt.Sprintf("%s: %s", s.Reason, s.Message)}}
	}
	var errs field.ErrorList
	for _, c := range s.Details.Causes {
		errs = append(errs, &field.Error{Type: field.ErrorType(c.Type), Field: c.Field, Detail: c.Message})
	}
	return errs
}

type registryStores struct {
	deployment, service rest.Creater
}

// stores builds the registry's REST storage once, on the stand-in storage.
var stores = sync.OnceValues(func() (*registryStores, error) {
	getter := optsGetter{}
	dep, _, _, err := deploymentstore.NewREST(getter)
	if err != nil {
		return nil, fmt.Errorf("deployment storage: %w", err)
	}
	_, cidr, err := net.ParseCIDR(serviceCIDR)
	if err != nil {
		return nil, err
	}
	ips, err := ipallocator.NewInMemory(cidr)
	if err != nil {
		return nil, err
	}
	pr, err := utilnet.ParsePortRange(nodePortRange)
	if err != nil {
		return nil, err
	}
	ports, err := portallocator.NewInMemory(*pr)
	if err != nil {
		return nil, err
	}
	svc, _, _, err := servicestore.NewREST(getter, api.IPv4Protocol,
		map[api.IPFamily]ipallocator.Interface{api.IPv4Protocol: ips}, ports, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("service storage: %w", err)
	}
	return &registryStores{deployment: dep, service: svc}, nil
})

// errStored is what the stand-in storage answers when the object got that
// far: everything before storage accepted it.
var errStored = errors.New("accepted: the object reached storage")

type optsGetter struct{}

func (optsGetter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig:  &storagebackend.ConfigForResource{GroupResource: resource},
		Decorator:      decorator,
		ResourcePrefix: "/" + resource.Group + "/" + resource.Resource,
	}, nil
}

func decorator(*storagebackend.ConfigForResource, string, func(runtime.Object) (string, error), func() runtime.Object,
	func() runtime.Object, storage.AttrFunc, storage.IndexerFuncs, *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
	return standIn{}, func() {}, nil
}

// standIn is etcd for one create: nothing exists, and a create makes
// etcd3's own check, then stops with errStored. Everything else is unused
// (the embedded nil interface would panic).
type standIn struct{ storage.Interface }

func (standIn) Versioner() storage.Versioner { return storage.APIObjectVersioner{} }

func (standIn) Create(_ context.Context, _ string, obj, _ runtime.Object, _ uint64) error {
	if v, err := (storage.APIObjectVersioner{}).ObjectResourceVersion(obj); err == nil && v != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	return errStored
}

func (standIn) Get(_ context.Context, key string, _ storage.GetOptions, _ runtime.Object) error {
	return storage.NewKeyNotFoundError(key, 0)
}

// format prints errors one a line as the API server words them: "field:
// message".
func format(errs field.ErrorList) string {
	var b strings.Builder
	for _, e := range errs {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		if e.Field != "" && e.Field != "<nil>" {
			b.WriteString(e.Field + ": ")
		}
		if e.Detail != "" {
			b.WriteString(e.Detail)
		} else {
			b.WriteString(e.ErrorBody())
		}
	}
	return b.String()
}
