// Package recompute rebuilds stored conversations from their events in
// chunks, one transaction each, as `analyticsdb recompute` does: a chunk
// holds off the loaders' inserts while it runs, so its size is chosen from
// how long the last one took (docs/performance.md, "Maintenance during
// ingestion").
package recompute

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Chunks bounds the chunks: at most Max conversations each, and about
// Target of time each (0: always Max).
type Chunks struct {
	Max    int
	Target time.Duration
}

// firstChunk is the size of the first chunk when it is bounded by time: a
// rebuild costs a few milliseconds per conversation.
const firstChunk = 100

// Conversations rebuilds the conversations counting on days from .. to (nil:
// unbounded) through analytics.recompute_conversations, chunk after chunk,
// and returns how many chunks it took. The statistics are left to
// analytics.recompute_statistics.
func Conversations(ctx context.Context, pool *pgxpool.Pool, from, to *time.Time, c Chunks) (int, error) {
	size := max(1, c.Max)
	if c.Target > 0 {
		size = min(size, firstChunk)
	}
	chunks := 0
	var after *[16]byte
	for {
		start := time.Now()
		// one transaction per chunk: a rebuild holds off inserts only while it runs
		if err := pool.QueryRow(ctx, `SELECT analytics.recompute_conversations($1::date, $2::date, $3, $4)`,
			from, to, after, size).Scan(&after); err != nil {
			return chunks, err
		}
		if after == nil {
			return chunks, nil
		}
		chunks++
		if took := time.Since(start); c.Target > 0 && took > 0 {
			// towards Target, at most doubling at a time; a slow box or a
			// chunk of long sessions shrinks the next one at once
			next := int(float64(size) * float64(c.Target) / float64(took))
			size = max(1, min(c.Max, 2*size, next))
		}
	}
}

// DefaultChunkTime is `analyticsdb recompute --chunk-time`: with a loader's
// batch commit, well under the 1 s an ingest may stall (docs/decisions.md,
// "Targets").
const DefaultChunkTime = 250 * time.Millisecond
