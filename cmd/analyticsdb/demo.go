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
		&cli.Int64Flag{Name: "seed", EnvVars: []string{"TRAFFIC_SEED"}, Value: 1, Usage: "same seed, same stream"},
		&cli.IntFlag{Name: "days", EnvVars: []string{"TRAFFIC_DAYS"}, Value: 7, Usage: "days the sessions spread over"},
		&cli.TimestampFlag{Name: "start", EnvVars: []string{"TRAFFIC_START"}, Layout: time.DateOnly, Usage: "first day (YYYY-MM-DD); default 2024-11-04"},
		&cli.Float64Flag{Name: "duplicate-rate", EnvVars: []string{"TRAFFIC_DUPLICATE_RATE"}, Value: 0.002, Usage: "share of messages sent twice (producer retries)"},
		&cli.Float64Flag{Name: "bad-rate", EnvVars: []string{"TRAFFIC_BAD_RATE"}, Value: 0.001, Usage: "share of extra malformed messages"},
	}
}

func trafficConfig(c *cli.Context) traffic.Config {
	cfg := traffic.DefaultConfig()
	cfg.Events = c.Int("events")
	cfg.Seed = c.Int64("seed")
	cfg.Days = c.Int("days")
	if t := c.Timestamp("start"); t != nil {
		cfg.Start = *t
		cfg.Assistants = traffic.DefaultAssistants(cfg.Start)
	}
	cfg.DuplicateRate = c.Float64("duplicate-rate")
	cfg.BadRate = c.Float64("bad-rate")
	return cfg
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name: "demo",
		Usage: "see it work: generated Rasa traffic through Kafka and the loader into PostgreSQL, then the daily statistics " +
			"(starts its own PostgreSQL and Kafka unless DATABASE_URL / KAFKA_BROKERS are set)",
		Flags: withFlags(demoDatabaseFlags(), kafkaFlags(), trafficFlags(), logFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "keep", EnvVars: []string{"DEMO_KEEP"}, Usage: "keep PostgreSQL, Kafka and the loader running after the report"},
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
			return demo.Run(c.Context, demo.Options{
				Loader:   cfg,
				Traffic:  trafficConfig(c),
				Keep:     c.Bool("keep"),
				Out:      os.Stdout,
				Progress: os.Stderr,
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
			stats, err := traffic.WriteJSONL(c.Context, trafficConfig(c), os.Stdout)
			if err != nil {
				return err
			}
			logger(c).Info("generated", "messages", stats.Messages, "sessions", stats.Sessions, "senders", stats.Senders,
				"duplicates", stats.Duplicates, "bad", stats.Bad)
			return nil
		},
	}
}
