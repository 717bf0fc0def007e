package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/apps"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/pkg/capabilities"
	"k8s.io/kubernetes/pkg/controller"
	deploymentstore "k8s.io/kubernetes/pkg/registry/apps/deployment/storage"
	podstore "k8s.io/kubernetes/pkg/registry/core/pod/storage"
	"k8s.io/kubernetes/pkg/registry/core/service/ipallocator"
	"k8s.io/kubernetes/pkg/registry/core/service/portallocator"
	servicestore "k8s.io/kubernetes/pkg/registry/core/service/storage"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	"k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"
	labelsutil "k8s.io/kubernetes/pkg/util/labels"

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
// stored. For the pods of a Deployment, see apiServerDeploymentErrors.
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
//   - Deployment, Pod and Service: the registry's own REST storage
//     (pkg/registry/apps/deployment/storage.NewREST,
//     pkg/registry/core/pod/storage.NewStorage and
//     pkg/registry/core/service/storage.NewREST), whose generic Store.Create
//     fills the system metadata, runs the Service's BeginCreate (IP family
//     defaulting and checks, cluster IP and node port allocation, in memory),
//     then rest.BeforeCreate: the namespace check, the strategy's
//     PrepareForCreate, its Validate (ValidateDeployment with
//     pod.GetValidationOptionsFromPodTemplate; ValidatePodCreate;
//     ValidateServiceCreate),
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
	errs, _ := apiServerCreate(kind, data)
	return errs
}

// apiServerCreate is apiServerErrors, and also returns the internal object
// as the create path left it (decoded, defaulted, with the strategy's
// PrepareForCreate applied, whether or not it then validated), or nil when
// it does not decode. The registry's Store prepares the object it is given
// in place, unless the object has only a generateName (then it prepares a
// copy, and the object returned is decoded and defaulted only).
func apiServerCreate(kind string, data []byte) (field.ErrorList, runtime.Object) {
	obj, _, err := legacyscheme.Codecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return field.ErrorList{field.TypeInvalid(nil, "(object)", "decode: "+err.Error())}, nil
	}
	acc, err := metaAccessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}, nil
	}
	if got := obj.GetObjectKind().GroupVersionKind().Kind; got != "" && got != kind {
		return field.ErrorList{field.InternalError(field.NewPath("kind"), fmt.Errorf("is %s, want %s", got, kind))}, nil
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
	case "Pod":
		gv, resource = schema.GroupVersion{Version: "v1"}, "pods"
	case "Service":
		gv, resource = schema.GroupVersion{Version: "v1"}, "services"
	case "ServiceAccount":
		gv, resource = schema.GroupVersion{Version: "v1"}, "serviceaccounts"
	case "PodDisruptionBudget":
		gv, resource = schema.GroupVersion{Group: "policy", Version: "v1"}, "poddisruptionbudgets"
	default:
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("apiServerErrors does not know kind %s", kind))}, nil
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
	case "Deployment", "Pod", "Service":
		st, err := stores()
		if err != nil {
			return field.ErrorList{field.InternalError(nil, err)}, obj
		}
		creater := st.deployment
		switch kind {
		case "Pod":
			creater = st.pod
		case "Service":
			creater = st.service
		}
		_, err = creater.Create(ctx, obj, nil, &metav1.CreateOptions{})
		if errors.Is(err, errStored) {
			return nil, obj
		}
		if err == nil {
			return field.ErrorList{field.InternalError(nil, errors.New("the stand-in storage was not reached"))}, obj
		}
		return statusErrors(err), obj
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
			return statusErrors(err), obj
		}
		if acc.GetResourceVersion() != "" && acc.GetResourceVersion() != "0" {
			return field.ErrorList{field.Invalid(field.NewPath("metadata", "resourceVersion"), acc.GetResourceVersion(),
				storage.ErrResourceVersionSetOnCreate.Error())}, obj
		}
		return nil, obj
	}
}

