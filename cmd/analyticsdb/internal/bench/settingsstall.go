package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/internal/recompute"
	"github.com/openrasa/analyticsdb/loader"
)

// StallOptions size the settings-stall scenario (StallOptions.Options: the
// server, batch size, writers, output and log of the other runs).
type StallOptions struct {
	Options
	Conversations int           // stored before the changes (default 1,000,000)
	Days          int           // the stored conversations span (default 30)
	Rate          int           // conversations per second of the steady stream (default 100, about 480 events/s)
	Baseline      time.Duration // the stream alone, before the first change (default 20 s)
	Phases        []string      // of "settings", "criteria", "recompute", in this order (default all)
	RebuildChunk  int           // analytics.rebuild_chunk of the database; 0: the function's default
	RebuildBudget time.Duration // analytics.rebuild_budget_ms of the database; 0: the function's default
	RecomputeChk  int           // most conversations per recompute transaction (default 1000, as `recompute --chunk`)
	RecomputeTime time.Duration // recompute transactions sized to take this long (0: `recompute --chunk-time`'s default; < 0: always RecomputeChk)
	PhaseTimeout  time.Duration // a phase not done by then is reported unfinished, and the run goes on (0: 2 hours)
	Verify        bool          // load everything again into a fresh database with the final settings and compare
}

// StallPhases are the maintenance operations the scenario can run.
var StallPhases = []string{"settings", "criteria", "recompute"}

// StallResult is what the settings-stall scenario measured.
type StallResult struct {
	Conversations    int          `json:"conversations"`
	Events           int64        `json:"events"` // stored by the fill
	FillSeconds      float64      `json:"fillSeconds"`
	RebuildChunk     int          `json:"rebuildChunk,omitempty"`
	RebuildBudgetMs  int64        `json:"rebuildBudgetMs,omitempty"`
	StreamRate       int          `json:"streamConversationsPerSec"`
	StreamEvents     int64        `json:"streamEvents"`
	LoadAverageStart float64      `json:"loadAverageStart"` // 1-minute load average of the box
	LoadAverageEnd   float64      `json:"loadAverageEnd"`
	Baseline         StallWindow  `json:"baseline"`
	Phases           []StallPhase `json:"phases"`
	// RowsMatchFreshLoad: Conversation and the daily statistics equal those
	// of a fresh database loaded with the same events under the final
	// settings (nil: not checked).
	RowsMatchFreshLoad *bool  `json:"rowsMatchFreshLoad,omitempty"`
	Mismatch           string `json:"mismatch,omitempty"`
}

// StallWindow is what the stream's batches saw in a stretch of time: a
// batch's commit is the loader's Write call (prepare, COPY, triggers,
// commit, retries), a gap the time between two commits' ends.
type StallWindow struct {
	Seconds        float64 `json:"seconds"`
	Commits        int     `json:"commits"`
	CommitP50Ms    float64 `json:"commitP50Ms"`
	CommitP99Ms    float64 `json:"commitP99Ms"`
	CommitMaxMs    float64 `json:"commitMaxMs"`
	LongestGapMs   float64 `json:"longestGapMs"`   // the longest stall: no batch committed
	Refreshes      int     `json:"refreshes"`      // the loader's refreshes that ended in the window
	RefreshMaxMs   float64 `json:"refreshMaxMs"`   // the longest of them
	LoadAverageEnd float64 `json:"loadAverageEnd"` // 1-minute load average when it ended
}

// StallPhase is one maintenance operation while the stream runs.
type StallPhase struct {
	Name        string  `json:"name"`
	StatementMs float64 `json:"statementMs"` // the change's own statement (recompute: all its chunks)
	// Finished says the work was done before StallOptions.PhaseTimeout;
	// FractionDone is how much of a settings rebuild was (from the position
	// of its cursor among the random conversation ids).
	Finished     bool    `json:"finished"`
	FractionDone float64 `json:"fractionDone"`
	// Window runs from the change until its work is done: the rebuild
	// queue empty (settings), the dirty groups refreshed (criteria), the
	// last chunk and the statistics recomputed (recompute).
	StallWindow
}

