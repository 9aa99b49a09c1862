package main

import (
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
)

// TestReplayProgressOnATerminal: on a terminal the progress is one line
// redrawn with \r, ended by a newline when the replay stops, and nothing is
// logged (Log is nil: logging would panic).
func TestReplayProgressOnATerminal(t *testing.T) {
	var out strings.Builder
	var lines atomic.Int64
	stop := replayProgress{
		Name: "export.jsonl", Size: 1000,
		Totals:   func() loader.Totals { return loader.Totals{Messages: lines.Add(10), EventsStored: 7} },
		Read:     func() int64 { return 500 },
		Terminal: true, W: &out, Interval: 10 * time.Second,
	}.start()
	time.Sleep(3 * terminalRefresh)
	stop()
	got := out.String()
	if n := strings.Count(got, "\rreplaying export.jsonl: 50% of 0.0 MB, "); n < 2 || !strings.HasSuffix(got, "   \n") || strings.Count(got, "\n") != 1 {
		t.Errorf("terminal progress (%d redraws):\n%q", n, got)
	}
}

// TestReplayProgressLogs: elsewhere it logs a line every interval.
func TestReplayProgressLogs(t *testing.T) {
	var out strings.Builder
	stop := replayProgress{
		Name: "-", Totals: func() loader.Totals { return loader.Totals{Messages: 3} }, Read: func() int64 { return 9 },
		Log: slog.New(slog.NewTextHandler(&out, nil)), Interval: 20 * time.Millisecond,
	}.start()
	time.Sleep(150 * time.Millisecond)
	stop()
	got := out.String()
	if n := strings.Count(got, `msg="replay progress" file=- lines=3 stored=0 duplicates=0 rejected=0`); n < 2 || strings.Contains(got, "\r") || strings.Contains(got, "percent") {
		t.Errorf("%d progress lines:\n%s", n, got)
	}
}
