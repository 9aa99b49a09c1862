package loader

import (
	"context"
	"log/slog"
	"time"
)

// Writer writes batches through a Store, retrying transient database errors
// with backoff, logging once per batch, and kicking the statistics refresh.
type Writer struct {
	Store     *Store
	Refresher *Refresher // optional
	Metrics   *Metrics   // optional
	Log       *slog.Logger
}

// Write stores b, retrying while the error is transient and ctx is live.
func (w *Writer) Write(ctx context.Context, b *Batch) (Result, error) {
	var bo backoff
	for attempt := 1; ; attempt++ {
		res, err := w.Store.Write(ctx, b)
		if err == nil {
			w.report(b, res)
			if w.Refresher != nil {
				w.Refresher.Kick()
			}
			return res, nil
		}
		if !isTransient(err) || ctx.Err() != nil {
			w.Metrics.batchFailed()
			return Result{}, err
		}
		w.Metrics.batchRetried()
		w.Log.Warn("batch not stored; retrying", "attempt", attempt, "messages", len(b.Messages),
			"first", b.Messages[0].Pos.String(), "error", err)
		if err := bo.wait(ctx); err != nil {
			return Result{}, err
		}
	}
}

func (w *Writer) report(b *Batch, res Result) {
	w.Metrics.batchStored(res)
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
