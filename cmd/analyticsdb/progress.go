package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openrasa/analyticsdb/loader"
)

// terminalRefresh is how often the live progress line is redrawn.
const terminalRefresh = 250 * time.Millisecond

// replayProgress reports how far a replay got, from the loader's counters
// and the bytes read so far, until stop is called: on a terminal a line on w
// rewritten in place, otherwise a log line every interval (none when
// interval is 0). size is the file's, 0 when unknown (stdin).
type replayProgress struct {
	Name     string
	Size     int64
	Totals   func() loader.Totals
	Read     func() int64
	Terminal bool
	W        io.Writer // the terminal line
	Log      *slog.Logger
	Interval time.Duration
}

func (p replayProgress) start() (stop func()) {
	if p.Interval <= 0 {
		return func() {}
	}
	every := p.Interval
	if p.Terminal {
		every = min(every, terminalRefresh)
	}
	begun := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if p.Terminal {
					p.report(begun)
					fmt.Fprintln(p.W)
				}
				return
			case <-tick.C:
				p.report(begun)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

func (p replayProgress) report(begun time.Time) {
	t, read := p.Totals(), p.Read()
	rate := float64(t.Messages) / time.Since(begun).Seconds()
	if p.Terminal {
		done := ""
		if p.Size > 0 {
			done = fmt.Sprintf("%.0f%% of %.1f MB, ", 100*float64(read)/float64(p.Size), float64(p.Size)/1e6)
		}
		fmt.Fprintf(p.W, "\rreplaying %s: %s%d lines, %d stored, %d duplicates, %d rejected (%.0f lines/s)   ",
			p.Name, done, t.Messages, t.EventsStored, t.Duplicates, t.Rejected, rate)
		return
	}
	attrs := []any{"file", p.Name, "lines", t.Messages, "stored", t.EventsStored, "duplicates", t.Duplicates,
		"rejected", t.Rejected, "lines_per_second", int64(rate), "bytes_read", read}
	if p.Size > 0 {
		attrs = append(attrs, "percent", int(100*read/p.Size))
	}
	p.Log.Info("replay progress", attrs...)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// isTerminal reports whether f is a character device (a terminal, or
// /dev/null, where redrawing a line harms nothing).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
