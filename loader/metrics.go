package loader

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// metrics counts what the loader does and renders it in the Prometheus text
// format. A nil *metrics ignores everything, so components take it optionally.
type metrics struct {
	mu            sync.Mutex
	messages      int64
	eventsStored  int64
	duplicates    int64
	rejected      map[string]int64
	batches       int64
	batchRetries  int64
	batchFailures int64
	batchSeconds  histogram
	lastBatchAt   time.Time

	refreshes      int64
	refreshSeconds histogram
	statsLag       histogram
	statsLagRecent []float64 // the last lagWindow samples, for quantiles
	pendingSince   time.Time // commit time of the oldest batch not yet covered by a refresh
	quarantined    int64     // statistics groups the refresh set aside

	lag map[topicPartition]int64 // consumer lag in messages
}

type topicPartition struct {
	topic     string
	partition int32
}

// lagWindow is how many recent statistics lag samples the quantiles cover.
const lagWindow = 4096

var (
	durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	lagBuckets      = []float64{0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30}
)

func (m *metrics) BatchStored(r Result) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.batches++
	m.messages += int64(r.Messages)
	m.eventsStored += int64(r.Stored)
	m.duplicates += int64(r.Duplicates)
	if m.rejected == nil {
		m.rejected = map[string]int64{}
	}
	for reason, n := range r.Rejected {
		m.rejected[string(reason)] += int64(n)
	}
	m.batchSeconds.observe(r.Elapsed.Seconds(), durationBuckets)
	m.lastBatchAt = time.Now()
	if m.pendingSince.IsZero() {
		m.pendingSince = m.lastBatchAt
	}
}

func (m *metrics) BatchRetried() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.batchRetries++
	m.mu.Unlock()
}

func (m *metrics) BatchFailed() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.batchFailures++
	m.mu.Unlock()
}

// RefreshDone records a successful refresh that started at started: every
// batch committed before then is now visible in the statistics.
func (m *metrics) RefreshDone(started time.Time, took time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refreshes++
	m.refreshSeconds.observe(took.Seconds(), durationBuckets)
	if !m.pendingSince.IsZero() && !m.pendingSince.After(started) {
		lag := started.Add(took).Sub(m.pendingSince).Seconds()
		m.statsLag.observe(lag, lagBuckets)
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

// SetQuarantined records how many statistics groups the refresh set aside.
func (m *metrics) SetQuarantined(n int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.quarantined = n
}

// SetLag records a partition's consumer lag in messages.
func (m *metrics) SetLag(topic string, partition int32, lag int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lag == nil {
		m.lag = map[topicPartition]int64{}
	}
	m.lag[topicPartition{topic, partition}] = lag
}

// Totals is a snapshot of the main counters.
type Totals struct {
	Messages, EventsStored, Duplicates, Rejected, Batches int64
}

// Totals returns the main counters.
func (m *metrics) Totals() Totals {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := Totals{Messages: m.messages, EventsStored: m.eventsStored, Duplicates: m.duplicates, Batches: m.batches}
	for _, n := range m.rejected {
		t.Rejected += n
	}
	return t
}

// WritePrometheus renders every metric in the Prometheus text format.
func (m *metrics) WritePrometheus(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counter := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	counter("analyticsdb_messages_total", "Messages read from Kafka or files.", m.messages)
	counter("analyticsdb_events_stored_total", "Events COPYed into ConversationEvent.", m.eventsStored)
	counter("analyticsdb_duplicates_total", "Exact duplicate messages dropped.", m.duplicates)
	counter("analyticsdb_batches_total", "Batches committed.", m.batches)
	counter("analyticsdb_batch_retries_total", "Batch attempts that failed transiently and were retried.", m.batchRetries)
	counter("analyticsdb_batch_failures_total", "Batches that failed for good.", m.batchFailures)
	counter("analyticsdb_statistics_refreshes_total", "Statistics refreshes run.", m.refreshes)

	fmt.Fprintf(w, "# HELP analyticsdb_statistics_quarantined_groups Statistics groups the refresh could not fold, set aside with their error (analytics.\"QuarantinedStatisticsGroup\").\n# TYPE analyticsdb_statistics_quarantined_groups gauge\nanalyticsdb_statistics_quarantined_groups %d\n", m.quarantined)

	fmt.Fprintf(w, "# HELP analyticsdb_rejected_total Messages stored in RejectedEvent, by reason.\n# TYPE analyticsdb_rejected_total counter\n")
	for _, reason := range slices.Sorted(maps.Keys(m.rejected)) {
		fmt.Fprintf(w, "analyticsdb_rejected_total{reason=%q} %d\n", reason, m.rejected[reason])
	}
	m.batchSeconds.write(w, "analyticsdb_batch_duration_seconds", "Time to write one batch, commit included.", durationBuckets)
	m.refreshSeconds.write(w, "analyticsdb_statistics_refresh_duration_seconds", "Time of one statistics refresh.", durationBuckets)
	m.statsLag.write(w, "analyticsdb_statistics_lag_seconds", "From a batch commit to the end of the refresh that made it visible in the daily statistics.", lagBuckets)
	fmt.Fprintf(w, "# HELP analyticsdb_statistics_lag_recent_seconds Quantiles of the last %d statistics lag samples.\n# TYPE analyticsdb_statistics_lag_recent_seconds summary\n", lagWindow)
	for _, q := range []float64{0.5, 0.95, 0.99, 1} {
		fmt.Fprintf(w, "analyticsdb_statistics_lag_recent_seconds{quantile=\"%g\"} %g\n", q, quantile(m.statsLagRecent, q))
	}

	fmt.Fprintf(w, "# HELP analyticsdb_consumer_lag Messages in a partition not yet stored.\n# TYPE analyticsdb_consumer_lag gauge\n")
	tps := make([]topicPartition, 0, len(m.lag))
	for tp := range m.lag {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		return tps[i].topic < tps[j].topic || tps[i].topic == tps[j].topic && tps[i].partition < tps[j].partition
	})
	for _, tp := range tps {
		fmt.Fprintf(w, "analyticsdb_consumer_lag{topic=%q,partition=\"%d\"} %d\n", tp.topic, tp.partition, m.lag[tp])
	}
	if !m.lastBatchAt.IsZero() {
		fmt.Fprintf(w, "# HELP analyticsdb_last_batch_timestamp_seconds When the last batch committed.\n# TYPE analyticsdb_last_batch_timestamp_seconds gauge\nanalyticsdb_last_batch_timestamp_seconds %d\n", m.lastBatchAt.Unix())
	}
}

// quantile of samples by linear interpolation (as percentile_cont); NaN if none.
func quantile(samples []float64, q float64) float64 {
	if len(samples) == 0 {
		return math.NaN()
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (s[lo+1]-s[lo])*(pos-float64(lo))
}

type histogram struct {
	counts []int64
	count  int64
	sum    float64
}

func (h *histogram) observe(v float64, buckets []float64) {
	if h.counts == nil {
		h.counts = make([]int64, len(buckets))
	}
	for i, b := range buckets {
		if v <= b {
			h.counts[i]++
		}
	}
	h.count++
	h.sum += v
}

func (h *histogram) write(w io.Writer, name, help string, buckets []float64) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	for i, b := range buckets {
		var c int64
		if h.counts != nil {
			c = h.counts[i]
		}
		fmt.Fprintf(w, "%s_bucket{le=%q} %d\n", name, strings.TrimRight(strings.TrimRight(fmt.Sprintf("%f", b), "0"), "."), c)
	}
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, h.count, name, h.sum, name, h.count)
}
