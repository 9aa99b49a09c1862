package main

import (
	"strings"
	"sync/atomic"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

func kafkaFlags() []cli.Flag {
	def := loader.DefaultConfig().Kafka
	return []cli.Flag{
		&cli.StringFlag{Name: "kafka-brokers", EnvVars: []string{"KAFKA_BROKERS"}, Usage: "comma-separated host:port list"},
		&cli.StringFlag{Name: "kafka-topic", EnvVars: []string{"KAFKA_TOPIC"}, Value: def.Topic, Usage: "topic Rasa's event broker writes"},
		&cli.StringFlag{Name: "group", Aliases: []string{"kafka-group"}, EnvVars: []string{"KAFKA_GROUP"}, Value: def.Group, Usage: "consumer group; loaders in one group share the partitions"},
		&cli.StringFlag{Name: "kafka-client-id", EnvVars: []string{"KAFKA_CLIENT_ID"}, Value: def.Security.ClientID},
		&cli.DurationFlag{Name: "kafka-session-timeout", EnvVars: []string{"KAFKA_SESSION_TIMEOUT"}, Value: def.SessionTimeout,
			Usage: "how long the group waits for a member that stopped heartbeating (a killed loader) before reassigning its partitions"},
		&cli.IntFlag{Name: "writers", EnvVars: []string{"WRITERS"}, Value: loader.DefaultConfig().Writers,
			Usage: "batches written at once, each on its own database connection, from different partitions (a partition's batches stay in order)"},
		&cli.BoolFlag{Name: "kafka-tls", EnvVars: []string{"KAFKA_TLS"}, Usage: "connect with TLS"},
		&cli.StringFlag{Name: "kafka-tls-ca-file", EnvVars: []string{"KAFKA_TLS_CA_FILE"}},
		&cli.StringFlag{Name: "kafka-tls-cert-file", EnvVars: []string{"KAFKA_TLS_CERT_FILE"}},
		&cli.StringFlag{Name: "kafka-tls-key-file", EnvVars: []string{"KAFKA_TLS_KEY_FILE"}},
		&cli.BoolFlag{Name: "kafka-tls-insecure-skip-verify", EnvVars: []string{"KAFKA_TLS_INSECURE_SKIP_VERIFY"}},
		&cli.StringFlag{Name: "kafka-sasl-mechanism", EnvVars: []string{"KAFKA_SASL_MECHANISM"}, Usage: "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER"},
		&cli.StringFlag{Name: "kafka-sasl-username", EnvVars: []string{"KAFKA_SASL_USERNAME"}},
		&cli.StringFlag{Name: "kafka-sasl-password", EnvVars: []string{"KAFKA_SASL_PASSWORD"}, Usage: "never logged"},
		&cli.StringFlag{Name: "kafka-sasl-oauth-token", EnvVars: []string{"KAFKA_SASL_OAUTH_TOKEN"}, Usage: "OAUTHBEARER: a static bearer token (never logged)"},
		&cli.StringFlag{Name: "kafka-sasl-oauth-token-file", EnvVars: []string{"KAFKA_SASL_OAUTH_TOKEN_FILE"},
			Usage: "OAUTHBEARER: a file holding the bearer token, read again at each authentication (renew the file to renew the token)"},
	}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "consume Rasa events from Kafka into PostgreSQL until SIGTERM",
		Flags: withFlags(databaseFlags(), kafkaFlags(), loaderFlags(), httpFlags(), healthFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			cfg, log, err := prepareLoader(c, logger, checkRun)
			if err != nil {
				return err
			}
			// Probes and metrics are served while the loader waits for
			// PostgreSQL and Kafka: an orchestrator may start it first.
			cfg.WaitAtStart, cfg.StartTimeout = true, c.Duration("start-timeout")
			var ready atomic.Pointer[loader.Loader]
			stopHTTP, err := serveHTTP(c, &ready, log)
			if err != nil {
				return err
			}
			defer stopHTTP()
			l, err := loader.New(c.Context, cfg)
			if err != nil && c.Context.Err() != nil {
				log.Info("stopped while waiting for PostgreSQL") // SIGTERM: a clean stop
				return nil
			}
			if err != nil {
				return err
			}
			defer l.Close()
			ready.Store(l)
			log.Info("consuming", "brokers", splitList(c.String("kafka-brokers")), "topic", c.String("kafka-topic"), "group", c.String("group"))
			err = l.RunKafka(c.Context)
			log.Info("stopped consuming")
			return err
		},
	}
}

// checkRun reports run's missing or bad settings as usage errors.
func checkRun(c *cli.Context) error {
	if _, err := requireDatabaseURL(c); err != nil {
		return err
	}
	if c.String("kafka-brokers") == "" {
		return usagef(c, "no Kafka: set KAFKA_BROKERS (e.g. localhost:9092)")
	}
	if c.Bool("pprof") {
		if err := requireLoopback(c.String("pprof-address")); err != nil {
			return usagef(c, "%v", err)
		}
	}
	return nil
}
