package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

func loaderFlags() []cli.Flag {
	def := loader.DefaultConfig()
	return []cli.Flag{
		&cli.StringFlag{Name: "assistant-name", EnvVars: []string{"ASSISTANT_NAME"}, Value: def.AssistantName, Usage: "assistantName of sessions whose events carry no metadata.assistant_id"},
		&cli.StringFlag{Name: "environment", EnvVars: []string{"DEFAULT_ENVIRONMENT"}, Usage: "environment of messages without a RASA_ENVIRONMENT header (JSONL replays)"},
		&cli.IntFlag{Name: "max-event-bytes", EnvVars: []string{"MAX_EVENT_BYTES"}, Value: def.MaxEventBytes, Usage: "larger messages are rejected as too_large"},
		&cli.IntFlag{Name: "batch-size", EnvVars: []string{"BATCH_SIZE"}, Value: def.Batch.MaxMessages, Usage: "messages per batch at most"},
		&cli.IntFlag{Name: "batch-bytes", EnvVars: []string{"BATCH_BYTES"}, Value: def.Batch.MaxBytes, Usage: "message bytes per batch at most"},
		&cli.DurationFlag{Name: "batch-wait", EnvVars: []string{"BATCH_WAIT"}, Value: def.Batch.MaxWait, Usage: "longest wait for a batch to fill"},
		&cli.BoolFlag{Name: "enforce-foreign-keys", EnvVars: []string{"ENFORCE_FOREIGN_KEYS"}, Usage: "keep PostgreSQL's per-row foreign key checks on COPY even when the role may skip them (slower; see docs/decisions.md)"},
		&cli.Int64Flag{Name: "memory-limit-mb", EnvVars: []string{"MEMORY_LIMIT_MB"}, Value: 80, Usage: "soft heap limit for the garbage collector (0: none; GOMEMLIMIT wins)"},
		&cli.DurationFlag{Name: "refresh-interval", EnvVars: []string{"REFRESH_INTERVAL"}, Value: def.RefreshInterval, Usage: "statistics refresh interval (also after each batch)"},
	}
}

func replayCommand() *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "load a JSONL file of Rasa events (`rasa export` output; - for stdin); replaying again stores nothing twice",
		ArgsUsage: "FILE",
		Flags: withFlags(databaseFlags(), loaderFlags(), logFlags(), []cli.Flag{
			progressIntervalFlag("REPLAY_PROGRESS_INTERVAL"),
		}),
		Action: loaderAction(logger, func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef(c, "needs one FILE argument (- for stdin)")
			}
			return nil
		}, func(c *cli.Context, l *loader.Loader, log *slog.Logger) error {
			name := c.Args().First()
			var in io.Reader = os.Stdin
			var size int64
			if name == "-" {
				name = "stdin"
			} else {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
					size = fi.Size()
				}
				in = f
			}
			counted := &countingReader{r: in}
			stop := replayProgress{
				Name: name, Size: size, Totals: l.Totals, Read: counted.n.Load,
				Output: progressOutput(c, os.Stderr, log),
			}.start()
			totals, err := l.Replay(c.Context, name, counted)
			stop()
			if err != nil {
				return err
			}
			fmt.Printf("%s: %d lines, %d stored, %d duplicates, %d rejected, %d blank, in %s (%.0f lines/s)\n",
				name, totals.Lines, totals.Stored, totals.Duplicates, totals.Rejected, totals.BlankLines,
				totals.Elapsed.Round(1e6), float64(totals.Lines)/totals.Elapsed.Seconds())
			return nil
		}),
	}
}
