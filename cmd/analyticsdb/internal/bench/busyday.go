package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/traffic"
	"github.com/twmb/franz-go/pkg/kfake"
)

// BusyDayResult is what the busy-day run measured: one day of one
// assistant, channel and model (a single statistics group), in time order,
// split into tenths by the events stored when a refresh ran.
type BusyDayResult struct {
	Events             int            `json:"events"`
	Seconds            float64        `json:"seconds"`
	Tenths             []BusyDayTenth `json:"tenths"`
	RefreshLastToFirst float64        `json:"refreshLastTenthToFirst"`         // mean refresh time, last tenth / first (target <= 1.2)
	PerEventLastFirst  float64        `json:"refreshPerEventLastTenthToFirst"` // refresh time per 1k events stored, last tenth / first
	LagP99Seconds      float64        `json:"statisticsLagP99Seconds"`         // over the whole day (target <= 2)
}

// BusyDayTenth is one tenth of the day's events.
type BusyDayTenth struct {
	Refreshes     int     `json:"refreshes"`
	RefreshMeanMs float64 `json:"refreshMeanMs"`
	// refresh time spent in the tenth per 1,000 events stored in it: a
	// refresh folds what was stored since the last one, so this is the cost
	// that must not grow with the day
	RefreshMsPer1k float64 `json:"refreshMsPer1kEvents"`
	RefreshP95Ms   float64 `json:"refreshP95Ms"`
	LagP50Seconds  float64 `json:"lagP50Seconds"`
	LagP99Seconds  float64 `json:"lagP99Seconds"`
}

// BusyDay loads one busy day through the loader (o.Events events, default
// 1,000,000) and watches the statistics refresh as the day fills: the cost of
// a refresh must not grow with the day (docs/performance.md).
func BusyDay(ctx context.Context, o Options) (BusyDayResult, error) {
	o.Events = cmp.Or(o.Events, 1_000_000)
	o.BatchSize = cmp.Or(o.BatchSize, loader.DefaultConfig().Batch.MaxMessages)
	res := BusyDayResult{}
	serverURL, _, stop, err := server(ctx, o)
	if err != nil {
		return res, err
	}
	defer stop()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topic))
	if err != nil {
		return res, err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	messages, err := produce(ctx, brokers, topic, busyDayConfig(o.Seed, o.Events), 0)
	if err != nil {
		return res, err
	}
	res.Events = messages
	fmt.Fprintf(o.Out, "generated %d messages of one day, one assistant, channel and model\n", messages)
	url, err := freshDatabase(ctx, serverURL, "bench_busy_day")
	if err != nil {
		return res, err
	}
	if _, err := preparePartitions(ctx, url, o.PartitionInterval, streamStart, streamStart.AddDate(0, 0, 1)); err != nil {
		return res, err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return res, err
	}
	defer pool.Close()

	var l group_
	var one runningLoader
	if o.LoaderBinary != "" {
		one, err = startChild(ctx, o, url, brokers, topic, "bench-busy-day")
	} else {
		one, err = startInProcess(ctx, o, url, brokers, topic, "bench-busy-day")
	}
	if err != nil {
		return res, err
	}
	l = append(l, one)
	defer l.stop()

	w, err := watchBusyDay(ctx, pool, l, messages)
	if err != nil {
		return res, err
	}
	res.Seconds = w.elapsed.Seconds()
	res.Tenths, res.LagP99Seconds = w.tenths(messages)
	if first, last := res.Tenths[0].RefreshMeanMs, res.Tenths[len(res.Tenths)-1].RefreshMeanMs; first > 0 {
		res.RefreshLastToFirst = last / first
	}
	if first, last := res.Tenths[0].RefreshMsPer1k, res.Tenths[len(res.Tenths)-1].RefreshMsPer1k; first > 0 {
		res.PerEventLastFirst = last / first
	}
	printBusyDay(o, res)
	return res, nil
}

func busyDayConfig(seed int64, events int) traffic.Config {
	start := streamStart
	cfg := trafficConfig(seed, events, start, 1)
	bank := traffic.DefaultAssistants(start)[0]
	bank.Models = bank.Models[:1]
	bank.Models[0].From = 0
	bank.Channels = []traffic.Channel{{Name: "socketio", Weight: 1}}
	cfg.Assistants = []traffic.Assistant{bank}
	cfg.Rasa316Share = 1 // one version string: model_name on every event
	return cfg
}

// busyDayWatch is what polling the database saw: when the stored count grew,
// and each refresh (start and end on the database's clock, the same machine's).
type busyDayWatch struct {
	elapsed   time.Duration
	commits   []progress
	refreshes []refresh
}

type progress struct {
	at     time.Time
	stored int64
}