// apiServerDeploymentErrors is what the API server answers to the create of
// the Deployment (data, its JSON), and to the create of the pods the
// ReplicaSet controller then makes of its template (apiServerPodErrors),
// the latter at their place in the Deployment. A Deployment that does not
// decode has no pods: podErrs is nil.
func apiServerDeploymentErrors(data []byte) (depErrs, podErrs field.ErrorList) {
	depErrs, obj := apiServerCreate("Deployment", data)
	if dep, ok := obj.(*apps.Deployment); ok {
		podErrs = apiServerPodErrors(dep)
	}
	return depErrs, podErrs
}

// The ReplicaSet's UID in the pods' controller reference: the API server
// only checks that there is one.
const replicaSetUID = "6b1f3c52-7a0e-4d4e-9c1b-2f5e8a9d0c31"

// apiServerPodErrors is what the API server answers when the ReplicaSet
// controller creates a pod of the Deployment (as the Deployment's create
// path left it: defaulted and prepared, which drops the fields of disabled
// features from the template; see apiServerCreate), with the errors at
// their place in the Deployment's template.
//
// The pod is made by the controllers' own code (k8s.io/kubernetes
// v1.37.2, pkg/controller): the Deployment controller names its ReplicaSet
// <deployment>-<controller.ComputeHash of the template> and adds the
// pod-template-hash label to the template; the ReplicaSet controller's
// controller.GetPodFromTemplate copies the template's labels, annotations,
// finalizers and spec (not its other metadata: name, ownerReferences,
// managedFields, ... are not the pod's), sets generateName "<replicaset>-"
// and one ownerReference, the ReplicaSet as controller. The pod is then
// created in the Deployment's namespace through the Pod registry's REST
// storage (pkg/registry/core/pod/storage.NewStorage on the stand-in
// storage): name generation (<replicaset>-<5 characters>), decoding and
// defaulting of the v1 pod, PrepareForCreate, ValidatePodCreate,
// ValidateObjectMetaAccessor and declarative validation.
//
// Not modelled: the admission plugins (ServiceAccount, LimitRanger,
// PodSecurity, ...), which need the cluster's objects and configuration.
func apiServerPodErrors(dep *apps.Deployment) field.ErrorList {
	var d appsv1.Deployment
	if err := legacyscheme.Scheme.Convert(dep, &d, nil); err != nil {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("converting the Deployment to apps/v1: %w", err))}
	}
	hash := controller.ComputeHash(&d.Spec.Template, d.Status.CollisionCount)
	template := d.Spec.Template.DeepCopy()
	template.Labels = labelsutil.CloneAndAddLabel(d.Spec.Template.Labels, appsv1.DefaultDeploymentUniqueLabelKey, hash)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{
		Name: replicaSetName(d.Name, hash), Namespace: d.Namespace, UID: replicaSetUID,
	}}
	pod, err := controller.GetPodFromTemplate(template, rs, metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet")))
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	pod.APIVersion, pod.Kind = "v1", "Pod"
	pod.Namespace = d.Namespace // the client's request namespace (Pods(namespace).Create)
	data, err := json.Marshal(pod)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	errs, _ := apiServerCreate("Pod", data)
	out := make(field.ErrorList, 0, len(errs))
	for _, e := range errs {
		c := *e
		if strings.HasPrefix(c.Field, "metadata.") || strings.HasPrefix(c.Field, "spec.") {
			c.Field = "spec.template." + c.Field
		}
		out = append(out, &c)
	}
	return out
}

// replicaSetName is the Deployment controller's name for the ReplicaSet of
// a template (pkg/controller/deployment/sync.go generateReplicaSetName,
// unexported).
func replicaSetName(deployment, hash string) string {
	if room := validation.DNS1123SubdomainMaxLength - 1 - len(hash); len(deployment) > room && room > 0 {
		deployment = deployment[:room]
	}
	return deployment + "-" + hash
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
	deployment, pod, service rest.Creater
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
	pods, err := podstore.NewStorage(getter, nil, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("pod storage: %w", err)
	}
	return &registryStores{deployment: dep, pod: pods.Pod, service: svc}, nil
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
