package loader

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// refresher runs analytics.refresh_statistics after committed batches and on
// an interval, on its own connection, so statistics follow ingestion within
// about a second. Refreshes start at most every half interval: under load a
// refresh covers many batches, and its cost (proportional to the dirty
// groups' sizes, not to the batches) does not grow with the batch rate.
type refresher struct {
	pool     *pgxpool.Pool
	interval time.Duration
	log      *slog.Logger
	kick     chan struct{}
	Metrics  *metrics // optional
}

// newRefresher makes a refresher.
func newRefresher(pool *pgxpool.Pool, interval time.Duration, log *slog.Logger) *refresher {
	return &refresher{pool: pool, interval: interval, log: log, kick: make(chan struct{}, 1)}
}

// Kick asks for a refresh soon; it never blocks.
func (r *refresher) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run refreshes, and maintains the event partitions beside, until ctx is done.
func (r *refresher) Run(ctx context.Context) {
	go maintainPartitions(ctx, r.pool, r.log)
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-r.kick:
			if wait := time.Until(last.Add(r.interval / 2)); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
		last = time.Now()
		r.RefreshOnce(ctx, false)
	}
}

// RefreshOnce runs one refresh; with wait it waits for a concurrent one to end.
func (r *refresher) RefreshOnce(ctx context.Context, wait bool) (int, error) {
	start := time.Now()
	var work int
	var quarantined int64
	err := r.pool.QueryRow(ctx, `SELECT analytics.refresh_statistics($1),
		(SELECT count(*) FROM analytics."QuarantinedStatisticsGroup")`, wait).Scan(&work, &quarantined)
	took := time.Since(start)
	switch {
	case err != nil && ctx.Err() == nil:
		r.Metrics.RefreshFailed()
		r.log.Warn("statistics refresh failed; will retry", "error", err)
	case err == nil && work >= 0:
		r.Metrics.RefreshDone(start, took)
		r.Metrics.SetQuarantined(quarantined)
		if work > 0 {
			r.log.Debug("statistics refreshed", "work", work, "took", took)
		}
	}
	return work, err
}
