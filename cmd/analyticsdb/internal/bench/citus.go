package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/pgserver"
)

// With Options.Citus the bench runs on a Citus coordinator and two workers
// that pgserver starts (or on Options.Cluster), each database laid out as
// production would lay it out: db.Migrate, then db.Distribute, with
// citus.shard_count set on the database first when Options.ShardCount asks.
// The bare COPY goes into a bench_bare distributed on "conversationId" like
// the events. The loader connects to the coordinator; PostgreSQL's CPU is
// that of all three servers, and also reported per server.

// citusServer starts the cluster (or takes o.Cluster) and returns it, a
// meter of every node's processes and how to stop what it started.
func citusServer(ctx context.Context, o Options) (*pgserver.CitusCluster, cpuMeter, func(), error) {
	c, stop := o.Cluster, func() {}
	if c == nil {
		var err error
		c, err = pgserver.StartCitus(ctx, pgserver.Options{Settings: benchSettings(o)}, 0)
		if err != nil {
			return nil, cpuMeter{}, nil, err
		}
		stop = func() { _ = c.Stop() }
	}
	var meter cpuMeter
	for _, s := range c.Nodes() {
		pid, ok := s.ProcessID()
		if !ok {
			meter.postmasters = nil // not ours to read (all or none)
			break
		}
		meter.postmasters = append(meter.postmasters, pid)
	}
	return c, meter, stop, nil
}

// freshCitusDatabase creates database name on every node of c (dropping an
// older one), migrates it and distributes it.
func freshCitusDatabase(ctx context.Context, c *pgserver.CitusCluster, name string, shardCount int) (string, error) {
	if err := c.DropDatabase(ctx, name); err != nil {
		return "", err
	}
	if err := c.CreateDatabase(ctx, name); err != nil {
		return "", err
	}
	url := c.DatabaseURL(name)
	if shardCount > 0 {
		if err := c.SetShardCount(ctx, name, shardCount); err != nil {
			return "", err
		}
	}
	if err := db.Migrate(ctx, url, io.Discard); err != nil {
		return "", err
	}
	return url, db.Distribute(ctx, url, io.Discard)
}

// settleWorkers checkpoints the workers too, when pool's database is on
// Citus, and reports whether it is. The shards' indexes are then not read
// into shared_buffers: they live on the workers, out of prewarm's reach.
func settleWorkers(ctx context.Context, pool *pgxpool.Pool) (citus bool, err error) {
	if citus, err = db.HasCitus(ctx, pool); err != nil || !citus {
		return false, err
	}
	var failed int
	err = pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT success) FROM run_command_on_workers('CHECKPOINT')`).Scan(&failed)
	if err == nil && failed > 0 {
		err = fmt.Errorf("CHECKPOINT failed on %d workers", failed)
	}
	return true, err
}

// nodeNames names the servers of a meter's per-node figures.
func nodeNames(n int) []string {
	names := []string{"coordinator"}
	for i := 1; i < n; i++ {
		names = append(names, "worker "+strconv.Itoa(i))
	}
	return names
}

// benchSettings are the settings of the servers the bench starts: both
// sides run on the same server(s); autovacuum is off so that neither is
// measured while it vacuums what the other wrote (settle runs it).
func benchSettings(o Options) map[string]string {
	return map[string]string{
		"shared_buffers": cmp.Or(o.SharedBuffers, "1GB"), "max_wal_size": "8GB", "checkpoint_timeout": "30min", "autovacuum": "off",
	}
}
