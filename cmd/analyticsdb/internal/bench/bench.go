// Package bench measures ingestion side by side with the physical limit of the
// box: the same events through Kafka, the loader, COPY, the triggers and the
// statistics refresh, against a bare COPY of the same rows into a copy of
// ConversationEvent with the same indexes and no triggers. It also repeats the
// full path with history already stored, and reports statistics lag, loader
// memory and WAL per event (docs/decisions.md, "Targets").
package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/traffic"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Options size a run.
type Options struct {
	ServerURL string // a server where the bench may create databases; empty: start one
	Events    int    // events of the measured stream
	History   int    // events already stored for the history run; 0 skips it
	// HistoryDays spreads the history over the days before the measured
	// stream; 0 means one day per 40,000 events, at least 7.
	HistoryDays int
	// PartitionInterval is analytics."EventPartitionSettings"."interval" of
	// every database the bench makes ("": the migration's default). "none"
	// makes no leaf for the bench's days: every row then goes through the
	// partitioned table into its default partition, COPY's row-by-row path.
	PartitionInterval string
	BatchSize         int
	// PadBytes adds a top-level field of this many bytes to every event of
	// the measured stream: large events, for the memory bound.
	PadBytes      int
	Loaders       int // loaders in the consumer group of the measured runs (default 1)
	Writers       int // parallel writers per loader (the loader's --writers; default 2)
	Rounds        int // bare COPY and end-to-end runs, alternating; the median ratio is reported (default 1)
	Seed          int64
	SharedBuffers string // of the server the bench starts; "" means 1GB
	LoaderBinary  string // the analyticsdb binary, run as a child to measure its memory; empty: in-process
	// Citus runs the bench on a Citus coordinator and two workers (citus.go):
	// Cluster if set, else a cluster the bench starts. ServerURL must be empty.
	Citus      bool
	Cluster    *pgserver.CitusCluster
	ShardCount int // citus.shard_count of each Citus database; 0: Citus's default (32)
	Out        io.Writer
	Log        *slog.Logger
}

// Result is one run's figures; throughput is events per second.
type Result struct {
	Events              int       `json:"events"`
	PadBytes            int       `json:"padBytes,omitempty"`
	BatchSize           int       `json:"batchSize"`
	Loaders             int       `json:"loaders"`
	Writers             int       `json:"writers"`
	SharedBuffers       string    `json:"sharedBuffers,omitempty"` // of a server the bench started
	CopyEventsPerSec    float64   `json:"bareCopyEventsPerSec"`
	FullEventsPerSec    float64   `json:"endToEndEventsPerSec"`
	Ratio               float64   `json:"ratio"`       // of the round with the median ratio
	RoundRatios         []float64 `json:"roundRatios"` // every round's, in order
	HistoryEvents       int       `json:"historyEvents"`
	HistoryDays         int       `json:"historyDays,omitempty"`
	PartitionInterval   string    `json:"partitionInterval"`
	HistoryEventsPerSec float64   `json:"historyEndToEndEventsPerSec,omitempty"`
	// The end-to-end runs on empty databases just before and just after the
	// one with history; HistoryRatio is to their mean.
	HistoryNeighboursPerSec []float64 `json:"historyNeighboursEventsPerSec,omitempty"`
	HistoryRatio            float64   `json:"historyRatio,omitempty"`
	// The bare COPY into a table already holding the same history, and its
	// ratio to the mean of the bare COPYs into empty tables just before and
	// just after it: the history cost of the physical limit itself.
	HistoryCopyEventsPerSec     float64   `json:"historyBareCopyEventsPerSec,omitempty"`
	HistoryCopyNeighboursPerSec []float64 `json:"historyBareCopyNeighboursEventsPerSec,omitempty"`
	HistoryCopyRatio            float64   `json:"historyBareCopyRatio,omitempty"`
	LagP50Seconds               float64   `json:"statisticsLagP50Seconds"`
	LagP95Seconds               float64   `json:"statisticsLagP95Seconds"`
	LagP99Seconds               float64   `json:"statisticsLagP99Seconds"`
	LagMaxSeconds               float64   `json:"statisticsLagMaxSeconds"`
	LoaderPeakRSSMB             float64   `json:"loaderPeakRssMB"` // -1 when the loader ran in-process
	WALBytesPerEventCopy        float64   `json:"walBytesPerEventBareCopy"`
	WALBytesPerEventFull        float64   `json:"walBytesPerEventEndToEnd"`
	WALBytesPerEventHist        float64   `json:"walBytesPerEventWithHistory,omitempty"`
	// IndexesPrewarmed says the measured runs started with the indexes that
	// take random inserts in shared_buffers (pg_prewarm), as in a running system.
	IndexesPrewarmed bool `json:"indexesPrewarmed"`
	// CPU milliseconds per 1,000 events, where /proc can tell (a local server
	// this run started); nil otherwise.
	CPU *CPUPerThousand `json:"cpuMsPerThousandEvents,omitempty"`
	// CitusWorkers and CitusShardCount describe a Citus run (0: not one).
	CitusWorkers    int `json:"citusWorkers,omitempty"`
	CitusShardCount int `json:"citusShardCount,omitempty"`
}

