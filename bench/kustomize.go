package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bizmatters/eds-fn/generator"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kustomizations are the forms of one build of n services, and two floors:
// builds whose function does no work, that show what kustomize's function
// plumbing costs by itself.
type Kustomizations struct {
	// PerFile lists one generator file per service.
	PerFile string
	// Bulk lists the services as resources and one ExpandEventDrivenServices
	// transformer.
	Bulk string
	// HandWritten lists the 4n objects the function generates, as files.
	HandWritten string
	// BulkZeroWork is Bulk with a shell script in eds-fn's place that runs
	// eds-fn once (on PATH), keeps its output, and from then on prints that
	// output without running anything: kustomize's transformer plumbing, with
	// eds-fn's cost taken out. Build it once before timing it.
	BulkZeroWork string
	// PerFilePlugin is PerFile without the function annotations: each
	// generator file runs eds-fn as kustomize's exec plugin.
	PerFilePlugin string
	// BulkPlugin is Bulk with a config that has no function annotation:
	// kustomize runs eds-fn as its exec plugin for ExpandEventDrivenServices,
	// found under KUSTOMIZE_PLUGIN_HOME (cli.LinkPlugins lays it out).
	BulkPlugin string
	// GeneratorZeroWork is one generator whose config holds nothing but its
	// name, and a script that prints the 4n objects: the least that any
	// function in the generator position costs for this output, whatever
	// its API (eds-fn has no such one).
	GeneratorZeroWork string
}

// zeroWorkScript prints what eds-fn printed for the same input, the first
// time: kustomize sends the same ResourceList to the transformer on every
// build of the same tree.
const zeroWorkScript = `#!/bin/sh
if [ ! -s eds-fn-output.yaml ]; then
  eds-fn > eds-fn-output.tmp || exit 1
  mv eds-fn-output.tmp eds-fn-output.yaml
  exec cat eds-fn-output.yaml
fi
cat > /dev/null
exec cat eds-fn-output.yaml
`

// WriteKustomizations writes the kustomizations of n services under dir.
// The hand-written objects are what eds-fn generates for the same services
// (in-process), so every build prints the same objects.
func WriteKustomizations(dir string, n int) (Kustomizations, error) {
	k := Kustomizations{
		PerFile:           filepath.Join(dir, "per-file"),
		Bulk:              filepath.Join(dir, "bulk"),
		HandWritten:       filepath.Join(dir, "hand-written"),
		BulkZeroWork:      filepath.Join(dir, "bulk-zero-work"),
		GeneratorZeroWork: filepath.Join(dir, "generator-zero-work"),
		BulkPlugin:        filepath.Join(dir, "bulk-plugin"),
		PerFilePlugin:     filepath.Join(dir, "per-file-plugin"),
	}
	files := map[string]string{}
	var gens, res, hand []string
	var objects strings.Builder
	objects.WriteString(rlHeader + "items:\n")
	for i := range n {
		name := ServiceName(i)
		files["per-file/"+name+".yaml"] = Service(i, `config.kubernetes.io/function: "exec:\n  path: eds-fn\n"`)
		files["per-file-plugin/"+name+".yaml"] = Service(i)
		gens = append(gens, name+".yaml")
		files["bulk/services/"+name+".yaml"] = Service(i)
		files["bulk-zero-work/services/"+name+".yaml"] = Service(i)
		files["bulk-plugin/services/"+name+".yaml"] = Service(i)
		res = append(res, "services/"+name+".yaml")

		objs, errs := generator.Expand(yaml.MustParse(Service(i)))
		if len(errs) > 0 {
			return k, fmt.Errorf("service %d: %v", i, errs.ToAggregate())
		}
		var buf bytes.Buffer
		if err := (kio.ByteWriter{Writer: &buf}).Write(objs); err != nil {
			return k, err
		}
		files["hand-written/"+name+".yaml"] = buf.String()
		hand = append(hand, name+".yaml")
		for _, o := range objs {
			objects.WriteString(indent(o.MustString(), "- ", "  "))
		}
	}
	files["per-file/kustomization.yaml"] = kustomization("generators", gens)
	files["per-file-plugin/kustomization.yaml"] = files["per-file/kustomization.yaml"]
	files["bulk/kustomization.yaml"] = kustomization("resources", res) + "transformers:\n- expand.yaml\n"
	files["bulk/expand.yaml"] = expandConfig
	files["bulk-zero-work/kustomization.yaml"] = files["bulk/kustomization.yaml"]
	files["bulk-zero-work/expand.yaml"] = strings.Replace(expandConfig, "path: eds-fn", "path: ./zero-work.sh", 1)
	files["bulk-zero-work/zero-work.sh"] = zeroWorkScript
	files["bulk-plugin/kustomization.yaml"] = files["bulk/kustomization.yaml"]
	files["bulk-plugin/expand.yaml"] = expandPluginConfig
	files["generator-zero-work/kustomization.yaml"] = kustomization("generators", []string{"services.yaml"})
	files["generator-zero-work/services.yaml"] = generatorConfig
	files["generator-zero-work/objects.yaml"] = objects.String()
	files["generator-zero-work/zero-work.sh"] = "#!/bin/sh\ncat > /dev/null\nexec cat objects.yaml\n"
	files["hand-written/kustomization.yaml"] = kustomization("resources", hand)
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return k, err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return k, err
		}
	}
	return k, nil
}

// generatorConfig is the config of GeneratorZeroWork's generator.
const generatorConfig = `apiVersion: bench.example.com/v1
kind: Workers
metadata:
  name: workers
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./zero-work.sh
`

func kustomization(key string, files []string) string {
	var b strings.Builder
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + key + ":\n")
	for _, f := range files {
		b.WriteString("- " + f + "\n")
	}
	return b.String()
}

// expandPluginConfig is expandConfig for kustomize's exec plugin API: no
// function annotation.
const expandPluginConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: ExpandEventDrivenServices
metadata:
  name: expand
`
