package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Everything eds-fn reads (stdin, the exec plugin's config, the files of
// "eds-fn generate") is read whole, so it is bounded: /dev/zero or a log on
// stdin would otherwise fill the memory. The default, 64 MiB, is far above
// real inputs (10,000 services are 7.1 MiB, 10,000 hand-written resources
// about 3 MiB: BENCHMARKS.md) and low enough to fail at once on an
// accident: parsed, YAML takes about 50 times its size in memory, so 64 MiB
// is already about 3 GiB.
const (
	defaultMaxInput = 64 << 20
	envMaxInput     = "EDS_FN_MAX_INPUT_BYTES"
)

const errTooBig = "%s is larger than %s: refused, eds-fn reads its input whole; if the input is meant to be that large, set %s to a larger number of bytes"

// maxInput is the input limit in bytes: EDS_FN_MAX_INPUT_BYTES when set.
func maxInput() (int64, error) {
	s := strings.TrimSpace(os.Getenv(envMaxInput))
	if s == "" {
		return defaultMaxInput, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number of bytes, such as %d (64 MiB, the default)", envMaxInput, s, defaultMaxInput)
	}
	return n, nil
}

// readLimited reads r whole, refusing more than maxInput bytes; what names
// the input in the message ("stdin", "the plugin config x.yaml").
func readLimited(r io.Reader, what string) ([]byte, error) {
	limit, err := maxInput()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	if int64(len(data)) > limit {
		return nil, tooBig(what, limit)
	}
	return data, nil
}

// tooBig is the error for an input of more than limit bytes.
func tooBig(what string, limit int64) error {
	return fmt.Errorf(errTooBig, what, bytesText(limit), envMaxInput)
}

// bytesText is "100 bytes", or "67108864 bytes (64 MiB)".
func bytesText(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d bytes (%s)", n, mib(n))
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// readFileLimited is os.ReadFile within the input limit; what names the
// file in messages.
func readFileLimited(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	defer f.Close()
	return readLimited(f, what)
}