// CPUPerThousand splits the CPU time of the bare COPY and of the end-to-end
// run by party, in milliseconds per 1,000 events.
type CPUPerThousand struct {
	BareCopyPostgres float64 `json:"bareCopyPostgres"`
	BareCopyClient   float64 `json:"bareCopyClient"`
	EndToEndPostgres float64 `json:"endToEndPostgres"`
	EndToEndLoader   float64 `json:"endToEndLoader"` // 0 with --in-process: counted in EndToEndKafka
	EndToEndKafka    float64 `json:"endToEndKafka"`  // this process: the in-process Kafka
	HistoryPostgres  float64 `json:"historyPostgres,omitempty"`
	HistoryLoader    float64 `json:"historyLoader,omitempty"`
	// PostgreSQL's, of the end-to-end runs on empty databases just before
	// and after the one with history, of the bare COPY with history and of
	// the bare COPYs into empty tables around it: on a shared box the CPU
	// per event drifts less than the throughput.
	HistoryNeighboursPostgres     []float64 `json:"historyNeighboursPostgres,omitempty"`
	HistoryBareCopyPostgres       float64   `json:"historyBareCopyPostgres,omitempty"`
	HistoryBareNeighboursPostgres []float64 `json:"historyBareCopyNeighboursPostgres,omitempty"`
	// On Citus, PostgreSQL's CPU of the bare COPY and the end-to-end run per
	// server: the coordinator, then the workers.
	BareCopyPostgresByNode []float64 `json:"bareCopyPostgresByNode,omitempty"`
	EndToEndPostgresByNode []float64 `json:"endToEndPostgresByNode,omitempty"`
}

const topic = "bench"

// The measured stream's week; the history comes before it.
var streamStart = time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)

const streamDays = 7