// SettingsStall fills a database with o.Conversations stored conversations
// of one assistant, then runs a loader on a steady stream of new traffic and,
// while it runs, changes the assistant's timezone, its SuccessCriteria and
// recomputes everything in chunks, recording every batch commit: maintenance
// must never stall ingestion for more than a second (docs/performance.md,
// "Maintenance during ingestion").
func SettingsStall(ctx context.Context, o StallOptions) (StallResult, error) {
	o.Conversations = cmp.Or(o.Conversations, 1_000_000)
	o.Days = cmp.Or(o.Days, 30)
	o.Rate = cmp.Or(o.Rate, 100)
	o.Baseline = cmp.Or(o.Baseline, 20*time.Second)
	o.RecomputeChk = cmp.Or(o.RecomputeChk, 1000)
	o.RecomputeTime = cmp.Or(o.RecomputeTime, recompute.DefaultChunkTime)
	o.PhaseTimeout = cmp.Or(o.PhaseTimeout, 2*time.Hour)
	o.Writers = cmp.Or(o.Writers, loader.DefaultConfig().Writers)
	if len(o.Phases) == 0 {
		o.Phases = StallPhases
	}
	for _, p := range o.Phases {
		if !slices.Contains(StallPhases, p) {
			return StallResult{}, fmt.Errorf("unknown phase %q (want %s)", p, strings.Join(StallPhases, ", "))
		}
	}
	res := StallResult{Conversations: o.Conversations, RebuildChunk: o.RebuildChunk, RebuildBudgetMs: o.RebuildBudget.Milliseconds(), StreamRate: o.Rate, LoadAverageStart: loadAverage()}
	serverURL, stop, err := stallServer(ctx, o.Options)
	if err != nil {
		return res, err
	}
	defer stop()
	url, err := freshDatabase(ctx, serverURL, "bench_settings_stall")
	if err != nil {
		return res, err
	}
	if err := setRebuildLimits(ctx, url, o.RebuildChunk, o.RebuildBudget.Milliseconds()); err != nil {
		return res, err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	gen := minimalSessions{assistant: "bench", first: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC),
		every: time.Duration(o.Days) * 24 * time.Hour / time.Duration(o.Conversations)}
	// Leaves for the fill's days and the stream's, as a deployment has for
	// the days it ingests: without them the fill went to the default
	// partition, and the stream's loader, at its start, moved millions of
	// rows out of it into new leaves under a lock ingestion waits for
	// (stalls of 9-85 s that were the bench's, not a settings change's).
	if _, err := preparePartitions(ctx, url, "", gen.first, gen.first.AddDate(0, 0, o.Days+7)); err != nil {
		return res, err
	}

	start := time.Now()
	if err := fill(ctx, o.Options, url, gen, 0, o.Conversations); err != nil {
		return res, fmt.Errorf("fill: %w", err)
	}
	res.FillSeconds = time.Since(start).Seconds()
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM "ConversationEvent"`).Scan(&res.Events); err != nil {
		return res, err
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM "Conversation"`).Scan(&stored); err != nil {
		return res, err
	}
	if stored != o.Conversations {
		return res, fmt.Errorf("fill stored %d conversations, want %d", stored, o.Conversations)
	}
	fmt.Fprintf(o.Out, "filled %d conversations (%d events) in %s (%.0f events/s), load average %.1f\n",
		stored, res.Events, time.Since(start).Round(time.Second), float64(res.Events)/res.FillSeconds, loadAverage())
	if _, err := settle(ctx, url, measuredTables...); err != nil {
		return res, err
	}

	s, err := startStream(ctx, o, url, gen, o.Conversations)
	if err != nil {
		return res, err
	}
	defer s.stop()
	watch := watchRefreshes(ctx, pool)
	defer watch.stop()

	time.Sleep(2 * time.Second) // the first batches, and the refresher's first round
	t0 := time.Now()
	if err := s.sleep(ctx, o.Baseline); err != nil {
		return res, err
	}
	res.Baseline = s.window(watch, t0, time.Now())
	fmt.Fprintf(o.Out, "baseline: %s\n", res.Baseline)
	final := stallChanges{}
	for _, name := range o.Phases {
		ph, err := runPhase(ctx, pool, s, name, o, &final)
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if err := s.commitAfter(ctx, ph.end); err != nil { // the batch held up to the end, if any
			return res, err
		}
		ph.StallWindow = s.window(watch, ph.start, ph.end)
		fmt.Fprintf(o.Out, "%s: statement %.0f ms; %s\n", name, ph.StatementMs, ph.StallWindow)
		if !ph.Finished {
			fmt.Fprintf(o.Out, "%s: not done after %s (%.1f%% rebuilt); the next phases start from there\n", name, o.PhaseTimeout, 100*ph.FractionDone)
		}
		res.Phases = append(res.Phases, ph.StallPhase)
		if err := s.sleep(ctx, 3*time.Second); err != nil { // apart, so that one's tail is not in the next
			return res, err
		}
	}
	streamed, events, err := s.finish()
	if err != nil {
		return res, err
	}
	res.StreamEvents = events
	res.LoadAverageEnd = loadAverage()
	if o.Verify {
		// what is left of the rebuilds, all at once
		if _, err := pool.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
			return res, err
		}
		mismatch, err := compareWithFreshLoad(ctx, o.Options, serverURL, url, gen, o.Conversations+streamed, final)
		if err != nil {
			return res, fmt.Errorf("verify: %w", err)
		}
		match := mismatch == ""
		res.RowsMatchFreshLoad, res.Mismatch = &match, mismatch
	}
	printStall(o.Out, res)
	return res, nil
}