type refresh struct {
	start, end time.Time
	stored     int64 // events stored when it was seen
}

func watchBusyDay(ctx context.Context, pool *pgxpool.Pool, l group_, messages int) (busyDayWatch, error) {
	var w busyDayWatch
	t0 := time.Now()
	deadline := t0.Add(time.Duration(messages/200+600) * time.Second)
	var last progress
	var lastRefresh time.Time
	for {
		if err := l.failed(); err != nil {
			return w, err
		}
		var stored, pending int64
		var refreshedAt *time.Time
		var durationMs *float64
		err := pool.QueryRow(ctx, `SELECT (SELECT coalesce(sum("nextOffset"), 0)::bigint FROM "KafkaOffset"),
			("lastRefreshAt"), "lastDurationMs", (`+statisticsPendingSQL+`)
			FROM analytics."RefreshLog"`).Scan(&stored, &refreshedAt, &durationMs, &pending)
		if err != nil {
			return w, err
		}
		now := time.Now()
		if stored > last.stored {
			last = progress{at: now, stored: stored}
			w.commits = append(w.commits, last)
		}
		if refreshedAt != nil && durationMs != nil && !refreshedAt.Equal(lastRefresh) {
			lastRefresh = *refreshedAt
			w.refreshes = append(w.refreshes, refresh{
				start: refreshedAt.Add(-time.Duration(*durationMs * float64(time.Millisecond))), end: *refreshedAt, stored: stored})
		}
		if stored >= int64(messages) && pending == 0 && refreshedAt != nil && refreshedAt.After(last.at) {
			w.elapsed = now.Sub(t0)
			return w, nil
		}
		if now.After(deadline) {
			return w, fmt.Errorf("only %d of %d messages stored and refreshed before the deadline", stored, messages)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tenths splits the refreshes and the statistics lag of each observed commit
// (until the end of the first refresh that started after it) by the tenth of
// the day's events stored at the time.
func (w busyDayWatch) tenths(messages int) ([]BusyDayTenth, float64) {
	tenth := func(stored int64) int { return min(9, int(stored*10/int64(max(1, messages)))) }
	durations := make([][]float64, 10)
	for _, r := range w.refreshes {
		durations[tenth(r.stored)] = append(durations[tenth(r.stored)], float64(r.end.Sub(r.start).Microseconds())/1000)
	}
	lags := make([][]float64, 10)
	var all []float64
	for _, c := range w.commits {
		i := slices.IndexFunc(w.refreshes, func(r refresh) bool { return !r.start.Before(c.at) })
		if i < 0 {
			continue
		}
		lag := w.refreshes[i].end.Sub(c.at).Seconds()
		lags[tenth(c.stored-1)] = append(lags[tenth(c.stored-1)], lag)
		all = append(all, lag)
	}
	out := make([]BusyDayTenth, 10)
	for i := range out {
		out[i] = BusyDayTenth{Refreshes: len(durations[i]), RefreshMeanMs: mean(durations[i]), RefreshP95Ms: quantileOf(durations[i], 0.95),
			RefreshMsPer1k: mean(durations[i]) * float64(len(durations[i])) / (float64(messages) / 10) * 1000,
			LagP50Seconds:  quantileOf(lags[i], 0.5), LagP99Seconds: quantileOf(lags[i], 0.99)}
	}
	return out, quantileOf(all, 0.99)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// quantileOf is the nearest-rank quantile of xs (0 when empty).
func quantileOf(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func printBusyDay(o Options, r BusyDayResult) {
	fmt.Fprintf(o.Out, "\nbusy day: %d events in %.0f s (%.0f events/s)\n", r.Events, r.Seconds, float64(r.Events)/r.Seconds)
	fmt.Fprintf(o.Out, "%-8s %10s %16s %15s %14s %12s %12s\n", "tenth", "refreshes", "refresh mean ms", "refresh p95 ms", "ms per 1k ev", "lag p50 s", "lag p99 s")
	for i, t := range r.Tenths {
		fmt.Fprintf(o.Out, "%-8d %10d %16.1f %15.1f %14.2f %12.2f %12.2f\n", i+1, t.Refreshes, t.RefreshMeanMs, t.RefreshP95Ms,
			t.RefreshMsPer1k, t.LagP50Seconds, t.LagP99Seconds)
	}
	fmt.Fprintf(o.Out, "refresh time, last tenth / first (target <= 1.2): %.2f mean, %.2f per event\n", r.RefreshLastToFirst, r.PerEventLastFirst)
	fmt.Fprintf(o.Out, "statistics lag p99 over the day (s, target <= 2): %.2f\n", r.LagP99Seconds)
	line, _ := json.Marshal(r)
	fmt.Fprintf(o.Out, "%s\n", line)
}