// Run runs the benchmark and prints a table and a JSON line to o.Out.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = loader.DefaultConfig().Batch.MaxMessages
	}
	// This process holds the generated stream (in the in-process Kafka) and
	// the bare COPY's rows: collect its garbage rarely, so its own CPU use
	// disturbs the measured runs as little as possible.
	defer debug.SetGCPercent(debug.SetGCPercent(1000))
	o.Loaders = max(1, o.Loaders)
	if o.Writers <= 0 {
		o.Writers = loader.DefaultConfig().Writers
	}
	if o.History > 0 && o.HistoryDays <= 0 {
		o.HistoryDays = max(7, o.History/40_000)
	}
	res := Result{Events: o.Events, PadBytes: o.PadBytes, BatchSize: o.BatchSize, Loaders: o.Loaders, Writers: o.Writers, LoaderPeakRSSMB: -1,
		HistoryDays: o.HistoryDays}
	if o.ServerURL == "" {
		res.SharedBuffers = cmp.Or(o.SharedBuffers, "1GB")
	}
	var (
		citus     *pgserver.CitusCluster
		serverURL string
		meter     cpuMeter
		stop      func()
		err       error
	)
	if o.Citus {
		if o.ServerURL != "" {
			return res, fmt.Errorf("bench: a Citus run starts its own servers; --server-url is not for it")
		}
		citus, meter, stop, err = citusServer(ctx, o)
		res.CitusWorkers, res.CitusShardCount = len(citus.Workers), cmp.Or(o.ShardCount, 32)
	} else {
		serverURL, meter, stop, err = server(ctx, o)
	}
	if err != nil {
		return res, err
	}
	defer stop()

	// Every database gets the same leaves, for the history's days and the
	// measured week, so that the runs with and without history differ in
	// what the leaves hold only.
	historyStart := streamStart.AddDate(0, 0, -o.HistoryDays)
	fresh := func(name string) (string, error) {
		var url string
		var err error
		if citus != nil {
			url, err = freshCitusDatabase(ctx, citus, name, o.ShardCount)
		} else {
			url, err = freshDatabase(ctx, serverURL, name)
		}
		if err != nil {
			return "", err
		}
		interval, err := preparePartitions(ctx, url, o.PartitionInterval, historyStart, streamStart.AddDate(0, 0, streamDays+1))
		res.PartitionInterval = interval
		return url, err
	}

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topic))
	if err != nil {
		return res, err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	stream := trafficConfig(o.Seed, o.Events, streamStart, streamDays)
	messages, err := produce(ctx, brokers, topic, stream, o.PadBytes)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(o.Out, "generated %d messages (%d events wanted)\n", messages, o.Events)

	// A first, unmeasured run stores the rows the bare COPY then copies, and
	// warms the binary and the server alike for both measured runs.
	rowsURL, err := fresh("bench_rows")
	if err != nil {
		return res, err
	}
	if _, err := runLoader(ctx, o, rowsURL, brokers, topic, "bench-rows", messages); err != nil {
		return res, fmt.Errorf("warm-up run: %w", err)
	}

	// (a) the baseline: the same rows, COPYed bare, batch by batch, and (b)
	// the full path on an empty database, one after the other, in rounds:
	// the machine's speed drifts, so each round's ratio compares neighbours
	// and the round with the median ratio is reported.
	rows, err := dumpRows(ctx, rowsURL, o.BatchSize)
	if err != nil {
		return res, err
	}
	var rounds []round
	for i := range max(1, o.Rounds) {
		r, err := sideBySide(ctx, o, meter, fresh, rows, brokers, messages, i)
		if err != nil {
			return res, err
		}
		fmt.Fprintf(o.Out, "round %d: bare COPY %.0f events/s, end to end %.0f events/s, ratio %.2f\n",
			i+1, r.copyRate, r.full.eventsPerSec, r.ratio())
		rounds = append(rounds, r)
		res.RoundRatios = append(res.RoundRatios, r.ratio())
	}
	median := medianRound(rounds)
	full := median.full
	res.CopyEventsPerSec, res.WALBytesPerEventCopy = median.copyRate, median.copyWAL
	res.FullEventsPerSec = full.eventsPerSec
	res.Ratio = median.ratio()
	res.LagP50Seconds, res.LagP95Seconds, res.LagP99Seconds, res.LagMaxSeconds = full.lag[0], full.lag[1], full.lag[2], full.lag[3]
	res.WALBytesPerEventFull = full.walPerEvent
	res.IndexesPrewarmed = true
	for _, r := range rounds { // the worst round counts for lag and memory
		res.LagP99Seconds, res.LagMaxSeconds = max(res.LagP99Seconds, r.full.lag[2]), max(res.LagMaxSeconds, r.full.lag[3])
		res.LoaderPeakRSSMB = max(res.LoaderPeakRSSMB, r.full.peakRSSMB)
		res.IndexesPrewarmed = res.IndexesPrewarmed && r.full.prewarmed
	}
	if meter.ok() {
		res.CPU = &CPUPerThousand{
			BareCopyPostgres: perThousand(median.copyCPU.postgres, messages), BareCopyClient: perThousand(median.copyCPU.self, messages),
			EndToEndPostgres: perThousand(full.cpu.postgres, full.events), EndToEndLoader: perThousand(full.cpu.loaders, full.events),
			EndToEndKafka: perThousand(full.cpu.self, full.events),
		}
		if len(full.cpu.nodes) > 1 {
			res.CPU.BareCopyPostgresByNode = perThousandEach(median.copyCPU.nodes, messages)
			res.CPU.EndToEndPostgresByNode = perThousandEach(full.cpu.nodes, full.events)
		}
	}

	// (d) the full path again, with history already stored
	if o.History > 0 {
		histURL, err := fresh("bench_history")
		if err != nil {
			return res, err
		}
		start := time.Now()
		hist := trafficConfig(o.Seed+1000, o.History, historyStart, o.HistoryDays)
		histMessages, err := loadHistory(ctx, o, histURL, hist)
		if err != nil {
			return res, fmt.Errorf("load history: %w", err)
		}
		res.HistoryEvents = histMessages
		fmt.Fprintf(o.Out, "history: %d events over %d days stored in %s\n", histMessages, o.HistoryDays, time.Since(start).Round(time.Second))
		historyEnd, err := lastSequenceNumber(ctx, histURL)
		if err != nil {
			return res, err
		}
		// The run with history between two runs on empty databases: the
		// history ratio compares it with its neighbours, not with rounds
		// the loading of the history left far behind.
		// Each prints PostgreSQL's CPU ms per 1,000 events too, where /proc
		// tells (0 otherwise).
		emptyRun := func(when string) (float64, float64, error) {
			emptyURL, err := fresh("bench_empty")
			if err != nil {
				return 0, 0, err
			}
			run, err := measuredRun(ctx, o, meter, emptyURL, brokers, "bench-empty-"+when, messages)
			if err != nil {
				return 0, 0, fmt.Errorf("end-to-end run %s the one with history: %w", when, err)
			}
			pg := perThousand(run.cpu.postgres, run.events)
			fmt.Fprintf(o.Out, "end to end, empty database, %s the run with history: %.0f events/s, PostgreSQL CPU %.1f ms per 1k events\n", when, run.eventsPerSec, pg)
			return run.eventsPerSec, pg, nil
		}
		var neighbours, neighboursCPU [2]float64
		if neighbours[0], neighboursCPU[0], err = emptyRun("before"); err != nil {
			return res, err
		}
		again, err := measuredRun(ctx, o, meter, histURL, brokers, "bench-history-run", messages)
		if err != nil {
			return res, fmt.Errorf("end-to-end run with history: %w", err)
		}
		fmt.Fprintf(o.Out, "end to end with history: %.0f events/s, PostgreSQL CPU %.1f ms per 1k events\n", again.eventsPerSec, perThousand(again.cpu.postgres, again.events))
		if neighbours[1], neighboursCPU[1], err = emptyRun("after"); err != nil {
			return res, err
		}
		res.HistoryEventsPerSec = again.eventsPerSec
		res.WALBytesPerEventHist = again.walPerEvent
		res.IndexesPrewarmed = res.IndexesPrewarmed && again.prewarmed
		if res.CPU != nil {
			res.CPU.HistoryPostgres, res.CPU.HistoryLoader = perThousand(again.cpu.postgres, again.events), perThousand(again.cpu.loaders, again.events)
			res.CPU.HistoryNeighboursPostgres = neighboursCPU[:]
		}
		res.HistoryNeighboursPerSec = neighbours[:]
		res.HistoryRatio = res.HistoryEventsPerSec / ((neighbours[0] + neighbours[1]) / 2)

		// (d') the baseline with the same history: what history costs the
		// physical limit itself, between two bare COPYs into empty tables
		// (the rounds above ran before the history was loaded, half an
		// hour earlier with 10M events)
		start = time.Now()
		if err := fillBareTable(ctx, histURL, historyEnd, o.Citus); err != nil {
			return res, fmt.Errorf("bare table with history: %w", err)
		}
		fmt.Fprintf(o.Out, "history copied into a bare table in %s\n", time.Since(start).Round(time.Second))
		emptyBare := func(when string) (float64, float64, error) {
			bareURL, err := fresh("bench_bare")
			if err != nil {
				return 0, 0, err
			}
			if err := createBareTable(ctx, bareURL, o.Citus); err != nil {
				return 0, 0, err
			}
			rate, _, cpu, err := bareCopy(ctx, meter, rows, bareURL)
			if err != nil {
				return 0, 0, fmt.Errorf("bare COPY %s the one with history: %w", when, err)
			}
			pg := perThousand(cpu.postgres, rows.count)
			fmt.Fprintf(o.Out, "bare COPY, empty table, %s the one with history: %.0f events/s, PostgreSQL CPU %.1f ms per 1k events\n", when, rate, pg)
			return rate, pg, nil
		}
		var bareNeighbours, bareNeighboursCPU [2]float64
		if bareNeighbours[0], bareNeighboursCPU[0], err = emptyBare("before"); err != nil {
			return res, err
		}
		rate, _, cpu, err := bareCopy(ctx, meter, rows, histURL)
		if err != nil {
			return res, fmt.Errorf("bare COPY with history: %w", err)
		}
		fmt.Fprintf(o.Out, "bare COPY with history: %.0f events/s, PostgreSQL CPU %.1f ms per 1k events\n", rate, perThousand(cpu.postgres, rows.count))
		if bareNeighbours[1], bareNeighboursCPU[1], err = emptyBare("after"); err != nil {
			return res, err
		}
		if res.CPU != nil {
			res.CPU.HistoryBareCopyPostgres, res.CPU.HistoryBareNeighboursPostgres = perThousand(cpu.postgres, rows.count), bareNeighboursCPU[:]
		}
		res.HistoryCopyEventsPerSec, res.HistoryCopyNeighboursPerSec = rate, bareNeighbours[:]
		res.HistoryCopyRatio = rate / ((bareNeighbours[0] + bareNeighbours[1]) / 2)
	}
	print(o.Out, res)
	return res, nil
}

