package generator

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Fields of an object that its owner and the API server write, never a
// manifest. An escape hatch that sets one is refused: each is either
// dropped without a word by the API server or, worse, acted on.
const (
	msgServerSet = "is written by the API server, never by a manifest (%s); remove it from the patch"
	msgOwnerRefs = "makes the %s owned by another object: Kubernetes' garbage collector deletes it when that owner is deleted, " +
		"or at once when the owner's uid matches nothing; the EventDrivenService's build (kustomize, ArgoCD, Flux, kpt) owns it: " +
		"remove metadata.ownerReferences from the patch"
	msgGenerateName = "is ignored when metadata.name is set, and eds-fn sets it after the EventDrivenService; remove it from the patch"
	msgStatus       = "is written by the %s's controller and dropped from a manifest by the API server; remove status from the patch"
)

// checkServerSet refuses what a patch sets of the server's fields of an
// object of kind; at finds a field of the object in the patch.
func checkServerSet(kind string, m *metav1.ObjectMeta, hasStatus bool, at func(segs ...string) *field.Path) field.ErrorList {
	var errs field.ErrorList
	set := func(name string, isSet bool, why string) {
		if isSet {
			errs = append(errs, field.Forbidden(at("metadata", name), fmt.Sprintf(msgServerSet, why)))
		}
	}
	if m.GenerateName != "" {
		errs = append(errs, field.Forbidden(at("metadata", "generateName"), msgGenerateName))
	}
	set("resourceVersion", m.ResourceVersion != "", "an apply with it fails once the object changes")
	set("uid", m.UID != "", "it identifies one stored object")
	set("generation", m.Generation != 0, "it counts changes of the stored object")
	set("creationTimestamp", !m.CreationTimestamp.IsZero(), "it records when the object was stored")
	set("deletionTimestamp", m.DeletionTimestamp != nil, "it marks an object being deleted")
	set("deletionGracePeriodSeconds", m.DeletionGracePeriodSeconds != nil, "it belongs to a deletion")
	set("selfLink", m.SelfLink != "", "it is no longer served") //nolint:staticcheck // read to refuse it in a patch
	set("managedFields", len(m.ManagedFields) > 0, "it records which client set which field")
	if len(m.OwnerReferences) > 0 {
		errs = append(errs, field.Forbidden(at("metadata", "ownerReferences"), fmt.Sprintf(msgOwnerRefs, kind)))
	}
	if hasStatus {
		errs = append(errs, field.Forbidden(at("status"), fmt.Sprintf(msgStatus, kind)))
	}
	return errs
}
