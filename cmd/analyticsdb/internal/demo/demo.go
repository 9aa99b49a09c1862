// Package demo shows the whole product in one command: it starts what is
// missing (a throw-away PostgreSQL, an in-process Kafka), migrates, produces
// generated Rasa traffic, runs the loader, and prints a summary of the
// period and the daily statistics the database computed, then how to point a
// BI tool at it.
package demo

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/cmd/analyticsdb/internal/progress"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/traffic"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Options configure a demo run.
type Options struct {
	// Loader configures the loader. Without a DatabaseURL the demo starts a
	// throw-away PostgreSQL, without Kafka.Brokers an in-process Kafka; its
	// consumer group is always analyticsdb-demo.
	Loader  loader.Config
	Traffic traffic.Config
	Keep    bool      // keep everything running until ctx ends
	Out     io.Writer // tables and instructions
	// Progress: what the demo starts, on Progress.W, and how far loading
	// got, redrawn in place on a terminal or logged every interval.
	Progress progress.Output
}

// Run runs the demo.
func Run(ctx context.Context, o Options) error {
	cfg := o.Loader
	cfg.Kafka.Group = "analyticsdb-demo"
	if cfg.Kafka.Topic == "" {
		cfg.Kafka.Topic = loader.DefaultConfig().Kafka.Topic
	}
	url, stopDB, err := database(ctx, cfg.DatabaseURL, o.Progress.W)
	if err != nil {
		return err
	}
	defer stopDB()
	fmt.Fprintf(o.Progress.W, "migrating %s\n", pgurl.Redact(url))
	if err := db.Migrate(ctx, url, io.Discard); err != nil {
		return pgurl.RedactError(err, url)
	}
	brokers, stopKafka, err := kafka(cfg.Kafka, o.Progress.W)
	if err != nil {
		return err
	}
	defer stopKafka()
	kafkaOpts, err := cfg.Kafka.Security.ClientOpts()
	if err != nil {
		return err
	}

	cfg.DatabaseURL, cfg.Kafka.Brokers = url, brokers
	l, err := loader.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	pool, err := pgxpool.New(ctx, url) // for the report
	if err != nil {
		return pgurl.RedactError(err, url)
	}
	defer pool.Close()
	loadCtx, stopLoading := context.WithCancel(ctx)
	defer stopLoading()
	loaded := make(chan error, 1)
	go func() { loaded <- l.RunKafka(loadCtx) }()

	var produced atomic.Int64
	produceErr := make(chan error, 1)
	go func() {
		produceErr <- produce(ctx, brokers, cfg.Kafka.Topic, kafkaOpts, o.Traffic, &produced)
	}()
	if err := watch(ctx, o.Progress, l, &produced, produceErr); err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(o.Out)
	} else {
		stopLoading()
		if err := <-loaded; err != nil {
			return err
		}
	}
	if _, err := pool.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
		return err
	}
	if err := report(ctx, pool, o.Out); err != nil {
		return err
	}
	connectHelp(o.Out, url, brokers, cfg.Kafka.Topic, o)
	if o.Keep {
		fmt.Fprintln(o.Out, "\nKeeping PostgreSQL, Kafka and the loader running; press Ctrl-C to stop.")
		<-ctx.Done()
	}
	return nil
}

// database returns the URL to use and how to stop what was started for it.
func database(ctx context.Context, url string, progress io.Writer) (string, func(), error) {
	if url != "" {
		return url, func() {}, nil
	}
	fmt.Fprintln(progress, "starting a throw-away PostgreSQL (set DATABASE_URL to use yours)")
	srv, err := pgserver.Start(ctx, pgserver.Options{Settings: map[string]string{"shared_buffers": "256MB"}})
	if err != nil {
		return "", nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	if err := pgserver.CreateDatabase(ctx, srv.URL(), "studio", ""); err != nil {
		_ = srv.Stop()
		return "", nil, err
	}
	return srv.DatabaseURL("studio"), func() { _ = srv.Stop() }, nil
}

// kafka returns the brokers to use and how to stop what was started for them.
func kafka(cfg loader.KafkaConfig, progress io.Writer) ([]string, func(), error) {
	if len(cfg.Brokers) > 0 {
		return cfg.Brokers, func() {}, nil
	}
	fmt.Fprintln(progress, "starting an in-process Kafka (set KAFKA_BROKERS to use yours)")
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, cfg.Topic))
	if err != nil {
		return nil, nil, fmt.Errorf("start in-process Kafka: %w", err)
	}
	return c.ListenAddrs(), c.Close, nil
}

// produce writes the generated traffic to the topic as Rasa's broker does.
func produce(ctx context.Context, brokers []string, topic string, opts []kgo.Opt, cfg traffic.Config, produced *atomic.Int64) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(5 * time.Millisecond)}, opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	var firstErr atomic.Value
	_, err = traffic.Generate(ctx, cfg, func(m traffic.Message) error {
		r := &kgo.Record{Key: clone(m.Key), Value: clone(m.Value)}
		for _, h := range m.Headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: clone(h.Value)})
		}
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
				return
			}
			produced.Add(1)
		})
		if v := firstErr.Load(); v != nil {
			return v.(error)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	if v := firstErr.Load(); v != nil {
		return v.(error)
	}
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// watch reports the progress of loading until every produced message is
// stored.
func watch(ctx context.Context, p progress.Output, l *loader.Loader, produced *atomic.Int64, produceErr <-chan error) error {
	start := time.Now()
	stop := p.Start(func(elapsed time.Duration) progress.Report {
		t, n := l.Totals(), produced.Load()
		rate := float64(t.EventsStored) / elapsed.Seconds()
		return progress.Report{
			Line: fmt.Sprintf("loading: %d produced, %d read, %d events stored, %d duplicates, %d rejected (%.0f events/s)",
				n, t.Messages, t.EventsStored, t.Duplicates, t.Rejected, rate),
			Msg: "demo progress",
			Attrs: []any{"produced", n, "read", t.Messages, "stored", t.EventsStored, "duplicates", t.Duplicates,
				"rejected", t.Rejected, "events_per_second", int64(rate)},
		}
	})
	defer stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	producing := true
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-produceErr:
			if err != nil {
				return fmt.Errorf("produce traffic: %w", err)
			}
			producing = false
		case <-tick.C:
		}
		if read := l.Totals().Messages; !producing && read >= produced.Load() {
			stop()
			fmt.Fprintf(p.W, "loaded %d messages in %s\n", read, time.Since(start).Round(time.Millisecond))
			return nil
		}
	}
}
