//go:build !library_yaml

package resourcelist

// fastEmit says whether plain block items are written by emitItem (emit.go)
// rather than by yaml.v3's encoder. Building with "-tags library_yaml"
// turns it off; "make bench" times both.
const fastEmit = true