func trafficConfig(seed int64, events int, start time.Time, days int) traffic.Config {
	cfg := traffic.DefaultConfig()
	cfg.Seed, cfg.Events, cfg.Start, cfg.Days = seed, events, start, days
	cfg.Assistants = traffic.DefaultAssistants(start)
	cfg.TimeOrdered = true
	return cfg
}

func server(ctx context.Context, o Options) (string, cpuMeter, func(), error) {
	if o.ServerURL != "" {
		return o.ServerURL, cpuMeter{}, func() {}, nil
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{Settings: benchSettings(o)})
	if err != nil {
		return "", cpuMeter{}, nil, err
	}
	pid, _ := srv.ProcessID()
	return srv.URL(), cpuMeter{postmasters: []int{pid}}, func() { _ = srv.Stop() }, nil
}

func freshDatabase(ctx context.Context, serverURL, name string) (string, error) {
	if err := pgserver.DropDatabase(ctx, serverURL, name); err != nil {
		return "", err
	}
	if err := pgserver.CreateDatabase(ctx, serverURL, name, ""); err != nil {
		return "", err
	}
	url := withDatabase(serverURL, name)
	return url, db.Migrate(ctx, url, io.Discard)
}

// round is one bare COPY and, right after it, one end-to-end run.
type round struct {
	copyRate, copyWAL float64
	copyCPU           cpuTimes
	full              loaderRun
}

