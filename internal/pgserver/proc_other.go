//go:build !unix

package pgserver

import (
	"os"
	"syscall"
)

// Without POSIX signals the postmaster can only be killed.
var (
	fastShutdownSignal      os.Signal = os.Kill
	immediateShutdownSignal os.Signal = os.Kill
)

const dieWithParent = false

type osUser struct{}

func serverUser() (*osUser, error) { return nil, nil }

func (*osUser) chown(string) error { return nil }

func serverProcAttr(*osUser, bool) *syscall.SysProcAttr { return nil }

// processAlive cannot tell here, so it never lets a directory look abandoned.
func processAlive(int) bool { return true }
