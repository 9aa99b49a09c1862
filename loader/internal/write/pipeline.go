package write

import "context"

// Pipeline commits prepared batches in order on its own goroutine, so the
// next batch is read and decoded while the previous one is written.
// At most one batch waits while one is written: memory stays bounded.
type Pipeline struct {
	w       *Writer
	queue   chan *DecodedBatch
	done    chan Outcome
	pending int // batches sent and not yet reported
}

// Outcome is what became of a batch sent to a Pipeline.
type Outcome struct {
	Batch  *Batch
	Result Result
	Err    error
}

// NewPipeline starts a pipeline writing through w until Close.
func NewPipeline(ctx context.Context, w *Writer) *Pipeline {
	pl := &Pipeline{w: w, queue: make(chan *DecodedBatch, 1), done: make(chan Outcome, 16)}
	go func() {
		failed := false
		for p := range pl.queue {
			if failed { // after a failure, later batches are not written: their offsets would not chain
				pl.done <- Outcome{Batch: p.batch, Err: ErrSkippedAfterFailure}
				continue
			}
			res, err := w.commit(ctx, p)
			failed = err != nil
			pl.done <- Outcome{Batch: p.batch, Result: res, Err: err}
		}
		close(pl.done)
	}()
	return pl
}

// Send queues a batch; it blocks while one batch already waits. Callers read
// results between sends, so at most a few outcomes are ever unread.
func (pl *Pipeline) Send(p *DecodedBatch) {
	pl.pending++
	pl.queue <- p
}

// Results returns the outcomes reported so far without waiting.
func (pl *Pipeline) Results() []Outcome {
	var out []Outcome
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

// Drain waits for every queued batch and returns the outcomes.
func (pl *Pipeline) Drain() []Outcome {
	var out []Outcome
	for pl.pending > 0 {
		out = append(out, <-pl.done)
		pl.pending--
	}
	return out
}

// Pending is the number of batches sent and not yet reported.
func (pl *Pipeline) Pending() int { return pl.pending }

// Close stops the committer after the queued batches.
func (pl *Pipeline) Close() []Outcome {
	close(pl.queue)
	out := pl.Drain()
	for range pl.done {
	}
	return out
}

// ErrSkippedAfterFailure is the outcome of the batches a Pipeline did not
// write because one before them failed.
var ErrSkippedAfterFailure = errorString("not written: an earlier batch failed")

type errorString string

func (e errorString) Error() string { return string(e) }
