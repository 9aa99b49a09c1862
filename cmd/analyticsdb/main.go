// Command analyticsdb loads Rasa tracker events from Kafka (or JSONL files) into
// PostgreSQL, where triggers and functions keep conversations and daily
// statistics for BI tools. This package only wires flags to the packages that
// do the work.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:    "analyticsdb",
		Usage:   "conversation analytics for Rasa assistants in PostgreSQL",
		Version: buildVersion(),
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
			eraseCommand(),
			retentionCommand(),
			grantReadonlyCommand(),
			grantLoaderCommand(),
			statusCommand(),
			healthcheckCommand(),
			generateCommand(),
			benchCommand(),
			sqlCommand(),
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error { return usagef(c, "%v", err) },
	}
	for _, cmd := range app.Commands {
		checkUsage(cmd)
	}
	// urfave/cli answers an unknown command (analyticsdb nosuch, analyticsdb
	// help nosuch, analyticsdb sql nosuch) with code 3, or 0 with this set:
	// the mistake is kept here and returned as a usage error.
	var unknownCommand error
	app.CommandNotFound = func(c *cli.Context, name string) {
		unknownCommand = usagef(c, "no command %q", name)
	}
	// Errors, cli.Exit's included, are printed below and nowhere else: the
	// one place they become output, and so the place that redacts them.
	app.ExitErrHandler = func(*cli.Context, error) {}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cmp.Or(app.RunContext(ctx, os.Args), unknownCommand)
	stop()
	if err != nil {
		os.Exit(exit(os.Stderr, err))
	}
}

// exit prints err, its passwords redacted, and returns the exit code: a
// cli.Exit error's message as it is and its code, any other error after
// "analyticsdb:" and 1.
func exit(w io.Writer, err error) int {
	var coder cli.ExitCoder
	if errors.As(err, &coder) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(w, pgurl.Redact(msg))
		}
		return coder.ExitCode()
	}
	fmt.Fprintln(w, "analyticsdb:", pgurl.Redact(err.Error()))
	return 1
}

// quietLogger logs warnings and errors only, for commands with their own output.
func quietLogger(c *cli.Context) *slog.Logger {
	if c.Bool("verbose") {
		return logger(c)
	}
	return slog.New(pgurl.RedactingHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

// logger is the process logger: text to stderr, or JSON with --log-format
// json, with passwords redacted from every message and value.
func logger(c *cli.Context) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if c.Bool("verbose") {
		opts.Level = slog.LevelDebug
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if c.String("log-format") == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return slog.New(pgurl.RedactingHandler(h))
}

// version is set by release builds: go build -ldflags "-X main.version=v1.2.3".
var version string

// buildVersion is what --version prints: the release version (or the
// module's), the commit and its time when the build recorded them
// (-buildvcs), and the Go version.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return cmp.Or(version, "unknown")
	}
	v := cmp.Or(version, info.Main.Version)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " commit " + rev[:min(12, len(rev))]
		if settings["vcs.modified"] == "true" {
			v += "+modified"
		}
		if at := settings["vcs.time"]; at != "" {
			v += " " + at
		}
	}
	return v + " " + info.GoVersion
}
