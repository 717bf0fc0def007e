package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
)

// aliasAmplifier is a ResourceList of about size bytes that asks for n
// times as much output: one string of size bytes, anchored outside the
// items, and n aliases of it in a ConfigMap.
func aliasAmplifier(size, n int) string {
	var b strings.Builder
	b.WriteString(rlHead + asConfig(natsHeadlessConfig))
	b.WriteString("big: &big " + strings.Repeat("x", size) + "\n")
	b.WriteString("items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: amplified}\n  data:\n")
	for i := range n {
		fmt.Fprintf(&b, "    k%05d: *big\n", i)
	}
	return b.String()
}

// manyBadTriggers is a ResourceList with one ScaledObject of n
// nats-jetstream triggers whose metadata is not a mapping: n warnings.
func manyBadTriggers(n int) string {
	var b strings.Builder
	b.WriteString(rlHead + asConfig(natsHeadlessConfig))
	b.WriteString("items:\n- apiVersion: keda.sh/v1alpha1\n  kind: ScaledObject\n  metadata: {name: many, namespace: shop}\n  spec:\n    scaleTargetRef: {name: many}\n    triggers:\n")
	for i := range n {
		fmt.Fprintf(&b, "    - {type: nats-jetstream, name: trigger-%06d, metadata: [not, a, mapping, of, keda, parameters, %06d]}\n", i, i)
	}
	return b.String()
}

// TestWriteHostileInputs writes the inputs the README's limits were
// measured with (/usr/bin/time -v eds-fn < FILE) into
// $EDS_FN_WRITE_HOSTILE: a 1 MiB string with 1,000 aliases (1.06 MB), and
// one ScaledObject with 100,000 bad triggers (12.5 MB).
func TestWriteHostileInputs(t *testing.T) {
	dir := os.Getenv("EDS_FN_WRITE_HOSTILE")
	if dir == "" {
		t.Skip("set EDS_FN_WRITE_HOSTILE=DIR to write the inputs")
	}
	for name, data := range map[string]string{
		"aliases.yaml":  aliasAmplifier(1<<20, 1000),
		"triggers.yaml": manyBadTriggers(100_000),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAmplification: input that asks for far more output than it is, or
// for a result per line, is refused or summed up, in bounded memory
// (runHostile: under 1 GiB allocated, under 16 KiB of stderr).
func TestAmplification(t *testing.T) {
	for _, tc := range []hostileCase{
		{name: "a 1 MiB string and 1,000 aliases", in: aliasAmplifier(1<<20, 1000), code: 1,
			stderr: []string{"items[0] (ConfigMap amplified): YAML aliases", "bytes of values", "256 MiB", "write the values out"}},
		{name: "a 100 KiB string and 200 aliases", in: aliasAmplifier(100<<10, 200), code: 1,
			stderr: []string{"items[0] (ConfigMap amplified): YAML aliases", "more than 10 times"}},
		// Within the floor: an anchor used a few times is what anchors are for.
		{name: "a 100 KiB string and 9 aliases", in: aliasAmplifier(100<<10, 9), code: 0, out: generated, items: 1},
		{name: "20,000 bad triggers", in: manyBadTriggers(20_000), code: 0, out: generated, items: 1,
			stderr: []string{"spec.triggers[9].metadata", "and 19990 more results not shown (19990 warnings), 19990 of them about keda.sh/v1alpha1 ScaledObject shop/many"}},
	} {
		t.Run(tc.name, func(t *testing.T) { runHostile(t, tc) })
	}
}

// zeros is an endless stdin, as /dev/zero is.
type zeros struct{ read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// TestInputLimit: stdin and the plugin config are read up to the limit
// (EDS_FN_MAX_INPUT_BYTES, 64 MiB by default), and refused beyond it with
// the limit and the variable to raise it.
func TestInputLimit(t *testing.T) {
	z := &zeros{}
	var out, errOut bytes.Buffer
	if code := cli.Main(nil, z, &out, &errOut); code != 1 || out.Len() != 0 ||
		!strings.Contains(errOut.String(), "stdin is larger than 67108864 bytes (64 MiB)") || !strings.Contains(errOut.String(), "EDS_FN_MAX_INPUT_BYTES") {
		t.Errorf("endless stdin: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errOut.String())
	}
	if z.read > 65<<20 {
		t.Errorf("read %d bytes of an endless stdin", z.read)
	}

	t.Setenv("EDS_FN_MAX_INPUT_BYTES", "1000")
	big := rlHead + "items:\n" + asItem(configMap) + "# " + strings.Repeat("x", 1000) + "\n"
	out.Reset()
	errOut.Reset()
	if code := cli.Main(nil, strings.NewReader(big), &out, &errOut); code != 1 || out.Len() != 0 || !strings.Contains(errOut.String(), "stdin is larger than 1000 bytes") {
		t.Errorf("stdin over a raised limit: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := cli.Main(nil, strings.NewReader(rlHead+"items:\n"+asItem(configMap)), &out, &errOut); code != 0 {
		t.Errorf("stdin within the limit: exit %d, stderr %q", code, errOut.String())
	}

	cfg := filepath.Join(t.TempDir(), "expand.yaml")
	if err := os.WriteFile(cfg, []byte(expandConfig+"# "+strings.Repeat("x", 1000)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := cli.RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(""), &out, &errOut, cli.DefaultProcessors); code != 1 ||
		!strings.Contains(errOut.String(), "the plugin config "+cfg+" is larger than 1000 bytes") {
		t.Errorf("plugin config over the limit: exit %d, stderr %q", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := cli.RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(big), &out, &errOut, cli.DefaultProcessors); code != 1 ||
		!strings.Contains(errOut.String(), "is larger than 1000 bytes") {
		t.Errorf("plugin stdin over the limit: exit %d, stderr %q", code, errOut.String())
	}

	for _, bad := range []string{"lots", "-1", "0", "1e9"} {
		t.Setenv("EDS_FN_MAX_INPUT_BYTES", bad)
		out.Reset()
		errOut.Reset()
		if code := cli.Main(nil, strings.NewReader(goodRL), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), fmt.Sprintf("EDS_FN_MAX_INPUT_BYTES=%q: want a positive number of bytes", bad)) {
			t.Errorf("EDS_FN_MAX_INPUT_BYTES=%s: exit %d, stderr %q", bad, code, errOut.String())
		}
	}
}
