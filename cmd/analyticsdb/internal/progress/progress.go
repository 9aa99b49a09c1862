// Package progress reports how far a long command got (replay, demo): on a
// terminal one line redrawn in place, anywhere else a log line every
// interval, so that a redirected output (a log file, CI, docker logs) never
// fills with carriage returns and half-drawn lines.
package progress

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// TerminalRefresh is how often the line on a terminal is redrawn.
const TerminalRefresh = 250 * time.Millisecond

// Output says where progress goes.
type Output struct {
	Terminal bool          // W is a terminal: one line on W, redrawn in place
	W        io.Writer     // the terminal line
	Log      *slog.Logger  // not a terminal: a log line every Interval
	Interval time.Duration // between log lines; 0: no progress at all
}

// Report is one report of progress, in both forms.
type Report struct {
	Line  string // the terminal line, without \r
	Msg   string // the log line's message
	Attrs []any  // and its attributes, slog's key-value pairs
}

// Start reports what report returns (given the time since Start) until stop
// is called: on a terminal every TerminalRefresh (at most every Interval),
// and stop draws the line a last time and ends it with a newline; elsewhere
// a log line every Interval. stop may be called more than once.
func (o Output) Start(report func(elapsed time.Duration) Report) (stop func()) {
	if o.Interval <= 0 {
		return func() {}
	}
	every := o.Interval
	if o.Terminal {
		every = min(every, TerminalRefresh)
	}
	begun := time.Now()
	show := func() {
		r := report(time.Since(begun))
		if o.Terminal {
			fmt.Fprintf(o.W, "\r%s   ", r.Line)
			return
		}
		o.Log.Info(r.Msg, r.Attrs...)
	}
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
				if o.Terminal {
					show()
					fmt.Fprintln(o.W)
				}
				return
			case <-tick.C:
				show()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// IsTerminal reports whether f is a character device (a terminal, or
// /dev/null, where redrawing a line harms nothing).
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
