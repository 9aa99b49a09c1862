package main

import (
	"os"
	"time"

	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/demo"
	"github.com/openrasa/analyticsdb/traffic"
	"github.com/urfave/cli/v2"
)

func trafficFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "events", EnvVars: []string{"TRAFFIC_EVENTS"}, Value: 50_000, Usage: "approximate number of events to generate"},
		&cli.Int64Flag{Name: "seed", EnvVars: []string{"TRAFFIC_SEED"}, Value: 1, Usage: "same seed and --start, same stream"},
		&cli.IntFlag{Name: "days", EnvVars: []string{"TRAFFIC_DAYS"}, Value: 7, Usage: "days the sessions spread over"},
		&cli.TimestampFlag{Name: "start", EnvVars: []string{"TRAFFIC_START"}, Layout: time.DateOnly,
			Usage: "first day (YYYY-MM-DD, UTC); default: --days days before today, so the traffic ends last midnight"},
		&cli.Float64Flag{Name: "duplicate-rate", EnvVars: []string{"TRAFFIC_DUPLICATE_RATE"}, Value: 0.002, Usage: "share of messages sent twice (producer retries)"},
		&cli.Float64Flag{Name: "bad-rate", EnvVars: []string{"TRAFFIC_BAD_RATE"}, Value: 0.001, Usage: "share of extra malformed messages"},
	}
}

// trafficConfig is the generated traffic the flags ask for. Without --start
// it covers the days before today, which a BI tool's default range ("the
// last 30 days", the Grafana dashboard's) shows; traffic.DefaultConfig's
// fixed week in November 2024 is for tests and benchmarks, which compare
// runs. Values traffic would refuse are usage errors.
func trafficConfig(c *cli.Context, now time.Time) (traffic.Config, error) {
	cfg := traffic.DefaultConfig()
	cfg.Events = c.Int("events")
	cfg.Seed = c.Int64("seed")
	cfg.Days = c.Int("days")
	if cfg.Events <= 0 || cfg.Days <= 0 {
		return cfg, usagef(c, "--events and --days must be positive")
	}
	cfg.Start = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -cfg.Days)
	if t := c.Timestamp("start"); t != nil {
		cfg.Start = *t
	}
	cfg.Assistants = traffic.DefaultAssistants(cfg.Start)
	cfg.DuplicateRate = c.Float64("duplicate-rate")
	cfg.BadRate = c.Float64("bad-rate")
	for _, rate := range []string{"duplicate-rate", "bad-rate"} {
		if r := c.Float64(rate); !(r >= 0 && r <= 1) {
			return cfg, usagef(c, "--%s %v: want a share between 0 and 1", rate, r)
		}
	}
	return cfg, nil
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name: "demo",
		Usage: "see it work: generated Rasa traffic through Kafka and the loader into PostgreSQL, then the daily statistics " +
			"(starts its own PostgreSQL and Kafka unless DATABASE_URL / KAFKA_BROKERS are set)",
		Flags: withFlags(demoDatabaseFlags(), kafkaFlags(), trafficFlags(), logFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "keep", EnvVars: []string{"DEMO_KEEP"}, Usage: "keep PostgreSQL, Kafka and the loader running after the report"},
			progressIntervalFlag("DEMO_PROGRESS_INTERVAL"),
		}),
		Action: func(c *cli.Context) error {
			url, err := databaseURL(c)
			if err != nil {
				return err
			}
			cfg := loaderConfig(c, url, quietLogger(c))
			if err := checkKafkaSecurity(c, cfg.Kafka.Security); err != nil {
				return err
			}
			tc, err := trafficConfig(c, time.Now())
			if err != nil {
				return err
			}
			return demo.Run(c.Context, demo.Options{
				Loader:   cfg,
				Traffic:  tc,
				Keep:     c.Bool("keep"),
				Out:      os.Stdout,
				Progress: progressOutput(c, os.Stderr, logger(c)),
			})
		},
	}
}

func generateCommand() *cli.Command {
	return &cli.Command{
		Name:  "generate",
		Usage: "write generated Rasa traffic as JSONL (`rasa export` format) to stdout",
		Flags: withFlags(trafficFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			cfg, err := trafficConfig(c, time.Now())
			if err != nil {
				return err
			}
			stats, err := traffic.WriteJSONL(c.Context, cfg, os.Stdout)
			if err != nil {
				return err
			}
			logger(c).Info("generated", "messages", stats.Messages, "sessions", stats.Sessions, "senders", stats.Senders,
				"duplicates", stats.Duplicates, "bad", stats.Bad)
			return nil
		},
	}
}
