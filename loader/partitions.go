package loader

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Partition maintenance runs beside the refresher: at start, then every
// maintenanceInterval (a minute after a failure).
const maintenanceInterval = 10 * time.Minute

// maintainPartitions creates the leaves of ConversationEvent ahead of time,
// moves rows out of its default partition and applies retention, as
// analytics."EventPartitionSettings" says (analytics.maintain_event_partitions),
// until ctx is done.
func maintainPartitions(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	for {
		wait := maintenanceInterval
		var created, dropped int
		err := pool.QueryRow(ctx, `SELECT "created", "dropped" FROM analytics.maintain_event_partitions()`).Scan(&created, &dropped)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("partition maintenance failed; will retry", "error", err)
			wait = time.Minute
		case created > 0 || dropped > 0:
			log.Info("event partitions maintained", "created", created, "dropped", dropped)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
