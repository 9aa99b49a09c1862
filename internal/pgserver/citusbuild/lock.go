//go:build unix

package citusbuild

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lock takes an exclusive lock on path, shared with other processes (go
// test runs packages in parallel, and more than one may want Citus), and
// returns its release. It waits until the holder is done or ctx ends.
func lock(ctx context.Context, path string, logf func(string, ...any)) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("citusbuild: lock: %w", err)
	}
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("citusbuild: lock %s: %w", path, err)
		}
		if !waited {
			logf("citusbuild: waiting for another process that holds %s", path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("citusbuild: waiting for %s: %w", path, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
