package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func (r *runner) size() error {
	fi, err := os.Stat(r.bin)
	if err != nil {
		return err
	}
	mb := float64(fi.Size()) / 1e6
	r.printf("## Binary size\n\n`%s`: %d bytes (%.1f MB).\n\n", filepath.Base(r.bin), fi.Size(), mb)
	r.verdict("static binary ≤ 20 MB", mb <= 20, fmt.Sprintf("%.1f MB", mb))
	return nil
}
