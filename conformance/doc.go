// Package conformance holds tests only: it checks that what eds-fn accepts
// the API server accepts, and that what eds-fn refuses in the API server's
// name the API server refuses too.
package conformance
