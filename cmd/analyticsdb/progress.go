package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/progress"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

// progressIntervalFlag is --progress-interval of a command that reports
// progress (replay, demo), read from env.
func progressIntervalFlag(env string) cli.Flag {
	return &cli.DurationFlag{Name: "progress-interval", EnvVars: []string{env}, Value: 10 * time.Second,
		Usage: "how often a progress line is logged to stderr (on a terminal: a line updated in place); 0: none"}
}

// progressOutput is where a command's progress goes: stderr, as one line
// redrawn in place when stderr is a terminal and the logs are text, else as
// a log line every --progress-interval.
func progressOutput(c *cli.Context, stderr *os.File, log *slog.Logger) progress.Output {
	return progress.Output{
		Terminal: progress.IsTerminal(stderr) && c.String("log-format") == "text",
		W:        stderr, Log: log, Interval: c.Duration("progress-interval"),
	}
}

// replayProgress reports how far a replay got, from the loader's counters
// and the bytes read so far, until stop is called. Size is the file's, 0
// when unknown (stdin).
type replayProgress struct {
	Name   string
	Size   int64
	Totals func() loader.Totals
	Read   func() int64
	progress.Output
}

func (p replayProgress) start() (stop func()) { return p.Output.Start(p.report) }

func (p replayProgress) report(elapsed time.Duration) progress.Report {
	t, read := p.Totals(), p.Read()
	rate := float64(t.Messages) / elapsed.Seconds()
	done := ""
	if p.Size > 0 {
		done = fmt.Sprintf("%.0f%% of %.1f MB, ", 100*float64(read)/float64(p.Size), float64(p.Size)/1e6)
	}
	attrs := []any{"file", p.Name, "lines", t.Messages, "stored", t.EventsStored, "duplicates", t.Duplicates,
		"rejected", t.Rejected, "lines_per_second", int64(rate), "bytes_read", read}
	if p.Size > 0 {
		attrs = append(attrs, "percent", int(100*read/p.Size))
	}
	return progress.Report{
		Line: fmt.Sprintf("replaying %s: %s%d lines, %d stored, %d duplicates, %d rejected (%.0f lines/s)",
			p.Name, done, t.Messages, t.EventsStored, t.Duplicates, t.Rejected, rate),
		Msg:   "replay progress",
		Attrs: attrs,
	}
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
