package examples

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestProductionOverlay checks, object by object, what each kustomize
// feature in examples/overlays/production does to the generated objects.
func TestProductionOverlay(t *testing.T) {
	out, err := testutil.Kustomize(t, "overlays/production")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := testutil.Typed(out)
	if err != nil {
		t.Fatal(err)
	}
	dep := objs["Deployment/prod-orders-worker"].(*appsv1.Deployment)
	so := objs["ScaledObject/prod-orders-worker-scaler"].(*kedav1alpha1.ScaledObject)
	svc := objs["Service/prod-orders-worker"].(*corev1.Service)
	sa := objs["ServiceAccount/prod-orders-worker"].(*corev1.ServiceAccount)
	if dep == nil || so == nil || svc == nil || sa == nil {
		t.Fatalf("namePrefix: objects %v", keys(objs))
	}

	t.Run("namePrefix keeps the ScaledObject on the renamed Deployment", func(t *testing.T) {
		if got := so.Spec.ScaleTargetRef.Name; got != dep.Name {
			t.Errorf("scaleTargetRef.name = %q, want %q", got, dep.Name)
		}
		if got := dep.Spec.Template.Spec.ServiceAccountName; got != sa.Name {
			t.Errorf("serviceAccountName = %q, want %q", got, sa.Name)
		}
	})
	t.Run("namespace", func(t *testing.T) {
		for _, ns := range []string{dep.Namespace, so.Namespace, svc.Namespace, sa.Namespace} {
			if ns != "orders-prod" {
				t.Errorf("namespace %q, want orders-prod", ns)
			}
		}
	})
	t.Run("labels", func(t *testing.T) {
		for _, l := range []map[string]string{dep.Labels, so.Labels, svc.Labels, sa.Labels} {
			if l["env"] != "production" || l["team"] != "orders" {
				t.Errorf("labels %v", l)
			}
		}
		if _, inSelector := dep.Spec.Selector.MatchLabels["env"]; inSelector {
			t.Error("includeSelectors: false, yet env is in the selector")
		}
	})
	t.Run("images rewrites the init container too", func(t *testing.T) {
		want := "ghcr.io/acme/orders-worker:v2.4.0"
		if got := dep.Spec.Template.Spec.Containers[0].Image; got != want {
			t.Errorf("container image %q", got)
		}
		if got := dep.Spec.Template.Spec.InitContainers[0].Image; got != want {
			t.Errorf("init container image %q", got)
		}
	})
	t.Run("patches", func(t *testing.T) {
		if dep.Spec.Template.Spec.PriorityClassName != "business-critical" {
			t.Error("Deployment patch not applied")
		}
		if so.Spec.MaxReplicaCount == nil || *so.Spec.MaxReplicaCount != 50 {
			t.Error("ScaledObject patch not applied")
		}
	})
}

// TestOverlayNeedsKEDAConfiguration shows why the configurations: entry is
// shipped: without it kustomize renames the Deployment and leaves KEDA
// scaling a Deployment that does not exist.
func TestOverlayNeedsKEDAConfiguration(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteTree(t, dir, map[string]string{
		"base/kustomization.yaml":    "generators: [orders-worker.yaml]\n",
		"overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: prod-\n",
	})
	copyFile(t, "overlays/base/orders-worker.yaml", filepath.Join(dir, "base/orders-worker.yaml"))
	out, err := testutil.Kustomize(t, filepath.Join(dir, "overlay"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := testutil.Typed(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := objs["ScaledObject/prod-orders-worker-scaler"].(*kedav1alpha1.ScaledObject).Spec.ScaleTargetRef.Name; got != "orders-worker" {
		t.Fatalf("kustomize now follows scaleTargetRef by itself (%q): the configurations: advice is obsolete", got)
	}
}

// TestShippedConfigurationCopies: every example's copy of the KEDA
// configuration is the canonical kustomize/keda-configuration.yaml.
func TestShippedConfigurationCopies(t *testing.T) {
	want, err := os.ReadFile("../kustomize/keda-configuration.yaml")
	if err != nil {
		t.Fatal(err)
	}
	copies, _ := filepath.Glob("*/*/keda-configuration.yaml")
	more, _ := filepath.Glob("*/keda-configuration.yaml")
	for _, c := range append(copies, more...) {
		got, _ := os.ReadFile(c)
		if string(got) != string(want) {
			t.Errorf("%s differs from kustomize/keda-configuration.yaml", c)
		}
	}
	if len(copies)+len(more) == 0 {
		t.Error("no example uses the KEDA configuration")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
