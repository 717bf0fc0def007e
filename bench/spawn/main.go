// Command spawn runs the commands bench/run gives it on stdin (JSON), round
// by round, and prints the wall time and peak RSS of every run (JSON).
//
// It is its own small program, importing nothing but the standard library,
// because of how Linux reports a child's peak RSS: a child started with
// vfork (as Go starts children) counts its parent's peak RSS as its own
// until it execs. Started from here, every command inherits this program's
// peak of about 2 MiB, not that of bench/run, which holds the inputs; the
// report prints that floor.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Command and Sample are bench/run's types, as JSON.
type Command struct {
	Name  string
	Args  []string
	Stdin string
	Dir   string
	Env   []string
	Out   string
}

type Sample struct {
	Wall   time.Duration
	MaxRSS int64 // KiB
	Exit   int
}

type Group struct {
	Commands []Command
	Runs     int
}

func main() {
	var g Group
	if err := json.NewDecoder(os.Stdin).Decode(&g); err != nil {
		fail(err)
	}
	res := make([][]Sample, len(g.Commands))
	for range g.Runs {
		for i, c := range g.Commands {
			s, err := runOnce(c)
			if err != nil {
				fail(fmt.Errorf("%s: %v", c.Name, err))
			}
			res[i] = append(res[i], s)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "spawn: %v\n", err)
	os.Exit(1)
}

func runOnce(c Command) (Sample, error) {
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	if c.Stdin != "" {
		f, err := os.Open(c.Stdin)
		if err != nil {
			return Sample{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if c.Out != "" {
		f, err := os.Create(c.Out)
		if err != nil {
			return Sample{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return Sample{}, err
	}
	s := Sample{Wall: d, Exit: cmd.ProcessState.ExitCode()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSS = ru.Maxrss
	}
	if s.Exit != 0 {
		fmt.Fprintf(os.Stderr, "%s: %s", c.Name, errOut.String())
	}
	return s, nil
}
