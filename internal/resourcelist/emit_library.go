//go:build library_yaml

package resourcelist

// fastEmit is off: every item is written by yaml.v3's encoder (see
// emit_fast.go).
const fastEmit = false
