package loader

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/scan"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts what the loader does, on the loader's own registry (never
// the global one: tests run many loaders in one process). A nil *metrics
// ignores everything, so components take it optionally.
type metrics struct {
	messages, eventsStored, duplicates, batches prometheus.Counter
	batchRetries, batchFailures                 prometheus.Counter
	refreshes, refreshFailures                  prometheus.Counter
	rejected                                    *prometheus.CounterVec
	batchSeconds, refreshSeconds, statsLag      prometheus.Histogram
	quarantined                                 prometheus.Gauge
	lag                                         *prometheus.GaugeVec // consumer lag in messages, by topic and partition

	activity atomic.Int64 // unix nanoseconds of the last batch outcome, stored, retried or failed: the writers are alive

	mu             sync.Mutex
	totals         Totals
	lastBatchAt    time.Time
	statsLagRecent []float64 // the last lagWindow samples, for quantiles
	pendingSince   time.Time // commit time of the oldest batch not yet covered by a refresh
}

// lagWindow is how many recent statistics lag samples the quantiles cover.
const lagWindow = 4096

var (
	durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	lagBuckets      = []float64{0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30}

	lagRecentDesc = prometheus.NewDesc("analyticsdb_statistics_lag_recent_seconds",
		"Quantiles of the last "+strconv.Itoa(lagWindow)+" statistics lag samples.", nil, nil)
	lastBatchDesc = prometheus.NewDesc("analyticsdb_last_batch_timestamp_seconds", "When the last batch committed.", nil, nil)
)

// newMetrics makes the loader's metrics and registers them on reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	histogram := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	}
	m := &metrics{
		messages:        counter("analyticsdb_messages_total", "Messages read from Kafka or files."),
		eventsStored:    counter("analyticsdb_events_stored_total", "Events COPYed into ConversationEvent."),
		duplicates:      counter("analyticsdb_duplicates_total", "Exact duplicate messages dropped."),
		batches:         counter("analyticsdb_batches_total", "Batches committed."),
		batchRetries:    counter("analyticsdb_batch_retries_total", "Batch attempts that failed transiently and were retried."),
		batchFailures:   counter("analyticsdb_batch_failures_total", "Batches that failed for good."),
		refreshes:       counter("analyticsdb_statistics_refreshes_total", "Statistics refreshes run."),
		refreshFailures: counter("analyticsdb_statistics_refresh_failures_total", "Statistics refreshes that failed (retried at the next interval)."),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "analyticsdb_rejected_total", Help: "Messages stored in RejectedEvent, by reason.",
		}, []string{"reason"}),
		batchSeconds:   histogram("analyticsdb_batch_duration_seconds", "Time to write one batch, commit included.", durationBuckets),
		refreshSeconds: histogram("analyticsdb_statistics_refresh_duration_seconds", "Time of one statistics refresh.", durationBuckets),
		statsLag: histogram("analyticsdb_statistics_lag_seconds",
			"From a batch commit to the end of the refresh that made it visible in the daily statistics.", lagBuckets),
		quarantined: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "analyticsdb_statistics_quarantined_groups",
			Help: `Statistics groups the refresh could not fold, set aside with their error (analytics."QuarantinedStatisticsGroup").`,
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "analyticsdb_consumer_lag", Help: "Messages in a partition assigned to this loader not yet stored.",
		}, []string{"topic", "partition"}),
	}
	for _, r := range scan.Reasons { // every reason from 0, so that rate() sees the first rejection
		m.rejected.WithLabelValues(string(r))
	}
	reg.MustRegister(m.messages, m.eventsStored, m.duplicates, m.batches, m.batchRetries, m.batchFailures,
		m.refreshes, m.refreshFailures, m.rejected, m.batchSeconds, m.refreshSeconds, m.statsLag, m.quarantined, m.lag, m)
	return m
}

