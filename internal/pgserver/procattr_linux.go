package pgserver

import "syscall"

// dieWithParent reports whether a child started with serverProcAttr(u, true)
// is signalled when this process dies.
const dieWithParent = true

// serverProcAttr runs a child as u in its own process group, so that a Ctrl-C
// in the terminal reaches only us and we decide how the server stops. With
// orphanSignal, the kernel sends the child a fast-shutdown signal when the
// thread that started it exits; see startPostmaster for how that thread is
// kept alive.
func serverProcAttr(u *osUser, orphanSignal bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Credential: u.credential(), Setpgid: true}
	if orphanSignal {
		attr.Pdeathsig = syscall.SIGINT
	}
	return attr
}
