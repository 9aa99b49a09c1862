package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

const (
	loaderDefaultWait    = 250 * time.Millisecond
	loaderDefaultRefresh = time.Second
)

// loaderParts is a store, writer and background refresher built from flags.
type loaderParts struct {
	pool      *pgxpool.Pool
	store     *loader.Store
	writer    *loader.Writer
	refresher *loader.Refresher
	metrics   *loader.Metrics
	limits    loader.BatchLimits
	stop      context.CancelFunc
}

func openLoader(c *cli.Context, url string, log *slog.Logger) (*loaderParts, error) {
	setMemoryLimit(c, log)
	pool, err := loader.OpenPool(c.Context, url, c.String("assistant-name"), loader.Connections(c.Int("writers")))
	if err != nil {
		return nil, err
	}
	store, err := loader.NewStore(c.Context, pool, loader.StoreConfig{
		DefaultAssistant:   c.String("assistant-name"),
		DefaultEnvironment: c.String("environment"),
		MaxEventBytes:      c.Int("max-event-bytes"),
		ConsumerGroup:      c.String("group"),
		EnforceForeignKeys: c.Bool("enforce-foreign-keys"),
	}, log)
	if err != nil {
		pool.Close()
		return nil, err
	}
	metrics := &loader.Metrics{}
	refresher := loader.NewRefresher(pool, c.Duration("refresh-interval"), log)
	refresher.Metrics = metrics
	ctx, stop := context.WithCancel(c.Context)
	go refresher.Run(ctx)
	return &loaderParts{
		pool:      pool,
		store:     store,
		writer:    &loader.Writer{Store: store, Refresher: refresher, Metrics: metrics, Log: log},
		refresher: refresher,
		metrics:   metrics,
		limits: loader.BatchLimits{
			MaxMessages: c.Int("batch-size"),
			MaxBytes:    c.Int("batch-bytes"),
			MaxWait:     c.Duration("batch-wait"),
		},
		stop: stop,
	}, nil
}

func (l *loaderParts) close() {
	l.stop()
	l.pool.Close()
}

// setMemoryLimit makes the garbage collector keep the heap under
// --memory-limit (the sidecar's budget) unless GOMEMLIMIT is set.
func setMemoryLimit(c *cli.Context, log *slog.Logger) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set || c.Int64("memory-limit-mb") <= 0 {
		return
	}
	debug.SetMemoryLimit(c.Int64("memory-limit-mb") << 20)
	log.Debug("memory limit", "mb", c.Int64("memory-limit-mb"))
}
