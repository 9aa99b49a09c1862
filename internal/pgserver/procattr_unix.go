//go:build unix && !linux

package pgserver

import "syscall"

// dieWithParent reports whether a child started with serverProcAttr(u, true)
// is signalled when this process dies: only Linux has a parent-death signal.
const dieWithParent = false

// serverProcAttr runs a child as u in its own process group, so that a Ctrl-C
// in the terminal reaches only us and we decide how the server stops.
func serverProcAttr(u *osUser, _ bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: u.credential(), Setpgid: true}
}
