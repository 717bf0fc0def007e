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
	r.printf("### Binary size\n\n`%s`: %d bytes (%.1f MB)", filepath.Base(r.bin), fi.Size(), mb)
	x := row{Order: "z", What: "static binary size", Figure: fmt.Sprintf("%.1f MB", mb), Against: "—", Ratio: "—", Target: "≤ 20 MB", Met: mb <= 20}
	if bi, err := os.Stat(r.base); r.base != "" && err == nil {
		bmb := float64(bi.Size()) / 1e6
		r.printf("; %s: %d bytes (%.1f MB)", r.baseName(), bi.Size(), bmb)
		x.Against, x.Ratio = fmt.Sprintf("%s: %.1f MB", r.baseName(), bmb), ratio(mb/bmb)
	}
	r.printf(".\n\n")
	r.row(x)
	return nil
}
