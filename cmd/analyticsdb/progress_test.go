package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/progress"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

// TestReplayProgressOnATerminal: on a terminal the progress is one line
// redrawn with \r, ended by a newline when the replay stops, and nothing is
// logged (Log is nil: logging would panic).
func TestReplayProgressOnATerminal(t *testing.T) {
	var out strings.Builder
	var lines atomic.Int64
	stop := replayProgress{
		Name: "export.jsonl", Size: 1000,
		Totals: func() loader.Totals { return loader.Totals{Messages: lines.Add(10), EventsStored: 7} },
		Read:   func() int64 { return 500 },
		Output: progress.Output{Terminal: true, W: &out, Interval: 10 * time.Second},
	}.start()
	time.Sleep(3 * progress.TerminalRefresh)
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
		Output: progress.Output{Log: slog.New(slog.NewTextHandler(&out, nil)), Interval: 20 * time.Millisecond},
	}.start()
	time.Sleep(150 * time.Millisecond)
	stop()
	got := out.String()
	if n := strings.Count(got, `msg="replay progress" file=- lines=3 stored=0 duplicates=0 rejected=0`); n < 2 || strings.Contains(got, "\r") || strings.Contains(got, "percent") {
		t.Errorf("%d progress lines:\n%s", n, got)
	}
}

// TestProgressOutputOnlyRedrawsOnATerminal: progress to a pipe or a file
// (CI, docker logs, 2>file) is logged; only a character device with text
// logs gets the line redrawn in place.
func TestProgressOutputOnlyRedrawsOnATerminal(t *testing.T) {
	r, pipe, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer pipe.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	devNull, err := os.Open(os.DevNull) // a character device, like a terminal
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for _, tc := range []struct {
		format string
		f      *os.File
		want   bool
	}{{"text", pipe, false}, {"text", file, false}, {"text", devNull, true}, {"json", devNull, false}} {
		app := &cli.App{Flags: append(logFlags(), progressIntervalFlag("TEST_PROGRESS_INTERVAL")), Action: func(c *cli.Context) error {
			if got := progressOutput(c, tc.f, nil); got.Terminal != tc.want || got.Interval != 10*time.Second {
				t.Errorf("%s logs to %s: Terminal %v, Interval %s; want %v, 10s", tc.format, tc.f.Name(), got.Terminal, got.Interval, tc.want)
			}
			return nil
		}}
		if err := app.Run([]string{"x", "--log-format", tc.format}); err != nil {
			t.Fatal(err)
		}
	}
}
