// Command noop does nothing: a Go program's start-up and exit, the floor
// bench/run sets one service through eds-fn against (the Go runtime starts
// the same way for both; the difference is eds-fn's dependencies and work).
package main

func main() {}
