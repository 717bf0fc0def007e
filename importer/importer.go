package importer

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The classes of a difference between an original object and the one
// generated from the imported EventDrivenService.
const (
	// ClassChanged is a difference eds-fn makes on purpose; Reason says why.
	ClassChanged = "changed"
	// ClassLost is a field of the original that the EventDrivenService
	// cannot express.
	ClassLost = "lost"
)

// Result is what Import found.
type Result struct {
	// Services are the imported workers, sorted by namespace and name.
	Services []Service `json:"services"`
	// Refused are the workers that cannot be EventDrivenServices, by name.
	Refused []Refusal `json:"refused"`
}

// Service is one imported worker.
type Service struct {
	// Node is the EventDrivenService; nil when it does not generate.
	Node   *yaml.RNode `json:"-"`
	Report Report      `json:"report"`
}

// Report is what importing one worker kept, changed and lost.
type Report struct {
	// Worker is "<namespace>/<name>" of its Deployment.
	Worker string `json:"worker"`
	// Claim is the claim (or composite) of the platform's earlier Crossplane
	// composition the worker was imported from, for example
	// "EventDrivenService orders/order-events"; empty for other workers.
	Claim string `json:"claim,omitempty"`
	// Sources are the objects it was imported from.
	Sources []string `json:"sources"`
	// Kept counts the fields of the originals the generated objects hold
	// unchanged.
	Kept int `json:"kept"`
	// EscapeHatch are the fields only a customDeployment, customService or
	// customScaledObject patch keeps.
	EscapeHatch []string `json:"escapeHatch,omitempty"`
	// Differences are every field that differs, changed by design or lost.
	Differences []Difference `json:"differences,omitempty"`
	// NotGenerated are objects of the worker that stay as they are (a
	// TriggerAuthentication, a second Service).
	NotGenerated []string `json:"notGenerated,omitempty"`
	// Notes say what else happened, for example why the escape hatches
	// were left out.
	Notes []string `json:"notes,omitempty"`
	// Error says why the imported service does not generate; nothing is
	// written for it.
	Error string `json:"error,omitempty"`
}

// Subject names what was imported: the Deployment, or the claim.
func (r *Report) Subject() string {
	if kind, name, ok := strings.Cut(r.Claim, " "); ok {
		if kind == kindComposite {
			return "composite " + r.Claim
		}
		return "claim " + kind + " " + name
	}
	return "Deployment " + r.Worker
}

// Lost counts the lost fields.
func (r *Report) Lost() int {
	n := 0
	for _, d := range r.Differences {
		if d.Class == ClassLost {
			n++
		}
	}
	return n
}

// Difference is one field of one object that is not the same after
// generating.
type Difference struct {
	Object string `json:"object"`
	Path   string `json:"path"`
	Old    any    `json:"old,omitempty"`
	New    any    `json:"new,omitempty"`
	Class  string `json:"class"`
	Reason string `json:"reason,omitempty"`
}

// Refusal is a worker that cannot be an EventDrivenService.
type Refusal struct {
	Object string `json:"object"`
	Reason string `json:"reason"`
}

