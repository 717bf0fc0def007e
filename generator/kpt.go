package generator

// kpt package mode. "kpt fn render" passes the whole package, every object
// with the file it lives in, and writes back whatever the function returns:
// an object left out is deleted from disk, an object changed is rewritten.
// So this is where eds-fn could destroy a user's work, and every rule here
// errs on the side of leaving things alone:
//
//   - an object is eds-fn's only when it lives in a file eds-fn writes
//     (<dir>/<service>.generated.yaml) or carries eds-fn's ownership
//     annotation naming the service; labels are not proof, people copy them;
//   - identity is group, kind, namespace and name (a Knative Service is not
//     a core Service; "" and "default" are the same namespace);
//   - only eds-fn's own objects of the kinds it generates are ever updated or
//     pruned, and a prune also needs the service it names to be gone (or to
//     no longer generate that object, proven by the annotation), with
//     nothing in the package that looks like a mistyped service (lookalike.go);
//   - anything else of the same identity as a generated object is a conflict,
//     and then nothing at all changes.

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Mode says what the generated objects do to the items.
type Mode int

const (
	// ModePackage upserts: generated objects replace eds-fn's earlier
	// versions of themselves in place, new ones are appended (in a kpt
	// package, to a file next to their service), objects of services that
	// are gone are pruned, and the services are marked local-config. A
	// kustomize generator's items (the config alone, in no file) are the
	// degenerate case: nothing to replace or prune.
	ModePackage Mode = iota
	// ModeBulk replaces every EventDrivenService by its objects, where it
	// was, and prunes nothing (kustomize's transformer position).
	ModeBulk
)

const (
	localConfig = "config.kubernetes.io/local-config"
	// AnnotationSource marks what eds-fn wrote into a package: its value
	// names the service, as EventDrivenService/<namespace>/<name>.
	AnnotationSource = v1alpha1.Group + "/generated-from"
	generatedSuffix  = ".generated.yaml"
)

// generatedKinds are the group/kinds eds-fn writes; only these are ever
// updated or pruned.
var generatedKinds = map[string]bool{
	"/ServiceAccount": true, "/Service": true, "apps/Deployment": true, "keda.sh/ScaledObject": true,
	"policy/PodDisruptionBudget": true,
}

// merge combines the items with the generated objects, or reports why it
// must not; on any error the items come back unchanged.
func merge(items []*yaml.RNode, generated []Expanded, mode Mode) ([]*yaml.RNode, krm.Results) {
	index := make(map[string]int, len(items))
	for i, it := range items {
		index[objectKey(it)] = i
	}
	var results krm.Results
	replaced := map[int]*yaml.RNode{}
	var added []*yaml.RNode
	addedAfter := map[*yaml.RNode][]*yaml.RNode{}
	for _, e := range generated {
		inFile := mode == ModePackage && krm.FileOf(e.Source) != nil
		for _, o := range e.Objects {
			if inFile {
				_ = o.PipeE(yaml.SetAnnotation(AnnotationSource, sourceName(e.Source)))
			}
			i, exists := index[objectKey(o)]
			if !exists {
				if mode == ModeBulk {
					addedAfter[e.Source] = append(addedAfter[e.Source], o)
				} else {
					added = append(added, o)
				}
				continue
			}
			if !ownedBy(items[i], e.Source) {
				results = append(results, krm.FieldResult(e.Source, "metadata.name",
					fmt.Sprintf("generates %s, but %s already holds one that eds-fn did not generate for this service; "+
						"rename the service, or remove or rename the other object", objectKey(o), where(items[i])),
					krm.Error))
				continue
			}
			keepFileAnnotations(items[i], o)
			replaced[i] = o
		}
	}
	if krm.HasErrors(results) {
		return items, results
	}

	var stale map[int]bool
	if mode == ModePackage {
		stale, results = staleObjects(items, generated, replaced)
		assignFiles(items, generated, added)
	}

	out := make([]*yaml.RNode, 0, len(items)+len(added))
	for i, it := range items {
		switch {
		case stale[i]:
			continue
		case replaced[i] != nil:
			out = append(out, replaced[i])
		case mode == ModeBulk && IsEventDrivenService(it):
			out = append(out, addedAfter[it]...)
		case mode == ModeBulk && v1alpha1.IsDefaults(it):
			continue
		default:
			if mode == ModePackage && (IsEventDrivenService(it) || v1alpha1.IsDefaults(it)) {
				// kpt live apply must never send the service itself.
				_ = it.PipeE(yaml.SetAnnotation(localConfig, "true"))
			}
			out = append(out, it)
		}
	}
	return append(out, added...), results
}

