package pgserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// How long a postmaster gets for each shutdown mode before the next, harsher one.
const (
	fastShutdownTimeout      = 30 * time.Second
	immediateShutdownTimeout = 5 * time.Second
)

// postmaster is a running postgres server process.
type postmaster struct {
	proc   *os.Process
	exited chan struct{} // closed once the process has been reaped
}

// startPostmaster starts the server binary with its output appended to logFile.
//
// The Linux parent-death signal fires when the OS thread that forked the child
// exits, not when our process does, and Go may retire threads. So the child is
// started and waited for by a goroutine locked to its thread for the child's
// whole life: the signal then fires only when our process dies.
func startPostmaster(bin string, args []string, dir string, u *osUser, logFile *os.File) (*postmaster, error) {
	p := &postmaster{exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(p.exited)
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = childEnv()
		cmd.Stdout = logFile
		cmd.Stderr = logFile
		cmd.SysProcAttr = serverProcAttr(u, dieWithParent)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.proc = cmd.Process
		started <- nil
		_ = cmd.Wait() // the exit status is in the server log
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return p, nil
}

// stop shuts the postmaster down, escalating from fast to immediate shutdown
// to kill when it does not exit in time, and waits until it has exited.
func (p *postmaster) stop() error {
	steps := []struct {
		signal  os.Signal
		timeout time.Duration
	}{
		{fastShutdownSignal, fastShutdownTimeout},
		{immediateShutdownSignal, immediateShutdownTimeout},
		{os.Kill, immediateShutdownTimeout},
	}
	for _, step := range steps {
		// An error means the process is gone or going; exited tells which.
		_ = p.proc.Signal(step.signal)
		select {
		case <-p.exited:
			return nil
		case <-time.After(step.timeout):
		}
	}
	return fmt.Errorf("postmaster (pid %d) did not exit after kill", p.proc.Pid)
}

// runTool runs a PostgreSQL client program such as initdb to completion, and
// returns an error holding the end of its output if it fails.
func runTool(ctx context.Context, bin string, args []string, dir string, u *osUser) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.SysProcAttr = serverProcAttr(u, false)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w; output:\n%s", bin, err, lastLines(out.String(), 20))
	}
	return nil
}

// childEnv is our environment without the PG* variables, which would
// otherwise redirect the server tools to another data directory or server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// lastLines returns at most n trailing lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
