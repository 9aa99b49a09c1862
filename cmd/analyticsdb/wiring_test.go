package main

import (
	"bytes"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestMemoryLimitWarnsWhenBatchesMayFillIt: the loader holds three batches
// per writer; settings under which they alone may take half of
// --memory-limit-mb are reported at start, the defaults are not.
func TestMemoryLimitWarnsWhenBatchesMayFillIt(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{nil, false},
		{[]string{"--writers", "3"}, false},
		{[]string{"--writers", "4"}, true},
		{[]string{"--batch-bytes", "16777216"}, true},
		{[]string{"--writers", "8", "--batch-bytes", "4194304"}, true},
		{[]string{"--batch-bytes", "16777216", "--memory-limit-mb", "256"}, false},
	} {
		for _, k := range []string{"GOMEMLIMIT", "WRITERS", "BATCH_BYTES", "MEMORY_LIMIT_MB"} {
			t.Setenv(k, "") // restored after the test
			os.Unsetenv(k)
		}
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, nil))
		app := &cli.App{Flags: withFlags(kafkaFlags(), loaderFlags()), Action: func(c *cli.Context) error {
			setMemoryLimit(c, loaderConfig(c, "postgres://h/db", log), log)
			return nil
		}}
		if err := app.Run(append([]string{"analyticsdb"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logged.String(), "batches may hold more than half of --memory-limit-mb"); got != tc.warn {
			t.Errorf("%v: warned %v, want %v; logged:\n%s", tc.args, got, tc.warn, logged.String())
		}
	}
}