// stallServer is the bench's own server, as server() starts it but with
// autovacuum on: a settings change rewrites every conversation of the
// assistant, and what autovacuum does meanwhile is part of what ingestion
// sees in production.
func stallServer(ctx context.Context, o Options) (string, func(), error) {
	if o.ServerURL != "" {
		return o.ServerURL, func() {}, nil
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{Settings: map[string]string{
		"shared_buffers": cmp.Or(o.SharedBuffers, "1GB"), "max_wal_size": "8GB", "checkpoint_timeout": "30min",
	}})
	if err != nil {
		return "", nil, err
	}
	return srv.URL(), func() { _ = srv.Stop() }, nil
}

// setRebuildLimits sets analytics.rebuild_chunk and
// analytics.rebuild_budget_ms for every later connection to the database
// bench_settings_stall (0: leave the function's default).
func setRebuildLimits(ctx context.Context, url string, chunk int, budgetMs int64) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// ALTER DATABASE takes no parameters: set it here, then store it FROM CURRENT
	if chunk > 0 {
		if _, err := conn.Exec(ctx, `SELECT set_config('analytics.rebuild_chunk', $1::integer::text, false)`, chunk); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `ALTER DATABASE bench_settings_stall SET analytics.rebuild_chunk FROM CURRENT`); err != nil {
			return err
		}
	}
	if budgetMs > 0 {
		if _, err := conn.Exec(ctx, `SELECT set_config('analytics.rebuild_budget_ms', $1::bigint::text, false)`, budgetMs); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `ALTER DATABASE bench_settings_stall SET analytics.rebuild_budget_ms FROM CURRENT`); err != nil {
			return err
		}
	}
	return nil
}

