package pgserver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// CreateDatabase creates database name on every node of the cluster, creates
// the citus extension in each, and registers the coordinator and the workers
// in the coordinator's copy, so that tables of name can then be distributed
// (create_distributed_table) from DatabaseURL(name).
func (c *CitusCluster) CreateDatabase(ctx context.Context, name string) error {
	nodes := c.Nodes()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() {
			if err := CreateDatabase(ctx, s.URL(), name, ""); err != nil {
				errs[i] = err
				return
			}
			if err := execOn(ctx, s.DatabaseURL(name), "CREATE EXTENSION citus"); err != nil {
				errs[i] = fmt.Errorf("create extension citus in %s on port %d: %w", quoteIdent(name), s.port, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("create Citus database: %w", err)
	}
	// Registering a node alters the role on the workers, which are shared by
	// every database: two registrations at once fail with "tuple
	// concurrently updated".
	c.registering.Lock()
	defer c.registering.Unlock()
	conn, err := pgx.Connect(ctx, c.DatabaseURL(name))
	if err != nil {
		return fmt.Errorf("create Citus database %s: connect to the coordinator: %w", quoteIdent(name), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT citus_set_coordinator_host($1, $2)", c.Coordinator.host, c.Coordinator.port); err != nil {
		return fmt.Errorf("create Citus database %s: set the coordinator host: %w", quoteIdent(name), err)
	}
	for _, w := range c.Workers {
		if _, err := conn.Exec(ctx, "SELECT citus_add_node($1, $2)", w.host, w.port); err != nil {
			return fmt.Errorf("create Citus database %s: add worker on port %d: %w; the worker's log ends:\n%s",
				quoteIdent(name), w.port, err, w.logTail())
		}
	}
	return nil
}

// SetShardCount makes n the citus.shard_count of database name, for the
// sessions that then distribute its tables (Citus's default is 32).
// ALTER DATABASE takes no parameters: the value is set in the session, then
// stored FROM CURRENT.
func (c *CitusCluster) SetShardCount(ctx context.Context, name string, n int) error {
	conn, err := pgx.Connect(ctx, c.DatabaseURL(name))
	if err != nil {
		return fmt.Errorf("set citus.shard_count of %s: %w", quoteIdent(name), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT set_config('citus.shard_count', $1::integer::text, false)`, n); err != nil {
		return fmt.Errorf("set citus.shard_count of %s to %d: %w", quoteIdent(name), n, err)
	}
	_, err = conn.Exec(ctx, `DO $$ BEGIN
		EXECUTE format('ALTER DATABASE %I SET citus.shard_count FROM CURRENT', current_database());
	END $$`)
	if err != nil {
		return fmt.Errorf("set citus.shard_count of %s to %d: %w", quoteIdent(name), n, err)
	}
	return nil
}

// DropDatabase drops database name, if it exists, on every node, the
// coordinator first: it holds connections to the workers' copies.
func (c *CitusCluster) DropDatabase(ctx context.Context, name string) error {
	var errs []error
	for _, s := range c.Nodes() {
		if err := DropDatabase(ctx, s.URL(), name); err != nil {
			errs = append(errs, fmt.Errorf("on port %d: %w", s.port, err))
		}
	}
	return errors.Join(errs...)
}

// DatabaseURL is the URL of database name on the coordinator, where clients
// connect.
func (c *CitusCluster) DatabaseURL(name string) string { return c.Coordinator.DatabaseURL(name) }

// logTail is the end of a local server's log, for error messages.
func (s *Server) logTail() string {
	if c, ok := s.backend.(*localCluster); ok {
		return readLog(c.logPath, 0)
	}
	return "(not a local server)"
}
