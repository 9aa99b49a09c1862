package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// newRegistry is the loader's own registry with the process's standard
// series (go_*, process_*, go_build_info), the build's version and the
// connection pool's statistics.
func newRegistry(pool *pgxpool.Pool, version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "analyticsdb_build_info",
			Help:        "Always 1; the analyticsdb version and Go version as labels.",
			ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
		}, func() float64 { return 1 }),
		poolCollector{pool},
	)
	return reg
}

// Gatherer gathers the loader's metrics for a Prometheus handler
// (promhttp.HandlerFor). Label values are redacted: topics are not ours to
// trust, and one may hold a URL with a password.
func (l *Loader) Gatherer() prometheus.Gatherer { return redacting{l.registry} }

// Registerer is where a caller adds metrics of its own to the loader's.
func (l *Loader) Registerer() prometheus.Registerer { return l.registry }

// WritePrometheus renders the loader's metrics in the Prometheus text format.
func (l *Loader) WritePrometheus(w io.Writer) error {
	families, err := l.Gatherer().Gather()
	for _, mf := range families {
		if _, werr := expfmt.MetricFamilyToText(w, mf); werr != nil {
			return werr
		}
	}
	return err
}

type redacting struct{ g prometheus.Gatherer }

func (r redacting) Gather() ([]*dto.MetricFamily, error) {
	families, err := r.g.Gather()
	for _, mf := range families {
		for _, m := range mf.Metric {
			for _, lp := range m.Label {
				if v := lp.GetValue(); v != "" {
					lp.Value = new(pgurl.Redact(v))
				}
			}
		}
	}
	return families, err
}

// Live reports a consumer loop that stopped turning: RunKafka runs, and for
// longer than cfg.LiveTimeout its loop has not polled and no writer has
// finished an attempt at a batch. Waiting for PostgreSQL or Kafka is not a
// stall (it is logged, and restarting would not help).
func (l *Loader) Live() error {
	l.mu.Lock()
	h := l.kafka
	l.mu.Unlock()
	if h == nil {
		return nil
	}
	polling, last := h.Polling()
	if !polling {
		return nil
	}
	if a := l.metrics.lastActivity(); a.After(last) {
		last = a
	}
	if idle := time.Since(last); idle > l.cfg.LiveTimeout {
		return fmt.Errorf("the consumer loop has not polled for %s", idle.Round(time.Second))
	}
	return nil
}

// Ready reports why the loader cannot load now: PostgreSQL does not answer,
// or RunKafka runs but no broker answered lately or no partition is assigned.
// Without RunKafka (a replay), PostgreSQL alone decides.
func (l *Loader) Ready(ctx context.Context) error {
	if err := l.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", pgurl.RedactError(err, l.cfg.DatabaseURL))
	}
	l.mu.Lock()
	h := l.kafka
	l.mu.Unlock()
	switch {
	case h == nil:
		return nil
	case !h.Reachable():
		return errors.New("no Kafka broker reachable")
	case h.Partitions() == 0:
		return errors.New("no partition assigned")
	}
	return nil
}

// Startup backoff: from startFirst, doubling, capped at startMax.
const (
	startFirst = 500 * time.Millisecond
	startMax   = 30 * time.Second
)

// waitFor calls try until it succeeds, ctx ends or timeout (if > 0) passes,
// logging each wait: what is awaited, the attempt, the next delay and try's
// error (redacted by try).
func waitFor(ctx context.Context, log *slog.Logger, what string, timeout time.Duration, try func(context.Context) error) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	delay := startFirst
	for attempt := 1; ; attempt++ {
		err := try(ctx)
		if err == nil {
			if attempt > 1 {
				log.Info(what+" is up", "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		log.Warn("waiting for "+what, "attempt", attempt, "next_attempt_in", delay, "error", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("gave up waiting for %s: %w", what, err)
		case <-t.C:
		}
		delay = min(2*delay, startMax)
	}
}
