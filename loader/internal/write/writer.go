package write

import (
	"context"
	"log/slog"
	"time"
)

// Writer writes batches through a Store, retrying transient database errors
// with backoff, logging once per batch, and kicking the statistics refresh.
type Writer struct {
	Store     *Store
	Refresher interface{ Kick() } // optional: asked for a statistics refresh after each batch
	Metrics   Metrics
	Log       *slog.Logger
}

// Metrics counts what became of the batches.
type Metrics interface {
	BatchStored(Result)
	BatchRetried()
	BatchFailed()
}

// Write prepares and commits b (see Store.Prepare and commit).
func (w *Writer) Write(ctx context.Context, b *Batch) (Result, error) {
	p, err := w.Store.Prepare(b)
	if err != nil {
		return Result{}, err
	}
	return w.commit(ctx, p)
}

// commit stores a prepared batch, retrying while the error is transient and
// ctx is live.
func (w *Writer) commit(ctx context.Context, p *DecodedBatch) (Result, error) {
	var bo Backoff
	for attempt := 1; ; attempt++ {
		res, err := w.Store.commit(ctx, p)
		if err == nil {
			w.report(p.batch, res)
			if w.Refresher != nil {
				w.Refresher.Kick()
			}
			return res, nil
		}
		if !IsTransient(err) || ctx.Err() != nil {
			w.Metrics.BatchFailed()
			return Result{}, err
		}
		w.Metrics.BatchRetried()
		w.Log.Warn("batch not stored; retrying", "attempt", attempt, "messages", len(p.batch.Messages),
			"first", p.batch.Messages[0].Pos.String(), "error", err)
		if err := bo.Wait(ctx); err != nil {
			return Result{}, err
		}
	}
}

func (w *Writer) report(b *Batch, res Result) {
	w.Metrics.BatchStored(res)
	attrs := []any{"messages", res.Messages, "stored", res.Stored, "duplicates", res.Duplicates,
		"rejected", res.RejectedTotal(), "took", res.Elapsed.Round(time.Millisecond)}
	if len(b.Messages) > 0 {
		attrs = append(attrs, "first", b.Messages[0].Pos.String(), "last", b.Messages[len(b.Messages)-1].Pos.String())
	}
	if res.RejectedTotal() > 0 {
		for reason, n := range res.Rejected {
			attrs = append(attrs, "rejected_"+string(reason), n)
		}
		w.Log.Warn("batch stored with rejected messages (see table RejectedEvent)", attrs...)
		return
	}
	w.Log.Debug("batch stored", attrs...)
}
