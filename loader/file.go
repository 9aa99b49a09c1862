package loader

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/write"
)

// FileTotals sums a file replay.
type FileTotals struct {
	Lines      int64
	BlankLines int64 // skipped, counted, logged
	Stored     int64
	Duplicates int64
	Rejected   int64
	Batches    int64
	Elapsed    time.Duration
}

// replayFile loads a JSONL stream through w (see Loader.Replay).
func replayFile(ctx context.Context, w *write.Writer, name string, r io.Reader, limits BatchLimits) (FileTotals, error) {
	start := time.Now()
	var totals FileTotals
	lines := make(chan Message, 1024)
	readErr := make(chan error, 1)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		readErr <- readLines(readCtx, name, r, lines, &totals.BlankLines)
		close(lines)
	}()

	// Batches are written by a pipeline: the next is decoded while the
	// previous one is written.
	pl := write.NewPipeline(ctx, w)
	defer pl.Close()
	count := func(outcomes []write.Outcome) error {
		for _, o := range outcomes {
			if o.Err != nil {
				return o.Err
			}
			totals.Batches++
			totals.Stored += int64(o.Result.Stored)
			totals.Duplicates += int64(o.Result.Duplicates)
			totals.Rejected += int64(o.Result.RejectedTotal())
		}
		return nil
	}
	var batch Batch
	size := 0
	flush := func() error {
		if err := count(pl.Results()); err != nil {
			return err
		}
		if len(batch.Messages) == 0 {
			return nil
		}
		own := batch // the prepared batch keeps this; batch is reused
		p, err := w.Store.Prepare(&own)
		if err != nil {
			return err
		}
		pl.Send(p)
		batch = Batch{Messages: make([]Message, 0, len(own.Messages))}
		size = 0
		return nil
	}
	timer := time.NewTimer(limits.MaxWait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return totals, ctx.Err()
		case <-timer.C:
			if err := flush(); err != nil {
				return totals, err
			}
			timer.Reset(limits.MaxWait)
		case msg, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return totals, err
				}
				err := flush()
				if err == nil {
					err = count(pl.Drain())
				}
				totals.Elapsed = time.Since(start)
				if totals.BlankLines > 0 {
					w.Log.Info("skipped blank lines", "file", name, "blank_lines", totals.BlankLines)
				}
				return totals, err
			}
			if len(batch.Messages) == 0 {
				timer.Reset(limits.MaxWait)
			}
			totals.Lines++
			batch.Messages = append(batch.Messages, msg)
			size += len(msg.Value)
			if limits.Full(len(batch.Messages), size) {
				if err := flush(); err != nil {
					return totals, err
				}
			}
		}
	}
}

// maxStoredLineBytes bounds how much of an oversized line is kept for the
// rejected events table.
const maxStoredLineBytes = 64 << 20

// readLines sends each non-blank line of r as a Message. A line longer than
// --max-event-bytes is still sent whole (up to maxStoredLineBytes) so it can
// be rejected verbatim.
func readLines(ctx context.Context, name string, r io.Reader, out chan<- Message, blank *int64) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var line int64
	for {
		value, err := readLine(br)
		if len(value) > 0 || err == nil {
			line++
			if len(bytes.TrimSpace(value)) == 0 {
				*blank++
			} else {
				select {
				case out <- Message{Value: value, Pos: Position{File: name, Line: line}}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s line %d: %w", name, line+1, err)
		}
	}
}

// readLine returns the next line without its "\n" or "\r\n", in a new slice.
func readLine(br *bufio.Reader) ([]byte, error) {
	chunk, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), chunk...)
		for errors.Is(err, bufio.ErrBufferFull) {
			chunk, err = br.ReadSlice('\n')
			if len(long) < maxStoredLineBytes {
				long = append(long, chunk...)
			}
		}
		return trimEOL(long), err
	}
	return trimEOL(append([]byte(nil), chunk...)), err
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
