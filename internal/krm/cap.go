package krm

import (
	"fmt"
	"slices"
	"strings"
)

// A run reports at most MaxResultsPerResource results about one resource
// and MaxResults in all; the rest become one summary result. One
// ScaledObject with 100,000 bad triggers would otherwise be 100,000 results
// (and lines on stderr), gigabytes once written as YAML; nobody reads past
// the first few of one kind anyway. MaxResults stays above what a large
// valid run reports: bulk mode or the transformer over 1,000 services
// report one info result per change.
const (
	MaxResultsPerResource = 10
	MaxResults            = 1000
)

const msgMoreResults = "and %d more results not shown (%s), %s; eds-fn reports at most %d results per resource and %d in all: fix the ones shown and run it again"

var plural = map[Severity]string{Error: "errors", Warning: "warnings", Info: "infos"}

var severityRank = map[Severity]int{Error: 0, Warning: 1, Info: 2, "": 2}

// Capped is rs within the limits above, in the same order, followed by one
// result that counts the rest. Errors are kept before warnings, and
// warnings before infos, so the results shown say why a run failed; the
// summary has the severity of the worst result it stands for, so the exit
// code is the same. rs is returned as it is when it is within the limits.
func Capped(rs Results) Results {
	if len(rs) <= MaxResultsPerResource {
		return rs
	}
	perResource := map[string]int{}
	for _, r := range rs {
		perResource[resourceKey(r)]++
	}
	if len(rs) <= MaxResults && !slices.ContainsFunc(rs, func(r *Result) bool {
		return perResource[resourceKey(r)] > MaxResultsPerResource
	}) {
		return rs
	}
	// Which to keep: by severity, then in order.
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return severityRank[rs[a].Severity] - severityRank[rs[b].Severity] })
	keep := make([]bool, len(rs))
	shown := map[string]int{}
	kept := 0
	for _, i := range order {
		k := resourceKey(rs[i])
		if kept < MaxResults && shown[k] < MaxResultsPerResource {
			keep[i] = true
			shown[k]++
			kept++
		}
	}
	out := make(Results, 0, kept+1)
	var dropped []*Result
	for i, r := range rs {
		if keep[i] {
			out = append(out, r)
		} else {
			dropped = append(dropped, r)
		}
	}
	return append(out, summary(dropped))
}

// summary is the result standing for dropped.
func summary(dropped []*Result) *Result {
	counts := map[Severity]int{}
	worst := Info
	perResource := map[string]int{}
	var most string
	for _, r := range dropped {
		sev := r.Severity
		if sev == "" {
			sev = Info
		}
		counts[sev]++
		if severityRank[sev] < severityRank[worst] {
			worst = sev
		}
		k := resourceKey(r)
		perResource[k]++
		if perResource[k] > perResource[most] || perResource[k] == perResource[most] && k < most {
			most = k
		}
	}
	var parts []string
	for _, sev := range []Severity{Error, Warning, Info} {
		if n := counts[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural[sev]))
		}
	}
	name := most
	if name == "" {
		name = "no resource"
	}
	where := fmt.Sprintf("%d of them about %s", perResource[most], name)
	if len(perResource) > 1 {
		where += fmt.Sprintf(" (%d resources)", len(perResource))
	}
	return &Result{
		Message:  fmt.Sprintf(msgMoreResults, len(dropped), strings.Join(parts, ", "), where, MaxResultsPerResource, MaxResults),
		Severity: worst,
	}
}

// resourceKey names the resource a result is about, "" for none.
func resourceKey(r *Result) string {
	ref := r.ResourceRef
	if ref == nil || ref.Kind == "" && ref.Name == "" {
		return ""
	}
	name := ref.Name
	if ref.Namespace != "" {
		name = ref.Namespace + "/" + name
	}
	s := ref.Kind + " " + name
	if ref.APIVersion != "" {
		s = ref.APIVersion + " " + s
	}
	if r.File != nil && r.File.Path != "" {
		s += fmt.Sprintf(" (%s, document %d)", r.File.Path, r.File.Index+1)
	}
	return s
}