// ownedBy reports whether item, of the same identity as one of src's
// objects, is eds-fn's earlier version of it: it lives in src's generated
// file or carries src's ownership annotation; outside any file (a kustomize
// build) eds-fn's labels for src are enough, since nothing is written back.
func ownedBy(item, src *yaml.RNode) bool {
	if item.GetAnnotations()[AnnotationSource] == sourceName(src) {
		return true
	}
	f := krm.FileOf(item)
	if f == nil {
		l := item.GetLabels()
		return l[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue && l[v1alpha1.LabelName] == src.GetName()
	}
	return f.Path == generatedFile(src)
}

// staleObjects finds what an earlier render wrote for a service that is gone
// (deleted or renamed), or that a service still here no longer generates.
// Each must be of a kind eds-fn generates, in a file eds-fn writes
// (<service>.generated.yaml), and name that service in its ownership
// annotation, or, for a service that is gone and an object written before
// eds-fn had the annotation, in its labels.
func staleObjects(items []*yaml.RNode, generated []Expanded, replaced map[int]*yaml.RNode) (map[int]bool, krm.Results) {
	services := map[string]bool{}
	for _, e := range generated {
		services[sourceName(e.Source)] = true
	}
	stale := map[int]bool{}
	var results krm.Results
	for i, it := range items {
		if replaced[i] != nil || !generatedKinds[groupKind(it)] {
			continue
		}
		f := krm.FileOf(it)
		if f == nil || !strings.HasSuffix(f.Path, generatedSuffix) {
			continue
		}
		owner := it.GetAnnotations()[AnnotationSource]
		if owner == "" {
			l := it.GetLabels()
			if l[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue || l[v1alpha1.LabelName] == "" {
				continue
			}
			owner = sourceNameOf(it.GetNamespace(), l[v1alpha1.LabelName])
		}
		_, name, ok := parseSourceName(owner)
		if !ok || path.Base(f.Path) != name+generatedSuffix {
			continue
		}
		why := "which is no longer in the package"
		if services[owner] {
			// The service is here but no longer generates this object
			// (http.enabled: false drops the Service, a removed
			// disruptionBudget the PodDisruptionBudget). Only eds-fn's
			// annotation proves that: labels are copied by people.
			if it.GetAnnotations()[AnnotationSource] != owner {
				continue
			}
			why = "which no longer generates it"
		}
		stale[i] = true
		results = append(results, krm.FieldResult(it, "",
			fmt.Sprintf("removed from %s: eds-fn generated it for %s, %s", f.Path, owner, why),
			krm.Info))
	}
	return stale, results
}

// assignFiles gives every new object of a service that lives in a file a
// place next to it, at the first free index, so that kpt writes it out and
// no two resources share a path and index.
func assignFiles(items []*yaml.RNode, generated []Expanded, added []*yaml.RNode) {
	isNew := map[*yaml.RNode]bool{}
	for _, o := range added {
		isNew[o] = true
	}
	used := map[string]bool{}
	for _, it := range items {
		if p, i, _ := kioutil.GetFileAnnotations(it); p != "" {
			used[p+"#"+i] = true
		}
	}
	for _, e := range generated {
		file := generatedFile(e.Source)
		if file == "" {
			continue
		}
		next := 0
		for _, o := range e.Objects {
			if !isNew[o] {
				continue
			}
			for used[file+"#"+strconv.Itoa(next)] {
				next++
			}
			used[file+"#"+strconv.Itoa(next)] = true
			// Both spellings, in the sorted order keepFileAnnotations uses on
			// the next render: kyaml would otherwise add the legacy pair
			// itself, and the second render would differ byte-wise.
			for _, a := range [][2]string{
				{kioutil.LegacyIndexAnnotation, strconv.Itoa(next)}, {kioutil.LegacyPathAnnotation, file},
				{kioutil.IndexAnnotation, strconv.Itoa(next)}, {kioutil.PathAnnotation, file},
			} {
				_ = o.PipeE(yaml.SetAnnotation(a[0], a[1]))
			}
		}
	}
}

// generatedFile is the file eds-fn writes src's objects to, "" when src is
// in no file.
func generatedFile(src *yaml.RNode) string {
	f := krm.FileOf(src)
	if f == nil {
		return ""
	}
	return path.Join(path.Dir(f.Path), src.GetName()+generatedSuffix)
}

// keepFileAnnotations carries the orchestrator's bookkeeping (kpt's file path
// and index, kustomize's ids) from the object being replaced to its new
// version, so the update lands in the same file at the same place.
func keepFileAnnotations(from, to *yaml.RNode) {
	annotations := from.GetAnnotations()
	// Sorted: the output must not depend on map iteration order.
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
			strings.HasPrefix(k, "config.k8s.io/") || strings.HasPrefix(k, "kustomize.config.k8s.io/") {
			_ = to.PipeE(yaml.SetAnnotation(k, annotations[k]))
		}
	}
}

// sourceName is the value of AnnotationSource for a service.
func sourceName(src *yaml.RNode) string { return sourceNameOf(src.GetNamespace(), src.GetName()) }

func sourceNameOf(namespace, name string) string {
	return v1alpha1.KindEventDrivenService + "/" + normalNamespace(namespace) + "/" + name
}

func parseSourceName(s string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(s, v1alpha1.KindEventDrivenService+"/")
	if !ok {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, "/")
	return namespace, name, ok && name != "" && !strings.Contains(name, "/")
}

// normalNamespace: an object without a namespace lands in "default" as far
// as two objects colliding is concerned (kustomize treats them alike too).
func normalNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

func groupKind(n *yaml.RNode) string {
	group, _, ok := strings.Cut(n.GetApiVersion(), "/")
	if !ok {
		group = "" // "v1": the core group
	}
	return group + "/" + n.GetKind()
}

// objectKey is an object's identity: group, kind, namespace and name.
func objectKey(n *yaml.RNode) string {
	gk := strings.TrimPrefix(groupKind(n), "/")
	return fmt.Sprintf("%s %s/%s", gk, normalNamespace(n.GetNamespace()), n.GetName())
}

// where names the file an item lives in, for messages.
func where(n *yaml.RNode) string {
	if f := krm.FileOf(n); f != nil {
		return strconv.Quote(f.Path)
	}
	return "the input"
}

func describe(n *yaml.RNode) string {
	s := fmt.Sprintf("%s %q", n.GetKind(), n.GetName())
	if f := krm.FileOf(n); f != nil {
		s += " (" + f.Path + ")"
	}
	return s
}
