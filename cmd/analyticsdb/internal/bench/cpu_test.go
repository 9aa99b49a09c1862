package bench

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProcessCPUCountsOwnAndReapedChildrenTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	rusage0 := rusageCPU()
	self0, reaped0, parent := processCPU(os.Getpid())
	if parent != os.Getppid() {
		t.Errorf("parent %d, want %d", parent, os.Getppid())
	}
	// Burn 300 ms of CPU as the kernel counts it (getrusage), not 300 ms of
	// wall time: on a busy machine a wall-clock loop gets a fraction of a core.
	for start := time.Now(); rusageCPU() < 300*time.Millisecond+rusage0 && time.Since(start) < 20*time.Second; {
	}
	// A child that burns CPU and exits: its time moves to our reaped time.
	busy := exec.Command("/bin/sh", "-c", `i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done`)
	if err := busy.Run(); err != nil {
		t.Skipf("no shell to burn CPU in: %v", err)
	}
	childCPU := busy.ProcessState.UserTime() + busy.ProcessState.SystemTime()
	self1, reaped1, _ := processCPU(os.Getpid())
	if d := self1 - self0; d < 200*time.Millisecond {
		t.Errorf("own CPU grew by %s over a busy loop of 300 ms of CPU", d)
	}
	if d := reaped1 - reaped0; d < childCPU/2 {
		t.Errorf("reaped CPU grew by %s; the child used %s", d, childCPU)
	}
	if processTreeCPU(os.Getpid()) < self1+reaped1 {
		t.Error("the tree's CPU is less than its root's")
	}
	if self, reaped, parent := processCPU(1 << 30); self != 0 || reaped != 0 || parent != 0 {
		t.Error("a process that does not exist has CPU time")
	}
}

// rusageCPU is this process's user and system time as getrusage reports it.
func rusageCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The table prints CPU per server for a Citus run only, and a single
// server's run (no per-server figures) prints without them.
func TestPrintCPUByServer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		perNode []float64
		rows    int
	}{{"one server", nil, 0}, {"citus", []float64{1, 2, 3}, 6}} {
		var out bytes.Buffer
		print(&out, Result{CPU: &CPUPerThousand{BareCopyPostgresByNode: tc.perNode, EndToEndPostgresByNode: tc.perNode}})
		if got := strings.Count(out.String(), "PostgreSQL on the "); got != tc.rows {
			t.Errorf("%s: %d rows per server, want %d:\n%s", tc.name, got, tc.rows, out.String())
		}
	}
}