// Import finds every worker among items and imports it. It never reads the
// values of Secrets or the data of ConfigMaps.
func Import(items []*yaml.RNode) Result {
	var res Result
	var objs []*object
	for _, o := range readObjects(items) {
		if n := len(objs); n > 0 && objs[n-1].id() == o.id() && objs[n-1].apiVersion == o.apiVersion {
			// The same file given twice is one object; two different
			// objects of one name cannot both be applied.
			if !reflect.DeepEqual(objs[n-1].data, o.data) {
				res.Refused = append(res.Refused, Refusal{Object: o.id(), Reason: "it is given twice, with different contents: the first one read is imported"})
			}
			continue
		}
		objs = append(objs, o)
	}
	claims, refused := findClaims(objs)
	res.Refused = append(res.Refused, refused...)
	paired := map[*object]*claim{}
	for _, c := range claims {
		for _, o := range objs {
			if c.pairs(o) {
				paired[o] = c
			}
		}
	}
	used := map[*object]bool{}
	for _, o := range objs {
		if o.kind != "Deployment" || !strings.HasPrefix(o.apiVersion, "apps/") {
			continue
		}
		c := paired[o]
		if c != nil && c.err != "" {
			res.Services = append(res.Services, Service{Report: claimReport(c, nil)})
			continue
		}
		w, refusal := findWorker(o, objs)
		if refusal != "" && c != nil && w.scaledObject == nil {
			refusal += fmt.Sprintf(" (it is the Deployment of %s: give its ScaledObject %s-scaler too, kubectl get ... scaledobject)", c.obj.id(), c.name)
		}
		if refusal != "" {
			res.Refused = append(res.Refused, Refusal{Object: o.id(), Reason: refusal})
			if w != nil && w.scaledObject != nil {
				used[w.scaledObject] = true
			}
			continue
		}
		used[w.scaledObject] = true
		res.Services = append(res.Services, importWorker(w, c))
	}
	for _, c := range claims {
		if slices.ContainsFunc(objs, c.pairs) {
			continue
		}
		// A claim alone: the objects the composition makes of it.
		if c.err != "" {
			res.Services = append(res.Services, Service{Report: claimReport(c, nil)})
			continue
		}
		c.composed = true
		objs := c.composedObjects()
		var dep *object
		for _, o := range objs {
			if o.kind == "Deployment" {
				dep = o
			}
		}
		w, _ := findWorker(dep, objs)
		res.Services = append(res.Services, importWorker(w, c))
	}
	slices.SortStableFunc(res.Services, func(a, b Service) int { return strings.Compare(a.Report.Worker, b.Report.Worker) })
	for _, o := range objs {
		if o.kind != "ScaledObject" || used[o] {
			continue
		}
		target := str(dig(o.data, "spec", "scaleTargetRef"), "name")
		res.Refused = append(res.Refused, Refusal{Object: o.id(),
			Reason: fmt.Sprintf("it scales Deployment %q, which is not among the inputs: an EventDrivenService is imported from its Deployment", target)})
	}
	slices.SortStableFunc(res.Refused, func(a, b Refusal) int { return strings.Compare(a.Object, b.Object) })
	return res
}

// importWorker maps the worker to an EventDrivenService, generates from
// it and compares.
func importWorker(w *worker, c *claim) Service {
	rep := claimReport(c, w)
	m, err := mapWorker(w, c)
	if err != nil {
		rep.Error = err.Error()
		return Service{Report: rep}
	}
	node, err := m.generateAndCompare(&rep)
	if err != nil {
		rep.Error = err.Error()
		return Service{Report: rep}
	}
	return Service{Node: node, Report: rep}
}

// Text is the report as lines for people: per worker a summary, then
// every lost field, every change by design and every field in an escape
// hatch; then every refused worker.
func (r *Result) Text() string {
	var b strings.Builder
	for _, s := range r.Services {
		rep := &s.Report
		if rep.Error != "" {
			fmt.Fprintf(&b, "not imported %s: %s\n", rep.Subject(), rep.Error)
			continue
		}
		changed := len(rep.Differences) - rep.Lost()
		fmt.Fprintf(&b, "imported %s: %d fields kept, %d changed by design, %d lost, %d in escape hatches\n",
			rep.Subject(), rep.Kept, changed, rep.Lost(), len(rep.EscapeHatch))
		fmt.Fprintf(&b, "  from %s\n", strings.Join(rep.Sources, ", "))
		for _, d := range rep.Differences {
			if d.Class == ClassLost {
				fmt.Fprintf(&b, "  lost     %s %s: %s -> %s\n", d.Object, d.Path, show(d.Old), show(d.New))
			}
		}
		for _, d := range rep.Differences {
			if d.Class == ClassChanged {
				fmt.Fprintf(&b, "  changed  %s %s: %s -> %s (%s)\n", d.Object, d.Path, show(d.Old), show(d.New), d.Reason)
			}
		}
		for _, p := range rep.EscapeHatch {
			fmt.Fprintf(&b, "  patch    %s\n", p)
		}
		for _, n := range rep.Notes {
			fmt.Fprintf(&b, "  note     %s\n", n)
		}
		for _, n := range rep.NotGenerated {
			fmt.Fprintf(&b, "  as is    %s\n", n)
		}
	}
	for _, f := range r.Refused {
		fmt.Fprintf(&b, "refused %s: %s\n", f.Object, f.Reason)
	}
	return b.String()
}

// maxShown bounds a value quoted in the text report.
const maxShown = 60

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(data)
	if len(s) > maxShown {
		s = s[:maxShown-3] + "..."
	}
	return s
}
