package pgserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// errExited reports that the server process ended while we waited for it.
var errExited = errors.New("server process exited")

// waitReady polls connURL until a connection succeeds, ctx ends, or exited
// (which may be nil) is closed.
func waitReady(ctx context.Context, connURL string, exited <-chan struct{}) error {
	cfg, err := pgx.ParseConfig(connURL)
	if err != nil {
		return fmt.Errorf("parse server URL: %w", err)
	}
	cfg.ConnectTimeout = 2 * time.Second
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("server not accepting connections: %w (last attempt: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}