func (r round) ratio() float64 { return r.full.eventsPerSec / r.copyRate }

// sideBySide runs round i: the bare COPY into a fresh bare table, then the
// full path into a fresh empty database.
func sideBySide(ctx context.Context, o Options, meter cpuMeter, fresh func(string) (string, error), rows bareRows, brokers []string, messages, i int) (round, error) {
	var r round
	bareURL, err := fresh("bench_bare")
	if err != nil {
		return r, err
	}
	if err := createBareTable(ctx, bareURL, o.Citus); err != nil {
		return r, err
	}
	if r.copyRate, r.copyWAL, r.copyCPU, err = bareCopy(ctx, meter, rows, bareURL); err != nil {
		return r, fmt.Errorf("bare COPY: %w", err)
	}
	emptyURL, err := fresh("bench_empty")
	if err != nil {
		return r, err
	}
	if r.full, err = measuredRun(ctx, o, meter, emptyURL, brokers, fmt.Sprintf("bench-empty-%d", i), messages); err != nil {
		return r, fmt.Errorf("end-to-end run: %w", err)
	}
	return r, nil
}

// medianRound is the round with the median ratio (the lower middle one of an
// even number).
func medianRound(rounds []round) round {
	sorted := slices.SortedFunc(slices.Values(rounds), func(a, b round) int { return cmp.Compare(a.ratio(), b.ratio()) })
	return sorted[(len(sorted)-1)/2]
}

// measuredRun settles the database, then runs the measured loader(s) on the
// measured topic.
func measuredRun(ctx context.Context, o Options, meter cpuMeter, url string, brokers []string, group string, messages int) (loaderRun, error) {
	prewarmed, err := settle(ctx, url, measuredTables...)
	if err != nil {
		return loaderRun{}, err
	}
	run, err := runLoaderMetered(ctx, o, meter, url, brokers, topic, group, messages)
	run.prewarmed = prewarmed
	return run, err
}