// fill loads conversations from .. to-1 of gen through the loader, as
// o.Writers replays side by side (one writer each), streamed from the
// generator: memory stays flat whatever the size.
func fill(ctx context.Context, o Options, url string, gen minimalSessions, from, to int) error {
	cfg := loader.DefaultConfig()
	cfg.DatabaseURL = url
	cfg.Batch.MaxMessages = cmp.Or(o.BatchSize, cfg.Batch.MaxMessages)
	cfg.Log = o.Log
	l, err := loader.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	writers := max(1, o.Writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(gen.writeJSONL(ctx, pw, from+w, to, writers)) }()
			totals, err := l.Replay(ctx, "fill-"+strconv.Itoa(w), pr)
			pr.Close()
			if err == nil && totals.Rejected > 0 {
				err = fmt.Errorf("%d messages rejected", totals.Rejected)
			}
			errs[w] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stallChanges are the settings the phases applied, for the fresh load.
type stallChanges struct {
	timezone      string
	includedFlows []string
}

type phaseRun struct {
	StallPhase
	start, end time.Time
}

// runPhase runs one maintenance operation and waits until its work is done.
func runPhase(ctx context.Context, pool *pgxpool.Pool, s *stream, name string, o StallOptions, final *stallChanges) (phaseRun, error) {
	ph := phaseRun{StallPhase: StallPhase{Name: name}, start: time.Now()}
	switch name {
	case "settings":
		final.timezone = "America/New_York"
		if _, err := pool.Exec(ctx, `INSERT INTO "AssistantSettings" ("assistantName", "timezone") VALUES ('bench', $1)
			ON CONFLICT ("assistantName") DO UPDATE SET "timezone" = excluded."timezone"`, final.timezone); err != nil {
			return ph, err
		}
	case "criteria":
		final.includedFlows = []string{"transfer_money"}
		if _, err := pool.Exec(ctx, `INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows") VALUES ('bench', $1)
			ON CONFLICT ("assistantName") DO UPDATE SET "includedFlows" = excluded."includedFlows"`, final.includedFlows); err != nil {
			return ph, err
		}
	case "recompute":
		// what `analyticsdb recompute` does (cmd/analyticsdb/admin.go)
		if _, err := recompute.Conversations(ctx, pool, nil, nil, recompute.Chunks{Max: o.RecomputeChk, Target: max(0, o.RecomputeTime)}); err != nil {
			return ph, err
		}
		if err := s.failed(); err != nil {
			return ph, err
		}
		if _, err := pool.Exec(ctx, `SELECT analytics.recompute_statistics(NULL, NULL)`); err != nil {
			return ph, err
		}
	}
	ph.StatementMs = float64(time.Since(ph.start).Microseconds()) / 1000
	deadline := ph.start.Add(o.PhaseTimeout)
	for {
		var ok bool
		if err := pool.QueryRow(ctx, phaseDoneSQL, name).Scan(&ok, &ph.FractionDone); err != nil {
			return ph, err
		}
		if ok {
			ph.Finished, ph.FractionDone = true, 1
			break
		}
		if time.Now().After(deadline) {
			break
		}
		if err := s.sleep(ctx, 100*time.Millisecond); err != nil {
			return ph, err
		}
	}
	ph.end = time.Now()
	return ph, nil
}

// phaseDoneSQL says whether phase $1's work is done, and how far a settings
// rebuild got.
const phaseDoneSQL = `SELECT CASE $1::text
	WHEN 'settings' THEN NOT EXISTS (SELECT FROM analytics."DirtyAssistant") AND NOT EXISTS (SELECT FROM analytics."AssistantRebuild")
	WHEN 'criteria' THEN NOT EXISTS (SELECT FROM analytics."DirtyVersionStatistics") AND NOT EXISTS (SELECT FROM analytics."DirtySuccessCriteria")
	ELSE true END,
	coalesce((SELECT ('x' || substr(r."afterId"::text, 1, 8))::bit(32)::bigint / 4294967296.0 FROM analytics."AssistantRebuild" AS r), 0)`

// stream writes a steady stream of new conversations through one loader's
// Write, a batch every loader MaxWait (250 ms), each event when its
// conversation has reached it, and records each commit. An open, empty
// Replay keeps the loader's own refresher running meanwhile, every second
// and after each commit, as `analyticsdb run` does.
type stream struct {
	l       *loader.Loader
	cancel  context.CancelFunc
	quit    chan struct{}
	done    chan error
	idle    context.CancelFunc // ends the empty Replay (closing its input would refresh everything, waiting)
	replay  chan error
	mu      sync.Mutex
	commits []commit
	started int   // conversations started
	events  int64 // events stored
}

type commit struct {
	end  time.Time
	took time.Duration
}

func startStream(ctx context.Context, o StallOptions, url string, gen minimalSessions, first int) (*stream, error) {
	cfg := loader.DefaultConfig()
	cfg.DatabaseURL = url
	cfg.Log = o.Log
	l, err := loader.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	idleCtx, idle := context.WithCancel(runCtx)
	pr, _ := io.Pipe()
	s := &stream{l: l, cancel: cancel, quit: make(chan struct{}), done: make(chan error, 1), idle: idle, replay: make(chan error, 1)}
	go func() {
		_, err := l.Replay(idleCtx, "idle", pr)
		s.replay <- err
	}()
	go func() { s.done <- s.run(runCtx, gen, first, o.Rate, cfg.Batch.MaxWait) }()
	return s, nil
}

type due struct {
	at   time.Time
	line []byte
}

func (s *stream) run(ctx context.Context, gen minimalSessions, first, rate int, every time.Duration) error {
	t0 := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	var pending []due
	var evs []sessionEvent
	line := int64(0)
	stopping := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.quit:
			stopping = true
		case <-tick.C:
		}
		now := time.Now()
		if !stopping {
			for want := int(now.Sub(t0).Seconds() * float64(rate)); s.started < want; s.started++ {
				at := t0.Add(time.Duration(s.started) * time.Second / time.Duration(rate))
				evs = gen.events(evs[:0], first+s.started)
				for _, e := range evs {
					pending = append(pending, due{at: at.Add(e.offset), line: e.line})
				}
			}
		}
		var b loader.Batch
		kept := pending[:0]
		for _, d := range pending {
			if stopping || !d.at.After(now) {
				line++
				b.Messages = append(b.Messages, loader.Message{Value: d.line, Pos: loader.Position{File: "stream", Line: line}})
			} else {
				kept = append(kept, d)
			}
		}
		pending = kept
		if len(b.Messages) > 0 {
			start := time.Now()
			res, err := s.l.Write(ctx, &b)
			if err != nil {
				return err
			}
			if res.RejectedTotal() > 0 {
				return fmt.Errorf("stream: %d messages rejected", res.RejectedTotal())
			}
			end := time.Now()
			s.mu.Lock()
			s.commits = append(s.commits, commit{end: end, took: end.Sub(start)})
			s.events += int64(res.Stored)
			s.mu.Unlock()
		}
		if stopping {
			return nil
		}
	}
}

