package loader

import "context"

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
