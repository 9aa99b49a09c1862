package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/loader/internal/kafka"
	"github.com/openrasa/analyticsdb/loader/internal/write"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
)

// Loader is one loader: a connection pool, the store that writes batches,
// the statistics refresher and the metrics, built from one Config. It closes
// what it opened.
type Loader struct {
	cfg       Config
	kafkaOpts []kgo.Opt // from cfg.Kafka.Security
	pool      *pgxpool.Pool
	store     *write.Store
	writer    *write.Writer
	refresher *refresher
	metrics   *metrics
	registry  *prometheus.Registry
	log       *slog.Logger

	mu         sync.Mutex
	refreshing int                // Run methods under way, which keep the refresher running
	stop       context.CancelFunc // stops the refresher
	kafka      *kafka.Health      // while RunKafka runs
}

// New connects to cfg.DatabaseURL and prepares a loader; zero fields of cfg
// take their defaults (DefaultConfig). With cfg.WaitAtStart it waits for
// PostgreSQL until ctx ends. Errors never contain the password.
func New(ctx context.Context, cfg Config) (*Loader, error) {
	cfg = cfg.withDefaults()
	pool, err := openPool(ctx, cfg, connections(cfg.Writers))
	if err != nil {
		return nil, err
	}
	store, err := write.NewStore(ctx, pool, write.StoreConfig{
		DefaultAssistant:   cfg.AssistantName,
		DefaultEnvironment: cfg.Environment,
		MaxEventBytes:      cfg.MaxEventBytes,
		ConsumerGroup:      cfg.Kafka.Group,
		SenderCacheSize:    cfg.SenderCacheSize,
		EnforceForeignKeys: cfg.EnforceForeignKeys,
	}, cfg.Log)
	if err != nil {
		pool.Close()
		return nil, err
	}
	kafkaOpts, err := cfg.Kafka.Security.ClientOpts()
	if err != nil {
		pool.Close()
		return nil, err
	}
	kafkaOpts = append(kafkaOpts, kafka.LogFailedConnects(cfg.Log))
	for _, w := range cfg.Kafka.Security.Warnings() {
		cfg.Log.Warn(w)
	}
	registry := newRegistry(pool, cfg.Version)
	metrics := newMetrics(registry)
	refresher := newRefresher(pool, cfg.RefreshInterval, cfg.Log)
	refresher.Metrics = metrics
	return &Loader{
		cfg:       cfg,
		kafkaOpts: kafkaOpts,
		pool:      pool,
		store:     store,
		writer:    &write.Writer{Store: store, Refresher: refresher, Metrics: metrics, Log: cfg.Log},
		refresher: refresher,
		metrics:   metrics,
		registry:  registry,
		log:       cfg.Log,
	}, nil
}

// Close closes the pool. Call it after the Run methods returned.
func (l *Loader) Close() { l.pool.Close() }

// RunKafka consumes cfg.Kafka.Topic as a member of cfg.Kafka.Group until ctx
// is done, then finishes the open batches and leaves the group. Offsets live
// in PostgreSQL, written in each batch's transaction.
//
// With cfg.WaitAtStart it first waits for a broker to answer. The client's
// own metrics (kprom, analyticsdb_kafka_*) are on the loader's registry
// while it runs.
func (l *Loader) RunKafka(ctx context.Context) error {
	health := &kafka.Health{}
	l.mu.Lock()
	if l.kafka != nil {
		l.mu.Unlock()
		return errors.New("RunKafka is already running on this loader")
	}
	l.kafka = health
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.kafka = nil
		l.mu.Unlock()
	}()
	opts := slices.Concat(l.kafkaOpts, l.cfg.Kafka.Opts)
	if l.cfg.WaitAtStart {
		err := waitFor(ctx, l.log, "Kafka", l.cfg.StartTimeout, func(ctx context.Context) error {
			return kafka.PingBrokers(ctx, l.cfg.Kafka.Brokers, 10*time.Second, opts...)
		})
		if err != nil && ctx.Err() != nil {
			return nil // stopped while waiting: nothing was read
		}
		if err != nil {
			return err
		}
	}
	clientMetrics := kprom.NewMetrics("analyticsdb", kprom.Subsystem("kafka"), kprom.Registerer(l.registry),
		kprom.FetchAndProduceDetail(kprom.ByNode, kprom.ByTopic, kprom.Records, kprom.CompressedBytes, kprom.UncompressedBytes))
	src, err := kafka.NewSource(l.writer, l.metrics, kafka.Config{
		Brokers:        l.cfg.Kafka.Brokers,
		Topic:          l.cfg.Kafka.Topic,
		Group:          l.cfg.Kafka.Group,
		SessionTimeout: l.cfg.Kafka.SessionTimeout,
		Batch:          l.cfg.Batch,
		Writers:        l.cfg.Writers,
		Opts:           append(opts, kgo.WithHooks(clientMetrics)),
		Health:         health,
		IdlePoll:       min(5*time.Second, l.cfg.LiveTimeout/4),
	}, l.log)
	if err != nil {
		return err
	}
	defer l.refreshWhileRunning(ctx)()
	return src.Run(ctx)
}

