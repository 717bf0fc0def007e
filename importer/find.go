package importer

import (
	"fmt"
	"slices"
	"strings"
)

// worker is a Deployment and the objects that belong to it.
type worker struct {
	deployment     *object
	services       []*object // the first is the one generated
	serviceAccount *object
	scaledObject   *object
	pdb            *object
	triggerAuth    *object
}

func (w *worker) objects() []*object {
	out := []*object{w.deployment}
	out = append(out, w.services...)
	for _, o := range []*object{w.serviceAccount, w.scaledObject, w.pdb, w.triggerAuth} {
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

// TriggerNATS is the KEDA scaler of the workers eds-fn generates.
const TriggerNATS = "nats-jetstream"

// findWorker collects what belongs to the Deployment dep. A worker that
// cannot be an EventDrivenService is refused with the reason.
func findWorker(dep *object, objs []*object) (*worker, string) {
	w := &worker{deployment: dep}
	podLabels := labelsOf(dig(dep.data, "spec", "template", "metadata"), "labels")
	for _, o := range objs {
		if o.namespace != dep.namespace {
			continue
		}
		switch o.kind {
		case "Service":
			sel, _ := dig(o.data, "spec")["selector"].(map[string]any)
			if len(sel) > 0 && selects(sel, podLabels) {
				w.services = append(w.services, o)
			}
		case "PodDisruptionBudget":
			sel, _ := dig(o.data, "spec", "selector")["matchLabels"].(map[string]any)
			if len(sel) > 0 && selects(sel, podLabels) && w.pdb == nil {
				w.pdb = o
			}
		case "ScaledObject":
			ref := dig(o.data, "spec", "scaleTargetRef")
			kind := str(ref, "kind")
			if str(ref, "name") == dep.name && (kind == "" || kind == "Deployment") && w.scaledObject == nil {
				w.scaledObject = o
			}
		}
	}
	// The Service named after the Deployment is the one eds-fn generates.
	slices.SortStableFunc(w.services, func(a, b *object) int {
		switch {
		case a.name == dep.name:
			return -1
		case b.name == dep.name:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	sa := str(dig(dep.data, "spec", "template", "spec"), "serviceAccountName")
	if sa == "" {
		sa = str(dig(dep.data, "spec", "template", "spec"), "serviceAccount")
	}
	for _, o := range objs {
		if o.kind == "ServiceAccount" && o.namespace == dep.namespace && o.name == sa {
			w.serviceAccount = o
		}
	}
	if w.scaledObject == nil {
		return w, "no KEDA ScaledObject scales it: eds-fn imports workers scaled by a nats-jetstream trigger"
	}
	triggers, _ := dig(w.scaledObject.data, "spec")["triggers"].([]any)
	var types []string
	var nats map[string]any
	for _, t := range triggers {
		tm, _ := t.(map[string]any)
		typ := str(tm, "type")
		if typ == TriggerNATS && nats == nil {
			nats = tm
		}
		types = append(types, typ)
	}
	if nats == nil {
		return w, fmt.Sprintf("its ScaledObject %s scales on %s, not %s: an EventDrivenService is a NATS JetStream worker",
			w.scaledObject.name, orNone(strings.Join(types, ", ")), TriggerNATS)
	}
	if ref, ok := nats["authenticationRef"].(map[string]any); ok {
		kind := str(ref, "kind")
		if kind == "" {
			kind = "TriggerAuthentication"
		}
		for _, o := range objs {
			if o.kind == kind && o.name == str(ref, "name") && (o.namespace == dep.namespace || kind == "ClusterTriggerAuthentication") {
				w.triggerAuth = o
			}
		}
	}
	return w, ""
}

func orNone(s string) string {
	if s == "" {
		return "no trigger"
	}
	return s
}

// selects reports whether every label of sel is among labels.
func selects(sel map[string]any, labels map[string]string) bool {
	for k, v := range sel {
		s, _ := v.(string)
		if got, ok := labels[k]; !ok || got != s {
			return false
		}
	}
	return true
}
