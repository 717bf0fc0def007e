package generator

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Bounds on an escape hatch, checked before it is applied. A patch whose
// result the API server can store is applied in about a second at most; a
// larger one is refused at once, with the bound, instead of taking minutes:
// strategic merge orders the items of each list it merges in time that
// grows with the square of their number (apimachinery's
// normalizeElementOrder), so 20,000 variables took 40 s.
const (
	// MaxPatchBytes is etcd's request limit, the largest object the API
	// server stores (a Deployment of this size is already refused).
	MaxPatchBytes = 3 << 19 // 1.5 MiB
	// MaxPatchListItems bounds one list of a strategic-merge patch, and
	// MaxPatchItems all of them: far above a real pod (the API server's
	// own bounds on a pod are the object size above), low enough that the
	// merge stays under a second.
	MaxPatchListItems = 1000
	MaxPatchItems     = 10000

	msgPatchBytes = "is %d bytes: the API server stores no object over %d bytes (1.5 MiB, etcd's request limit); " +
		"keep large data in ConfigMaps or Secrets"
	msgPatchList = "has %d items: a list of a strategic-merge patch holds at most %d (merging takes time that grows with " +
		"the square of their number); move the data into a ConfigMap or Secret (envFrom, a volume)"
	msgPatchItems = "has %d list items in all: a strategic-merge patch holds at most %d; move data into ConfigMaps or Secrets"
)

// checkPatchSize refuses a patch over MaxPatchBytes and, when merge is
// true (a strategic-merge patch), one with a list or lists over the item
// bounds. patch is its decoded form, raw its JSON.
func checkPatchSize(p *field.Path, raw []byte, patch any, merge bool) field.ErrorList {
	if len(raw) > MaxPatchBytes {
		return field.ErrorList{field.Invalid(p, fmt.Sprintf("(%d bytes)", len(raw)), fmt.Sprintf(msgPatchBytes, len(raw), MaxPatchBytes))}
	}
	if !merge {
		return nil
	}
	var errs field.ErrorList
	total := 0
	var walk func(v any, at *field.Path)
	walk = func(v any, at *field.Path) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(e, at.Child(k))
			}
		case []any:
			total += len(v)
			if len(v) > MaxPatchListItems {
				errs = append(errs, field.Invalid(at, fmt.Sprintf("(%d items)", len(v)), fmt.Sprintf(msgPatchList, len(v), MaxPatchListItems)))
			}
			for i, e := range v {
				walk(e, at.Index(i))
			}
		}
	}
	walk(patch, p)
	if len(errs) == 0 && total > MaxPatchItems {
		errs = append(errs, field.Invalid(p, fmt.Sprintf("(%d list items)", total), fmt.Sprintf(msgPatchItems, total, MaxPatchItems)))
	}
	// Map order is random; the same input gives the same report.
	slices.SortFunc(errs, func(a, b *field.Error) int { return strings.Compare(a.Field, b.Field) })
	return errs
}
