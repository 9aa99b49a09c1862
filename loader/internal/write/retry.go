package write

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsTransient reports errors after which the same batch may well succeed:
// lost connections, a restarting or overloaded server, serialization
// failures, deadlocks, lock and statement timeouts.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "40"),  // serialization failure, deadlock
			strings.HasPrefix(pgErr.Code, "53"),  // insufficient resources
			strings.HasPrefix(pgErr.Code, "57P"), // admin/crash shutdown, cannot connect now
			pgErr.Code == "57014",                // statement timeout / query canceled
			pgErr.Code == "55P03":                // lock not available
			return true
		case pgErr.Code == "XX000":
			return isTransientOnAWorker(pgErr.Message)
		}
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	// pgx wraps some connection losses without a typed error.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection refused")
}

// Citus relays some errors of its workers as internal errors (XX000) that keep
// only the worker's message; these mean the batch may well succeed again.
var citusTransient = []string{
	"deadlock detected",
	"could not serialize access",
	"canceling statement due to lock timeout",
	"canceling statement due to statement timeout",
	"terminating connection",
	"connection to the remote node",
	"could not establish any connections to the node",
}

func isTransientOnAWorker(message string) bool {
	for _, prefix := range citusTransient {
		if strings.HasPrefix(message, prefix) {
			return true
		}
	}
	return false
}

// Backoff yields growing waits, 100 ms doubling to 10 s.
type Backoff struct{ next time.Duration }

func (b *Backoff) Wait(ctx context.Context) error {
	if b.next == 0 {
		b.next = 100 * time.Millisecond
	}
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(2*b.next, 10*time.Second)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
