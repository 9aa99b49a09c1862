package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

// loaderAction is the Action of every command that works through a loader,
// as dbmate's action() is of its commands: it runs check (when not nil),
// maps the flags to a loader.Config, builds the loader, runs fn with it and
// closes it. The loader and fn log to newLog(c).
func loaderAction(newLog func(*cli.Context) *slog.Logger, check func(*cli.Context) error, fn func(*cli.Context, *loader.Loader, *slog.Logger) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		cfg, log, err := prepareLoader(c, newLog, check)
		if err != nil {
			return err
		}
		l, err := loader.New(c.Context, cfg)
		if err != nil {
			return err
		}
		defer l.Close()
		return fn(c, l, log)
	}
}

// prepareLoader runs check (when not nil), maps the flags to a
// loader.Config, reports bad settings as usage errors and sets the memory
// limit: everything before the loader connects.
func prepareLoader(c *cli.Context, newLog func(*cli.Context) *slog.Logger, check func(*cli.Context) error) (loader.Config, *slog.Logger, error) {
	if check != nil {
		if err := check(c); err != nil {
			return loader.Config{}, nil, err
		}
	}
	url, err := requireDatabaseURL(c)
	if err != nil {
		return loader.Config{}, nil, err
	}
	log := newLog(c)
	cfg := loaderConfig(c, url, log)
	if err := checkKafkaSecurity(c, cfg.Kafka.Security); err != nil {
		return loader.Config{}, nil, err
	}
	setMemoryLimit(c, cfg, log)
	return cfg, log, nil
}

// loaderConfig maps flags to a loader.Config. A flag the command does not
// have reads as zero, which the loader takes as its default.
func loaderConfig(c *cli.Context, url string, log *slog.Logger) loader.Config {
	return loader.Config{
		DatabaseURL:        url,
		AssistantName:      c.String("assistant-name"),
		Environment:        c.String("environment"),
		MaxEventBytes:      c.Int("max-event-bytes"),
		EnforceForeignKeys: c.Bool("enforce-foreign-keys"),
		Batch: loader.BatchLimits{
			MaxMessages: c.Int("batch-size"),
			MaxBytes:    c.Int("batch-bytes"),
			MaxWait:     c.Duration("batch-wait"),
		},
		Writers:         c.Int("writers"),
		RefreshInterval: c.Duration("refresh-interval"),
		ReplayChunk:     c.Int("chunk"),
		LiveTimeout:     c.Duration("live-timeout"),
		Version:         buildVersion(),
		Kafka: loader.KafkaConfig{
			Brokers:        splitList(c.String("kafka-brokers")),
			Topic:          c.String("kafka-topic"),
			Group:          c.String("group"),
			SessionTimeout: c.Duration("kafka-session-timeout"),
			Security: loader.KafkaSecurity{
				ClientID:           c.String("kafka-client-id"),
				TLS:                c.Bool("kafka-tls"),
				CAFile:             c.String("kafka-tls-ca-file"),
				CertFile:           c.String("kafka-tls-cert-file"),
				KeyFile:            c.String("kafka-tls-key-file"),
				InsecureSkipVerify: c.Bool("kafka-tls-insecure-skip-verify"),
				SASLMechanism:      c.String("kafka-sasl-mechanism"),
				SASLUsername:       c.String("kafka-sasl-username"),
				SASLPassword:       c.String("kafka-sasl-password"),
				OAuthToken:         c.String("kafka-sasl-oauth-token"),
				OAuthTokenFile:     c.String("kafka-sasl-oauth-token-file"),
			},
		},
		Log: log,
	}
}

// checkKafkaSecurity reports a bad Kafka TLS or SASL setting (a mechanism
// that does not exist, a certificate file that cannot be read) as a usage
// error, before anything connects.
func checkKafkaSecurity(c *cli.Context, sec loader.KafkaSecurity) error {
	if _, err := sec.ClientOpts(); err != nil {
		return usagef(c, "%v", err)
	}
	return nil
}

// setMemoryLimit makes the garbage collector keep the heap under
// --memory-limit (the sidecar's budget) unless GOMEMLIMIT is set, and warns
// when the batches alone may fill half of it: the collector would then run
// nearly all the time, and the heap outgrow the limit anyway.
func setMemoryLimit(c *cli.Context, cfg loader.Config, log *slog.Logger) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set || c.Int64("memory-limit-mb") <= 0 {
		return
	}
	limit := c.Int64("memory-limit-mb") << 20
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit", "mb", c.Int64("memory-limit-mb"))
	if held := int64(cfg.HeldBytes()); held > limit/2 {
		log.Warn("batches may hold more than half of --memory-limit-mb: lower --batch-bytes or --writers, or raise the limit",
			"held_mb", held>>20, "memory_limit_mb", limit>>20)
	}
}