// commitAfter waits until a batch has committed after t.
func (s *stream) commitAfter(ctx context.Context, t time.Time) error {
	for {
		s.mu.Lock()
		n := len(s.commits)
		done := n > 0 && s.commits[n-1].end.After(t)
		s.mu.Unlock()
		if done {
			return nil
		}
		if err := s.sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

func (s *stream) failed() error {
	select {
	case err := <-s.done:
		s.done <- err
		return fmt.Errorf("stream stopped: %v", err)
	default:
		return nil
	}
}

// sleep waits d, or returns the stream's error if it stops meanwhile.
func (s *stream) sleep(ctx context.Context, d time.Duration) error {
	select {
	case err := <-s.done:
		s.done <- err
		return fmt.Errorf("stream stopped: %v", err)
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// finish stops starting conversations, writes every event of those started
// and returns how many there were and the events stored.
func (s *stream) finish() (int, int64, error) {
	close(s.quit)
	err := <-s.done
	s.done <- err
	s.idle()
	if rerr := <-s.replay; err == nil && !errors.Is(rerr, context.Canceled) {
		err = rerr
	}
	s.replay <- nil
	return s.started, s.events, err
}

func (s *stream) stop() {
	s.cancel()
	<-s.replay
	s.l.Close()
}

// window sums the commits that ended after start and started before end
// (a batch held up to the end commits after it), and the refreshes that
// ended meanwhile.
func (s *stream) window(w *refreshWatch, start, end time.Time) StallWindow {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := StallWindow{Seconds: end.Sub(start).Seconds(), LoadAverageEnd: loadAverage()}
	var took []float64
	var last, until time.Time
	for _, c := range s.commits {
		if c.end.Before(start) {
			last = c.end
			continue
		}
		if c.end.Add(-c.took).After(end) {
			break
		}
		until = c.end
		took = append(took, float64(c.took.Microseconds())/1000)
		if !last.IsZero() {
			out.LongestGapMs = max(out.LongestGapMs, float64(c.end.Sub(last).Microseconds())/1000)
		}
		last = c.end
	}
	out.Commits = len(took)
	out.CommitP50Ms, out.CommitP99Ms, out.CommitMaxMs = quantileOf(took, 0.5), quantileOf(took, 0.99), quantileOf(took, 1)
	if until.Before(end) {
		until = end
	}
	out.Refreshes, out.RefreshMaxMs = w.between(start, until)
	return out
}

func (w StallWindow) String() string {
	return fmt.Sprintf("%.1f s, %d commits, commit p50 %.0f ms p99 %.0f ms max %.0f ms, longest gap %.0f ms, %d refreshes (longest %.0f ms), load %.1f",
		w.Seconds, w.Commits, w.CommitP50Ms, w.CommitP99Ms, w.CommitMaxMs, w.LongestGapMs, w.Refreshes, w.RefreshMaxMs, w.LoadAverageEnd)
}

// refreshWatch polls analytics."RefreshLog" and keeps each refresh seen.
type refreshWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	seen   []refresh
}

func watchRefreshes(ctx context.Context, pool *pgxpool.Pool) *refreshWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &refreshWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var last time.Time
		for ctx.Err() == nil {
			var at *time.Time
			var ms *float64
			if err := pool.QueryRow(ctx, `SELECT "lastRefreshAt", "lastDurationMs" FROM analytics."RefreshLog"`).Scan(&at, &ms); err == nil &&
				at != nil && ms != nil && !at.Equal(last) {
				last = *at
				w.mu.Lock()
				w.seen = append(w.seen, refresh{start: at.Add(-time.Duration(*ms * float64(time.Millisecond))), end: *at})
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return w
}

// between counts the refreshes that ended from start to end, and the longest.
func (w *refreshWatch) between(start, end time.Time) (int, float64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, longest := 0, 0.0
	for _, r := range w.seen {
		if r.end.Before(start) || r.end.After(end) {
			continue
		}
		n++
		longest = max(longest, float64(r.end.Sub(r.start).Microseconds())/1000)
	}
	return n, longest
}

func (w *refreshWatch) stop() {
	w.cancel()
	<-w.done
}

// loadAverage is the box's 1-minute load average (0 where /proc has none).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// compareWithFreshLoad loads conversations 0 .. n-1 into a fresh database
// whose settings are the final ones from the start, and compares its
// Conversation and daily statistics rows with those of url: what the
// rebuilds made while the stream ran must be what ingestion alone makes.
// It returns "" when they are equal, else which tables differ.
func compareWithFreshLoad(ctx context.Context, o Options, serverURL, url string, gen minimalSessions, n int, final stallChanges) (string, error) {
	freshURL, err := freshDatabase(ctx, serverURL, "bench_settings_stall_fresh")
	if err != nil {
		return "", err
	}
	fresh, err := pgxpool.New(ctx, freshURL)
	if err != nil {
		return "", err
	}
	defer fresh.Close()
	if final.timezone != "" {
		if _, err := fresh.Exec(ctx, `INSERT INTO "AssistantSettings" ("assistantName", "timezone") VALUES ('bench', $1)`, final.timezone); err != nil {
			return "", err
		}
	}
	if final.includedFlows != nil {
		if _, err := fresh.Exec(ctx, `INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows") VALUES ('bench', $1)`, final.includedFlows); err != nil {
			return "", err
		}
	}
	if err := fill(ctx, o, freshURL, gen, 0, n); err != nil {
		return "", err
	}
	if _, err := fresh.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
		return "", err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return "", err
	}
	defer pool.Close()
	var a, b [3]string
	if err := pool.QueryRow(ctx, checksumsSQL).Scan(&a[0], &a[1], &a[2]); err != nil {
		return "", err
	}
	if err := fresh.QueryRow(ctx, checksumsSQL).Scan(&b[0], &b[1], &b[2]); err != nil {
		return "", err
	}
	var differ []string
	for i, table := range []string{"Conversation", "VersionDailyStatistics", "FlowDailyStatistics"} {
		if a[i] != b[i] {
			differ = append(differ, fmt.Sprintf("%s (%s, fresh load %s)", table, a[i], b[i]))
		}
	}
	return strings.Join(differ, "; "), nil
}

// checksumsSQL sums the rows compared with a fresh load, per table: a count
// and an order-independent sum of each row's md5, without the columns that
// are when or under which random id a row was written.
const checksumsSQL = `SELECT
	(SELECT count(*) || ' rows, ' || coalesce(sum(('x' || substr(md5(row("id", "assistantName", "assistantVersion",
		"totalNumberOfUserMessages", "startDate", "ingested", "reviewState", "csatRating", "lastReviewedAt", "escalatedAt",
		"environmentId", "senderId", "channelName", "userId", "lastEventAt", "flowsStarted", "latencySamplesMs",
		"statisticsDate", "flowsCompleted", "flowsActiveAtEscalation")::text), 1, 15))::bit(60)::bigint), 0)
	 FROM "Conversation"),
	(SELECT count(*) || ' rows, ' || coalesce(sum(('x' || substr(md5(row("date", "assistantName", "channelName", "version",
		"totalSessions", "automatedCount", "escalatedCount", "averageLatencyMs", "p50LatencyMs", "p95LatencyMs",
		"p99LatencyMs", "csatSatisfied", "csatUnsatisfied", "csatUnanswered", "customSuccessCount",
		"customFailureCount")::text), 1, 15))::bit(60)::bigint), 0)
	 FROM "VersionDailyStatistics"),
	(SELECT count(*) || ' rows, ' || coalesce(sum(('x' || substr(md5(row("date", "assistantName", "flowName", "totalSessions",
		"automatedCount", "escalatedCount")::text), 1, 15))::bit(60)::bigint), 0)
	 FROM "FlowDailyStatistics")`

func printStall(w io.Writer, r StallResult) {
	fmt.Fprintf(w, "\nsettings stall: %d conversations stored (%d events, filled in %.0f s), stream %d conversations/s (%d events)\n",
		r.Conversations, r.Events, r.FillSeconds, r.StreamRate, r.StreamEvents)
	if r.RebuildChunk > 0 || r.RebuildBudgetMs > 0 {
		fmt.Fprintf(w, "analytics.rebuild_chunk %d, analytics.rebuild_budget_ms %d (0: the default)\n", r.RebuildChunk, r.RebuildBudgetMs)
	}
	fmt.Fprintf(w, "%-10s %9s %8s %12s %12s %12s %15s %10s %15s %6s\n", "phase", "seconds", "commits", "commit p50",
		"commit p99", "commit max", "longest gap ms", "refreshes", "refresh max ms", "load")
	row := func(name string, x StallWindow) {
		fmt.Fprintf(w, "%-10s %9.1f %8d %12.0f %12.0f %12.0f %15.0f %10d %15.0f %6.1f\n", name, x.Seconds, x.Commits,
			x.CommitP50Ms, x.CommitP99Ms, x.CommitMaxMs, x.LongestGapMs, x.Refreshes, x.RefreshMaxMs, x.LoadAverageEnd)
	}
	row("baseline", r.Baseline)
	longest := 0.0
	for _, p := range r.Phases {
		name := p.Name
		if !p.Finished {
			name += fmt.Sprintf(" (%.0f%%)", 100*p.FractionDone)
		}
		row(name, p.StallWindow)
		longest = max(longest, p.LongestGapMs)
	}
	fmt.Fprintf(w, "longest ingest stall during maintenance (target <= 1000 ms): %.0f ms (baseline %.0f ms)\n", longest, r.Baseline.LongestGapMs)
	if r.RowsMatchFreshLoad != nil {
		fmt.Fprintf(w, "rows equal a fresh load with the final settings: %t %s\n", *r.RowsMatchFreshLoad, r.Mismatch)
	}
	line, _ := json.Marshal(r)
	fmt.Fprintf(w, "%s\n", line)
}
