package progress

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func report(time.Duration) Report {
	return Report{Line: "halfway", Msg: "progress", Attrs: []any{"done", 50}}
}

// TestOnATerminal: one line redrawn with \r, ended by a newline at stop,
// nothing logged (Log is nil: logging would panic).
func TestOnATerminal(t *testing.T) {
	var out strings.Builder
	stop := Output{Terminal: true, W: &out, Interval: time.Minute}.Start(report)
	time.Sleep(3 * TerminalRefresh)
	stop()
	stop() // harmless
	got := out.String()
	if n := strings.Count(got, "\rhalfway   "); n < 2 || !strings.HasSuffix(got, "   \n") || strings.Count(got, "\n") != 1 {
		t.Errorf("terminal progress (%d redraws):\n%q", n, got)
	}
}

// TestElsewhereLogLines: not on a terminal, a log line every interval and
// nothing on W: no \r reaches a log file or CI output.
func TestElsewhereLogLines(t *testing.T) {
	var w, log strings.Builder
	stop := Output{W: &w, Log: slog.New(slog.NewTextHandler(&log, nil)), Interval: 20 * time.Millisecond}.Start(report)
	time.Sleep(150 * time.Millisecond)
	stop()
	if n := strings.Count(log.String(), `msg=progress done=50`); n < 2 || strings.Contains(log.String(), "\r") || w.Len() > 0 {
		t.Errorf("%d log lines, %q on W:\n%s", n, w.String(), log.String())
	}
}

// TestIntervalZero: no progress at all.
func TestIntervalZero(t *testing.T) {
	var w strings.Builder
	Output{Terminal: true, W: &w}.Start(report)()
	if w.Len() > 0 {
		t.Errorf("progress with interval 0: %q", w.String())
	}
}