// settle vacuums and analyzes the database and checkpoints, so a measured
// run starts from the same state as the others, then reads the indexes of
// tables into shared_buffers.
func settle(ctx context.Context, url string, tables ...string) (prewarmed bool, err error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return false, err
	}
	defer pool.Close()
	if _, err = pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return false, err
	}
	if _, err = pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return false, err
	}
	if citus, err := settleWorkers(ctx, pool); err != nil || citus {
		return false, err
	}
	return prewarm(ctx, pool, tables), nil
}

// measuredTables are the tables whose indexes take the measured run's
// random inserts and lookups: the events, the conversations and the merge's
// working state, keyed by random ids, and the statistics state the refresh
// folds into.
var measuredTables = []string{`public."ConversationEvent"`, `public."Conversation"`, `analytics."SenderSession"`,
	`analytics."ConversationState"`, `analytics."VersionStatisticsState"`, `analytics."LatencySample"`, `analytics."LatencyBucket"`}

// prewarm loads the indexes of tables into shared_buffers, where they stay
// in a loader that has been running for a while: every event lands on a
// random leaf of the primary key (its id is a UUIDv5), so a running system
// keeps those leaves hot. Right after the history is bulk-loaded they are
// not: the heap pages written last have pushed them out, and without this
// the run would also measure reading them back from the operating system's
// cache. Of a partitioned table, only the leaves that hold the measured week
// are read: those a running system writes into; older ones it leaves cold.
// It reports false where pg_prewarm is not available (a server the bench
// did not start); the run then starts cold.
func prewarm(ctx context.Context, pool *pgxpool.Pool, tables []string) bool {
	if _, err := pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_prewarm`); err != nil {
		return false
	}
	_, err := pool.Exec(ctx, `SELECT pg_prewarm(i.indexrelid) FROM unnest($1::text[]::regclass[]) AS r
		CROSS JOIN LATERAL (SELECT t.relid FROM pg_partition_tree(r) AS t WHERE t.isleaf
		                    UNION SELECT r WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree(r))) AS t
		JOIN pg_class AS c ON c.oid = t.relid
		CROSS JOIN LATERAL pg_get_expr(c.relpartbound, c.oid) AS b
		JOIN pg_index AS i ON i.indrelid = t.relid
		WHERE CASE WHEN b LIKE 'FOR VALUES FROM (''%'') TO (''%'')'
		           THEN split_part(b, '''', 2)::timestamptz < $3 AND split_part(b, '''', 4)::timestamptz > $2
		           ELSE true END`,
		tables, streamStart, streamStart.AddDate(0, 0, streamDays+1))
	if err != nil {
		slog.Warn("indexes not read into shared_buffers", "error", err)
	}
	return err == nil
}

func print(w io.Writer, r Result) {
	fmt.Fprintf(w, "\n%-44s %14s\n", "measure", "value")
	row := func(name, format string, v any) { fmt.Fprintf(w, "%-44s %14s\n", name, fmt.Sprintf(format, v)) }
	row("events", "%d", r.Events)
	if r.PadBytes > 0 {
		row("padding per event (bytes)", "%d", r.PadBytes)
	}
	row("partition interval", "%s", r.PartitionInterval)
	row("loaders in the group", "%d", r.Loaders)
	row("writers per loader", "%d", r.Writers)
	if r.SharedBuffers != "" {
		row("server shared_buffers", "%s", r.SharedBuffers)
	}
	if r.CitusWorkers > 0 {
		row("Citus: coordinator and workers", "1 + %d", r.CitusWorkers)
		row("Citus shard count", "%d", r.CitusShardCount)
	}
	row("indexes in shared_buffers before each run", "%t", r.IndexesPrewarmed)
	row("bare COPY (events/s)", "%.0f", r.CopyEventsPerSec)
	row("end to end: Kafka→loader→COPY→triggers→stats", "%.0f", r.FullEventsPerSec)
	row("ratio end to end / bare COPY (target ≥ 0.7)", "%.2f", r.Ratio)
	if len(r.RoundRatios) > 1 {
		each := make([]string, len(r.RoundRatios))
		for i, x := range r.RoundRatios {
			each[i] = fmt.Sprintf("%.2f", x)
		}
		row(fmt.Sprintf("  median of %d rounds", len(each)), "%s", strings.Join(each, " "))
	}
	if r.HistoryEvents > 0 {
		row(fmt.Sprintf("end to end with %d events stored over %d days", r.HistoryEvents, r.HistoryDays), "%.0f", r.HistoryEventsPerSec)
		if len(r.HistoryNeighboursPerSec) == 2 {
			row("  end to end, empty, just before / after", "%s", fmt.Sprintf("%.0f / %.0f", r.HistoryNeighboursPerSec[0], r.HistoryNeighboursPerSec[1]))
		}
		row("ratio history / empty before and after (target ≥ 0.9)", "%.2f", r.HistoryRatio)
		row(fmt.Sprintf("bare COPY with %d events stored", r.HistoryEvents), "%.0f", r.HistoryCopyEventsPerSec)
		if len(r.HistoryCopyNeighboursPerSec) == 2 {
			row("  bare COPY, empty, just before / after", "%s", fmt.Sprintf("%.0f / %.0f", r.HistoryCopyNeighboursPerSec[0], r.HistoryCopyNeighboursPerSec[1]))
		}
		row("ratio history / empty, bare COPY", "%.2f", r.HistoryCopyRatio)
	}
	row("statistics lag p50 (s)", "%.2f", r.LagP50Seconds)
	row("statistics lag p95 (s)", "%.2f", r.LagP95Seconds)
	row("statistics lag p99 (s, target ≤ 2)", "%.2f", r.LagP99Seconds)
	if r.LoaderPeakRSSMB >= 0 {
		row("loader peak RSS (MB, target ≤ 100)", "%.1f", r.LoaderPeakRSSMB)
	} else {
		row("loader peak RSS (MB)", "%s", "in-process")
	}
	wal := "WAL bytes per event"
	if r.CitusWorkers > 0 {
		wal = "coordinator WAL bytes per event"
	}
	row(wal+", bare COPY", "%.0f", r.WALBytesPerEventCopy)
	row(wal+", end to end", "%.0f", r.WALBytesPerEventFull)
	if r.HistoryEvents > 0 {
		row("WAL bytes per event, end to end with history", "%.0f", r.WALBytesPerEventHist)
	}
	if c := r.CPU; c != nil {
		row("CPU ms per 1k events, bare COPY: PostgreSQL", "%.1f", c.BareCopyPostgres)
		row("  the COPY client", "%.1f", c.BareCopyClient)
		byNode(w, "  ", c.BareCopyPostgresByNode)
		row("CPU ms per 1k events, end to end: PostgreSQL", "%.1f", c.EndToEndPostgres)
		byNode(w, "  ", c.EndToEndPostgresByNode)
		row("  the loader", "%.1f", c.EndToEndLoader)
		row("  Kafka (kfake, in this process)", "%.1f", c.EndToEndKafka)
		if r.HistoryEvents > 0 {
			row("CPU ms per 1k events, with history: PostgreSQL", "%.1f", c.HistoryPostgres)
			row("  the loader", "%.1f", c.HistoryLoader)
			if len(c.HistoryNeighboursPostgres) == 2 && len(c.HistoryBareNeighboursPostgres) == 2 {
				row("  PostgreSQL, empty, just before / after", "%s", fmt.Sprintf("%.1f / %.1f", c.HistoryNeighboursPostgres[0], c.HistoryNeighboursPostgres[1]))
				row("  bare COPY with history: PostgreSQL", "%.1f", c.HistoryBareCopyPostgres)
				row("  bare COPY, empty, just before / after", "%s", fmt.Sprintf("%.1f / %.1f", c.HistoryBareNeighboursPostgres[0], c.HistoryBareNeighboursPostgres[1]))
			}
		}
	}
	line, _ := json.Marshal(r)
	fmt.Fprintf(w, "%s\n", line)
}

// byNode prints one row per server of a Citus run's CPU figures; nothing
// for a single server's (none).
func byNode(w io.Writer, indent string, perNode []float64) {
	if len(perNode) < 2 {
		return
	}
	for i, name := range nodeNames(len(perNode)) {
		fmt.Fprintf(w, "%-44s %14s\n", indent+"PostgreSQL on the "+name, fmt.Sprintf("%.1f", perNode[i]))
	}
}
