package main

import (
	"fmt"
	"os"

	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/bench"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name: "bench",
		Usage: "measure end-to-end ingestion against a bare COPY of the same rows, with and without history " +
			"(starts its own PostgreSQL unless --server-url is given)",
		Flags: withFlags(logFlags(), []cli.Flag{
			&cli.IntFlag{Name: "events", EnvVars: []string{"BENCH_EVENTS"}, Value: 200_000, Usage: "events in the measured stream"},
			&cli.IntFlag{Name: "history", EnvVars: []string{"BENCH_HISTORY"}, Value: 1_000_000, Usage: "events already stored for the history run, then copied once more for the bare COPY (0: skip; about 2 GB of disk per million)"},
			&cli.IntFlag{Name: "history-days", EnvVars: []string{"BENCH_HISTORY_DAYS"}, Usage: "days before the measured week the history is spread over (default: one per 40,000 events, at least 7)"},
			&cli.StringFlag{Name: "partition-interval", EnvVars: []string{"BENCH_PARTITION_INTERVAL"}, Usage: "day, week or month: the leaves of ConversationEvent in every database the bench makes " +
				"(default: the migration's); none: no leaf for the bench's days, every row through the partitioned table"},
			&cli.IntFlag{Name: "batch-size", EnvVars: []string{"BENCH_BATCH_SIZE"}, Value: loader.DefaultConfig().Batch.MaxMessages},
			&cli.IntFlag{Name: "pad-bytes", EnvVars: []string{"BENCH_PAD_BYTES"}, Usage: "add a top-level field of this many bytes to every event " +
				"(stored in rawData, like a real event's large parse_data): the memory bound with large events"},
			&cli.IntFlag{Name: "loaders", EnvVars: []string{"BENCH_LOADERS"}, Value: 1, Usage: "loaders sharing the consumer group in the measured runs"},
			&cli.IntFlag{Name: "writers", EnvVars: []string{"BENCH_WRITERS"}, Value: loader.DefaultConfig().Writers, Usage: "parallel writers per loader (the loader's --writers)"},
			&cli.IntFlag{Name: "rounds", EnvVars: []string{"BENCH_ROUNDS"}, Value: 3, Usage: "bare COPY and end-to-end runs, alternating; the round with the median ratio is reported (the machine's speed drifts)"},
			&cli.Int64Flag{Name: "seed", EnvVars: []string{"BENCH_SEED"}, Value: 7},
			&cli.StringFlag{Name: "shared-buffers", EnvVars: []string{"BENCH_SHARED_BUFFERS"}, Value: "1GB", Usage: "shared_buffers of the server the bench starts"},
			&cli.StringFlag{Name: "server-url", EnvVars: []string{"BENCH_SERVER_URL"}, Usage: "a PostgreSQL server where the bench may create and drop databases"},
			&cli.BoolFlag{Name: "in-process", EnvVars: []string{"BENCH_IN_PROCESS"}, Usage: "run the loader in this process (no memory figure)"},
			&cli.BoolFlag{Name: "citus", EnvVars: []string{"BENCH_CITUS"}, Usage: "run on a Citus coordinator and two workers the bench starts (Citus must be installed), " +
				"each database migrated and distributed (db.Distribute); CPU is reported per server too. --history defaults to 0 here"},
			&cli.IntFlag{Name: "shard-count", EnvVars: []string{"BENCH_SHARD_COUNT"}, Usage: "with --citus: citus.shard_count of each database, set before it is distributed (default: Citus's, 32)"},
			&cli.BoolFlag{Name: "busy-day", EnvVars: []string{"BENCH_BUSY_DAY"}, Usage: "instead: load one busy day of one statistics group (--events, default here 1,000,000) " +
				"and print refresh time and statistics lag per tenth of the day"},
		}, settingsStallFlags()),
		Action: func(c *cli.Context) error {
			if err := checkURL(c, c.String("server-url")); err != nil {
				return err
			}
			binary := ""
			if !c.Bool("in-process") {
				var err error
				if binary, err = os.Executable(); err != nil {
					return err
				}
			}
			o := bench.Options{
				ServerURL:         c.String("server-url"),
				Events:            c.Int("events"),
				History:           c.Int("history"),
				HistoryDays:       c.Int("history-days"),
				PartitionInterval: c.String("partition-interval"),
				BatchSize:         c.Int("batch-size"),
				PadBytes:          c.Int("pad-bytes"),
				Loaders:           c.Int("loaders"),
				Writers:           c.Int("writers"),
				Rounds:            c.Int("rounds"),
				Seed:              c.Int64("seed"),
				SharedBuffers:     c.String("shared-buffers"),
				LoaderBinary:      binary,
				Out:               os.Stdout,
				Log:               quietLogger(c),
			}
			if c.Bool("citus") {
				if c.Bool("settings-stall") || c.Bool("busy-day") || o.ServerURL != "" {
					return fmt.Errorf("--citus runs the default bench on servers it starts: not with --settings-stall, --busy-day or --server-url")
				}
				o.Citus, o.ShardCount = true, c.Int("shard-count")
				if !c.IsSet("history") {
					o.History = 0
				}
			}
			if c.Bool("settings-stall") {
				return settingsStall(c, o)
			}
			if c.Bool("busy-day") {
				if !c.IsSet("events") {
					o.Events = 1_000_000
				}
				_, err := bench.BusyDay(c.Context, o)
				return err
			}
			_, err := bench.Run(c.Context, o)
			return err
		},
	}
}
