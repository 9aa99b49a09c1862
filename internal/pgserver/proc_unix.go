//go:build unix

package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// Signals that ask the postmaster for a fast shutdown (roll back, disconnect,
// checkpoint) and an immediate one (quit at once).
var (
	fastShutdownSignal      os.Signal = syscall.SIGINT
	immediateShutdownSignal os.Signal = syscall.SIGQUIT
)

// serverOSUser is the account PostgreSQL runs as when we run as root.
const serverOSUser = "postgres"

// osUser is the account the server processes run as; nil means the current one.
type osUser struct {
	name     string
	uid, gid int
}

// serverUser returns the account to run PostgreSQL as: the current one,
// unless that is root, which PostgreSQL refuses; then serverOSUser.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverOSUser)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as another user, but looking up OS user %q failed: %w", serverOSUser, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("OS user %q has non-numeric uid %q", serverOSUser, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("OS user %q has non-numeric gid %q", serverOSUser, u.Gid)
	}
	return &osUser{name: u.Username, uid: uid, gid: gid}, nil
}

// chown gives path to u; it does nothing when u is nil.
func (u *osUser) chown(path string) error {
	if u == nil {
		return nil
	}
	if err := os.Chown(path, u.uid, u.gid); err != nil {
		return fmt.Errorf("give %s to OS user %q: %w", path, u.name, err)
	}
	return nil
}

// credential is the SysProcAttr credential that runs a child as u.
func (u *osUser) credential() *syscall.Credential {
	if u == nil {
		return nil
	}
	return &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), NoSetGroups: true}
}

// processAlive reports whether a process with this pid exists. A process we
// may not signal (EPERM) exists too.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
