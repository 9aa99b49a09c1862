package bench

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestProcessCPUCountsOwnAndReapedChildrenTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	self0, reaped0, parent := processCPU(os.Getpid())
	if parent != os.Getppid() {
		t.Errorf("parent %d, want %d", parent, os.Getppid())
	}
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
	}
	// A child that burns CPU and exits: its time moves to our reaped time.
	busy := exec.Command("/bin/sh", "-c", `i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done`)
	if err := busy.Run(); err != nil {
		t.Skipf("no shell to burn CPU in: %v", err)
	}
	childCPU := busy.ProcessState.UserTime() + busy.ProcessState.SystemTime()
	self1, reaped1, _ := processCPU(os.Getpid())
	if d := self1 - self0; d < 200*time.Millisecond {
		t.Errorf("own CPU grew by %s over a 300 ms busy loop", d)
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