// Describe and Collect make m the collector of the two series computed at
// scrape time: the recent statistics lag quantiles, and the last batch's
// time (absent before the first batch).
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- lagRecentDesc
	ch <- lastBatchDesc
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	recent := slices.Clone(m.statsLagRecent)
	last := m.lastBatchAt
	m.mu.Unlock()
	slices.Sort(recent)
	quantiles := map[float64]float64{}
	for _, q := range []float64{0.5, 0.95, 0.99, 1} {
		quantiles[q] = quantile(recent, q)
	}
	var sum float64
	for _, v := range recent {
		sum += v
	}
	ch <- prometheus.MustNewConstSummary(lagRecentDesc, uint64(len(recent)), sum, quantiles)
	if !last.IsZero() {
		ch <- prometheus.MustNewConstMetric(lastBatchDesc, prometheus.GaugeValue, float64(last.Unix()))
	}
}

func (m *metrics) BatchStored(r Result) {
	if m == nil {
		return
	}
	m.messages.Add(float64(r.Messages))
	m.eventsStored.Add(float64(r.Stored))
	m.duplicates.Add(float64(r.Duplicates))
	m.batches.Inc()
	m.batchSeconds.Observe(r.Elapsed.Seconds())
	var rejected int64
	for reason, n := range r.Rejected {
		m.rejected.WithLabelValues(string(reason)).Add(float64(n))
		rejected += int64(n)
	}
	now := time.Now()
	m.activity.Store(now.UnixNano())
	m.mu.Lock()
	defer m.mu.Unlock()
	m.totals.Batches++
	m.totals.Messages += int64(r.Messages)
	m.totals.EventsStored += int64(r.Stored)
	m.totals.Duplicates += int64(r.Duplicates)
	m.totals.Rejected += rejected
	m.lastBatchAt = now
	if m.pendingSince.IsZero() {
		m.pendingSince = now
	}
}

func (m *metrics) BatchRetried() {
	if m == nil {
		return
	}
	m.batchRetries.Inc()
	m.activity.Store(time.Now().UnixNano())
}

func (m *metrics) BatchFailed() {
	if m == nil {
		return
	}
	m.batchFailures.Inc()
	m.activity.Store(time.Now().UnixNano())
}

// lastActivity is when a writer last finished an attempt at a batch.
func (m *metrics) lastActivity() time.Time { return time.Unix(0, m.activity.Load()) }

// RefreshDone records a successful refresh that started at started: every
// batch committed before then is now visible in the statistics.
func (m *metrics) RefreshDone(started time.Time, took time.Duration) {
	if m == nil {
		return
	}
	m.refreshes.Inc()
	m.refreshSeconds.Observe(took.Seconds())
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.pendingSince.IsZero() && !m.pendingSince.After(started) {
		lag := started.Add(took).Sub(m.pendingSince).Seconds()
		m.statsLag.Observe(lag)
		if len(m.statsLagRecent) == lagWindow {
			m.statsLagRecent = m.statsLagRecent[1:]
		}
		m.statsLagRecent = append(m.statsLagRecent, lag)
		m.pendingSince = time.Time{}
		if m.lastBatchAt.After(started) {
			m.pendingSince = m.lastBatchAt
		}
	}
}

// RefreshFailed records a refresh that failed.
func (m *metrics) RefreshFailed() {
	if m != nil {
		m.refreshFailures.Inc()
	}
}

// SetQuarantined records how many statistics groups the refresh set aside.
func (m *metrics) SetQuarantined(n int64) {
	if m != nil {
		m.quarantined.Set(float64(n))
	}
}

// SetLag records a partition's consumer lag in messages.
func (m *metrics) SetLag(topic string, partition int32, lag int64) {
	if m != nil {
		m.lag.WithLabelValues(topic, strconv.Itoa(int(partition))).Set(float64(lag))
	}
}

// DeleteLag drops a partition's lag series: the partition moved to another
// loader, which reports it from now on (a stale series would double-count).
func (m *metrics) DeleteLag(topic string, partition int32) {
	if m != nil {
		m.lag.DeleteLabelValues(topic, strconv.Itoa(int(partition)))
	}
}

// Totals is a snapshot of the main counters.
type Totals struct {
	Messages, EventsStored, Duplicates, Rejected, Batches int64
}

// Totals returns the main counters.
func (m *metrics) Totals() Totals {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totals
}

// quantile of sorted samples by linear interpolation (as percentile_cont);
// NaN if none.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (s[lo+1]-s[lo])*(pos-float64(lo))
}
