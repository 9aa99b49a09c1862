package loader

import (
	"context"
	"log/slog"
	"time"
)

// writer writes batches through a Store, retrying transient database errors
// with backoff, logging once per batch, and kicking the statistics refresh.
type writer struct {
	store     *store
	refresher *refresher // optional
	metrics   *metrics   // optional
	log       *slog.Logger
}

// write prepares and commits b (see Commit).
func (w *writer) write(ctx context.Context, b *Batch) (Result, error) {
	p, err := w.store.prepare(b)
	if err != nil {
		return Result{}, err
	}
	return w.commit(ctx, p)
}

// commit stores a prepared batch, retrying while the error is transient and
// ctx is live.
func (w *writer) commit(ctx context.Context, p *decodedBatch) (Result, error) {
	var bo backoff
	for attempt := 1; ; attempt++ {
		res, err := w.store.commit(ctx, p)
		if err == nil {
			w.report(p.batch, res)
			if w.refresher != nil {
				w.refresher.Kick()
			}
			return res, nil
		}
		if !isTransient(err) || ctx.Err() != nil {
			w.metrics.batchFailed()
			return Result{}, err
		}
		w.metrics.batchRetried()
		w.log.Warn("batch not stored; retrying", "attempt", attempt, "messages", len(p.batch.Messages),
			"first", p.batch.Messages[0].Pos.String(), "error", err)
		if err := bo.wait(ctx); err != nil {
			return Result{}, err
		}
	}
}

func (w *writer) report(b *Batch, res Result) {
	w.metrics.batchStored(res)
	attrs := []any{"messages", res.Messages, "stored", res.Stored, "duplicates", res.Duplicates,
		"rejected", res.RejectedTotal(), "took", res.Elapsed.Round(time.Millisecond)}
	if len(b.Messages) > 0 {
		attrs = append(attrs, "first", b.Messages[0].Pos.String(), "last", b.Messages[len(b.Messages)-1].Pos.String())
	}
	if res.RejectedTotal() > 0 {
		for reason, n := range res.Rejected {
			attrs = append(attrs, "rejected_"+string(reason), n)
		}
		w.log.Warn("batch stored with rejected messages (see table RejectedEvent)", attrs...)
		return
	}
	w.log.Debug("batch stored", attrs...)
}
