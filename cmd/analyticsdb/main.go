// Command analyticsdb loads Rasa tracker events from Kafka (or JSONL files) into
// PostgreSQL, where triggers and functions keep conversations and daily
// statistics for BI tools. This package only wires flags to the packages that
// do the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "analyticsdb",
		Usage: "conversation analytics for Rasa assistants in PostgreSQL",
		Commands: []*cli.Command{
			demoCommand(),
			runCommand(),
			replayCommand(),
			replayRejectedCommand(),
			migrateCommand(),
			rollbackCommand(),
			refreshCommand(),
			recomputeCommand(),
			reviewCommand(),
			grantReadonlyCommand(),
			statusCommand(),
			healthcheckCommand(),
			generateCommand(),
			benchCommand(),
			sqlCommand(),
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "analyticsdb:", err)
		var exit cli.ExitCoder
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		os.Exit(1)
	}
}

// quietLogger logs warnings and errors only, for commands with their own output.
func quietLogger(c *cli.Context) *slog.Logger {
	if c.Bool("verbose") {
		return logger(c)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// logger is the process logger: text to stderr, or JSON with --log-format json.
func logger(c *cli.Context) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if c.Bool("verbose") {
		opts.Level = slog.LevelDebug
	}
	if c.String("log-format") == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
