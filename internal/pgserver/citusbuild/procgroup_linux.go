package citusbuild

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own and makes the context's
// cancellation kill the whole group: make and the compilers, not only bash.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
