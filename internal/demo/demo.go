// Package demo shows the whole product in one command: it starts what is
// missing (a throw-away PostgreSQL, an in-process Kafka), migrates, produces
// generated Rasa traffic, runs the loader, and prints the daily statistics
// the database computed, then how to point a BI tool at it.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

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
	DatabaseURL string   // empty: start a throw-away PostgreSQL
	Brokers     []string // empty: start an in-process Kafka
	KafkaOpts   []kgo.Opt
	Topic       string
	Traffic     traffic.Config
	Limits      loader.BatchLimits
	Keep        bool      // keep everything running until ctx ends
	Out         io.Writer // tables and instructions
	Progress    io.Writer // the progress line
	Log         *slog.Logger
}

// Run runs the demo.
func Run(ctx context.Context, o Options) error {
	if o.Topic == "" {
		o.Topic = "rasa-events"
	}
	url, stopDB, err := database(ctx, o)
	if err != nil {
		return err
	}
	defer stopDB()
	fmt.Fprintf(o.Progress, "migrating %s\n", pgurl.Redact(url))
	if err := db.Migrate(ctx, url, io.Discard); err != nil {
		return pgurl.RedactError(err, url)
	}
	brokers, stopKafka, err := kafka(o)
	if err != nil {
		return err
	}
	defer stopKafka()

	pool, err := loader.OpenPool(ctx, url, "unknown", loader.Connections(loader.DefaultWriters))
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := loader.NewStore(ctx, pool, loader.StoreConfig{MaxEventBytes: 8 << 20, ConsumerGroup: "analyticsdb-demo"}, o.Log)
	if err != nil {
		return err
	}
	metrics := &loader.Metrics{}
	refresher := loader.NewRefresher(pool, time.Second, o.Log)
	refresher.Metrics = metrics
	writer := &loader.Writer{Store: store, Refresher: refresher, Metrics: metrics, Log: o.Log}
	src, err := loader.NewKafkaSource(writer, loader.KafkaConfig{Brokers: brokers, Topic: o.Topic, Group: "analyticsdb-demo", Limits: o.Limits, Opts: o.KafkaOpts}, o.Log)
	if err != nil {
		return err
	}
	loadCtx, stopLoading := context.WithCancel(ctx)
	defer stopLoading()
	go refresher.Run(loadCtx)
	loaded := make(chan error, 1)
	go func() { loaded <- src.Run(loadCtx) }()

	start := time.Now()
	var produced atomic.Int64
	produceErr := make(chan error, 1)
	go func() { produceErr <- produce(ctx, brokers, o, &produced) }()
	if err := watch(ctx, o.Progress, metrics, &produced, produceErr, start); err != nil {
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
	if _, err := refresher.RefreshOnce(ctx, true); err != nil {
		return err
	}
	if err := report(ctx, pool, o.Out); err != nil {
		return err
	}
	connectHelp(o.Out, url, brokers, o)
	if o.Keep {
		fmt.Fprintln(o.Out, "\nKeeping PostgreSQL, Kafka and the loader running; press Ctrl-C to stop.")
		<-ctx.Done()
	}
	return nil
}

// database returns the URL to use and how to stop what was started for it.
func database(ctx context.Context, o Options) (string, func(), error) {
	if o.DatabaseURL != "" {
		return o.DatabaseURL, func() {}, nil
	}
	fmt.Fprintln(o.Progress, "starting a throw-away PostgreSQL (set DATABASE_URL to use yours)")
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
func kafka(o Options) ([]string, func(), error) {
	if len(o.Brokers) > 0 {
		return o.Brokers, func() {}, nil
	}
	fmt.Fprintln(o.Progress, "starting an in-process Kafka (set KAFKA_BROKERS to use yours)")
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, o.Topic))
	if err != nil {
		return nil, nil, fmt.Errorf("start in-process Kafka: %w", err)
	}
	return c.ListenAddrs(), c.Close, nil
}

// produce writes the generated traffic to the topic as Rasa's broker does.
func produce(ctx context.Context, brokers []string, o Options, produced *atomic.Int64) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(o.Topic),
		kgo.ProducerLinger(5 * time.Millisecond)}, o.KafkaOpts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	var firstErr atomic.Value
	_, err = traffic.Generate(ctx, o.Traffic, func(m traffic.Message) error {
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

// watch prints a progress line until every produced message is stored.
func watch(ctx context.Context, w io.Writer, m *loader.Metrics, produced *atomic.Int64, produceErr <-chan error, start time.Time) error {
	tick := time.NewTicker(250 * time.Millisecond)
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
		t := m.Totals()
		secs := time.Since(start).Seconds()
		fmt.Fprintf(w, "\rloading: %d produced, %d read, %d events stored, %d duplicates, %d rejected (%.0f events/s)   ",
			produced.Load(), t.Messages, t.EventsStored, t.Duplicates, t.Rejected, float64(t.EventsStored)/secs)
		if !producing && t.Messages >= produced.Load() {
			fmt.Fprintf(w, "\nloaded %d messages in %s\n", t.Messages, time.Since(start).Round(time.Millisecond))
			return nil
		}
	}
}
