package generator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// TestPodSecurityRestricted evaluates every generated pod template with the
// Pod Security admission library itself, at the "restricted" level (or the
// lower spec.podSecurity of the case), as a namespace labelled
// pod-security.kubernetes.io/enforce=<level> would.
func TestPodSecurityRestricted(t *testing.T) {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/*/expected.yaml")
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			level := api.LevelRestricted
			config := readNode(t, filepath.Join(filepath.Dir(f), "config.yaml"))
			if l, err := config.GetString("spec.podSecurity"); err == nil {
				level = api.Level(l)
			}
			objs, err := testutil.Typed(string(b))
			if err != nil {
				t.Fatal(err)
			}
			for key, o := range objs {
				dep, ok := o.(*appsv1.Deployment)
				if !ok {
					continue
				}
				results := evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: api.LatestVersion()},
					&dep.Spec.Template.ObjectMeta, &dep.Spec.Template.Spec)
				agg := policy.AggregateCheckResults(results)
				if !agg.Allowed {
					t.Errorf("%s violates PodSecurity %s: %s: %s", key, level, agg.ForbiddenReason(), agg.ForbiddenDetail())
				}
			}
		})
	}
}
