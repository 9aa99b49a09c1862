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

// pipeline commits prepared batches in order on its own goroutine, so the
// next batch is read and decoded while the previous one is written.
// At most one batch waits while one is written: memory stays bounded.
type pipeline struct {
	w       *writer
	queue   chan *decodedBatch
	done    chan pipelineResult
	pending int // batches sent and not yet reported
}

type pipelineResult struct {
	p   *decodedBatch
	res Result
	err error
}

func newPipeline(ctx context.Context, w *writer) *pipeline {
	pl := &pipeline{w: w, queue: make(chan *decodedBatch, 1), done: make(chan pipelineResult, 16)}
	go func() {
		failed := false
		for p := range pl.queue {
			if failed { // after a failure, later batches are not written: their offsets would not chain
				pl.done <- pipelineResult{p: p, err: errSkippedAfterFailure}
				continue
			}
			res, err := w.commit(ctx, p)
			failed = err != nil
			pl.done <- pipelineResult{p: p, res: res, err: err}
		}
		close(pl.done)
	}()
	return pl
}

// send queues a batch; it blocks while one batch already waits. Callers read
// results between sends, so at most a few outcomes are ever unread.
func (pl *pipeline) send(p *decodedBatch) {
	pl.pending++
	pl.queue <- p
}

// results returns the outcomes reported so far without waiting.
func (pl *pipeline) results() []pipelineResult {
	var out []pipelineResult
	for {
		select {
		case r := <-pl.done:
			pl.pending--
			out = append(out, r)
		default:
			return out
		}
	}
}

// drain waits for every queued batch and returns the outcomes.
func (pl *pipeline) drain() []pipelineResult {
	var out []pipelineResult
	for pl.pending > 0 {
		out = append(out, <-pl.done)
		pl.pending--
	}
	return out
}

// close stops the committer after the queued batches.
func (pl *pipeline) close() []pipelineResult {
	close(pl.queue)
	out := pl.drain()
	for range pl.done {
	}
	return out
}

var errSkippedAfterFailure = errorString("not written: an earlier batch failed")

type errorString string

func (e errorString) Error() string { return string(e) }