// Replay loads a JSONL stream (a `rasa export` file, or stdin) named name:
// one message per line, lines numbered from 1, blank lines skipped, then
// refreshes the statistics. Replaying the same file again stores nothing new:
// ids are deterministic.
func (l *Loader) Replay(ctx context.Context, name string, r io.Reader) (FileTotals, error) {
	stop := l.refreshWhileRunning(ctx)
	totals, err := replayFile(ctx, l.writer, name, r, l.cfg.Batch)
	stop()
	if err != nil {
		return totals, err
	}
	return totals, l.refreshNow(ctx)
}

// ReplayRejected re-ingests the rejected messages the database now accepts
// (typically after a migration added an event type), in their original
// stream positions, then refreshes the statistics. See write.Store.ReplayRejected.
func (l *Loader) ReplayRejected(ctx context.Context) (ReplayTotals, error) {
	stop := l.refreshWhileRunning(ctx)
	totals, err := l.store.ReplayRejected(ctx, l.cfg.ReplayChunk)
	stop()
	if err != nil {
		return totals, err
	}
	return totals, l.refreshNow(ctx)
}

// Write stores one batch in one transaction, retrying transient errors, as
// the sources do (tests write their own batches with it).
func (l *Loader) Write(ctx context.Context, b *Batch) (Result, error) {
	return l.writer.Write(ctx, b)
}

// Status reads the stored offsets, rejected messages and refresh state, and
// asks the brokers for the lag when cfg.Kafka.Brokers is set.
func (l *Loader) Status(ctx context.Context) (Status, error) {
	st, err := readStatus(ctx, l.pool, l.store.OnCitus())
	if err != nil || len(l.cfg.Kafka.Brokers) == 0 {
		return st, err
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st.LagError = st.addLag(lctx, l.cfg.Kafka.Brokers, append(l.kafkaOpts, l.cfg.Kafka.Opts...)...)
	return st, nil
}

// Ping checks that PostgreSQL answers.
func (l *Loader) Ping(ctx context.Context) error { return l.pool.Ping(ctx) }

// Totals returns the main counters since New.
func (l *Loader) Totals() Totals { return l.metrics.Totals() }

// refreshWhileRunning runs the background refresher (unless it is off) until
// the returned stop is called by the last Run method still under way.
func (l *Loader) refreshWhileRunning(ctx context.Context) (stop func()) {
	if l.cfg.RefreshInterval < 0 {
		return func() {}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refreshing == 0 {
		rctx, cancel := context.WithCancel(ctx)
		l.stop = cancel
		go l.refresher.Run(rctx)
	}
	l.refreshing++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.refreshing--; l.refreshing == 0 {
			l.stop()
		}
	}
}

// refreshNow refreshes the statistics, waiting for a concurrent refresh.
func (l *Loader) refreshNow(ctx context.Context) error {
	if _, err := l.refresher.RefreshOnce(ctx, true); err != nil {
		return fmt.Errorf("refresh statistics: %w", err)
	}
	return nil
}
