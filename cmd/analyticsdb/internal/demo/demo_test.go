package demo

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/progress"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/testdb"
	"github.com/openrasa/analyticsdb/traffic"
)

// lockedBuffer is written by the demo and by the progress goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDemoProgressWithoutATerminal: when its progress goes to a pipe or a
// file (CI, docker logs), the demo logs how far loading got, line by line,
// and never writes the \r of a line redrawn in place.
func TestDemoProgressWithoutATerminal(t *testing.T) {
	db := testdb.New(t)
	cfg := traffic.DefaultConfig()
	cfg.Events = 2000
	var stderr lockedBuffer
	err := Run(context.Background(), Options{
		Loader:  loader.Config{DatabaseURL: db.URL}, // and an in-process Kafka
		Traffic: cfg,
		Out:     io.Discard,
		Progress: progress.Output{
			W: &stderr, Log: slog.New(slog.NewTextHandler(&stderr, nil)), Interval: 10 * time.Millisecond,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := stderr.String()
	if strings.Contains(got, "\r") {
		t.Errorf("the demo wrote \\r to a writer that is no terminal:\n%q", got)
	}
	if !regexp.MustCompile(`msg="demo progress" produced=\d+ read=\d+ stored=\d+`).MatchString(got) {
		t.Errorf("no progress log line:\n%s", got)
	}
	if !regexp.MustCompile(`(?m)^loaded \d+ messages in `).MatchString(got) {
		t.Errorf("no line saying the loading finished:\n%s", got)
	}
}
