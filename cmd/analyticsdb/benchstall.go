package main

import (
	"strings"
	"time"

	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/bench"
	"github.com/urfave/cli/v2"
)

// settingsStallFlags are bench's flags for --settings-stall.
func settingsStallFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "settings-stall", EnvVars: []string{"BENCH_SETTINGS_STALL"}, Usage: "instead: store --conversations conversations of one assistant, " +
			"then change its settings, its SuccessCriteria and recompute while a loader ingests, and print the longest ingest stall"},
		&cli.IntFlag{Name: "conversations", EnvVars: []string{"BENCH_CONVERSATIONS"}, Value: 1_000_000, Usage: "--settings-stall: conversations stored before the changes (about 4.8 events each)"},
		&cli.IntFlag{Name: "stream-rate", EnvVars: []string{"BENCH_STREAM_RATE"}, Value: 100, Usage: "--settings-stall: new conversations per second while the changes run"},
		&cli.IntFlag{Name: "rebuild-chunk", EnvVars: []string{"BENCH_REBUILD_CHUNK"}, Usage: "--settings-stall: analytics.rebuild_chunk of the database (0: the default)"},
		&cli.DurationFlag{Name: "rebuild-budget", EnvVars: []string{"BENCH_REBUILD_BUDGET"}, Usage: "--settings-stall: analytics.rebuild_budget_ms of the database (0: the default)"},
		&cli.StringFlag{Name: "phases", EnvVars: []string{"BENCH_PHASES"}, Value: strings.Join(bench.StallPhases, ","), Usage: "--settings-stall: which changes, in order"},
		&cli.DurationFlag{Name: "phase-timeout", EnvVars: []string{"BENCH_PHASE_TIMEOUT"}, Value: 2 * time.Hour, Usage: "--settings-stall: report a change not done by then as unfinished, and go on"},
		&cli.BoolFlag{Name: "verify", EnvVars: []string{"BENCH_VERIFY"}, Usage: "--settings-stall: then load everything into a fresh database with the final settings and compare the rows"},
	}
}

func settingsStall(c *cli.Context, o bench.Options) error {
	_, err := bench.SettingsStall(c.Context, bench.StallOptions{
		Options:       o,
		Conversations: c.Int("conversations"),
		Rate:          c.Int("stream-rate"),
		RebuildChunk:  c.Int("rebuild-chunk"),
		RebuildBudget: c.Duration("rebuild-budget"),
		Phases:        strings.Split(c.String("phases"), ","),
		Verify:        c.Bool("verify"),
		PhaseTimeout:  c.Duration("phase-timeout"),
	})
	return err
}
