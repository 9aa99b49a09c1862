package tests

// Helpers of the reliability tests (reliability_*_test.go, security_test.go):
// generated traffic produced to kfake with its positions remembered, the
// loader binary run as a child process, in-process Kafka sources with
// options, and the two checks every fault test ends with: every produced
// message is stored exactly once (or rejected at its position), and the
// statistics equal a full recomputation.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/reference"
	"github.com/openrasa/analyticsdb/traffic"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ---------------------------------------------------------------------------
// Traffic

// produced is what a test wrote to Kafka, in produce order, with positions.
type produced struct {
	records []*kgo.Record
	stats   traffic.Stats
}

// values are the message values in produce order (each sender's events stay
// in order: they are keyed by sender, hence on one partition).
func (p *produced) values() [][]byte {
	out := make([][]byte, len(p.records))
	for i, r := range p.records {
		out[i] = r.Value
	}
	return out
}

// endOffsets is the sum over partitions of the next offset after the last
// produced record: what the stored offsets sum to once everything is read.
func (p *produced) endOffsets() int64 {
	next := map[int32]int64{}
	for _, r := range p.records {
		next[r.Partition] = max(next[r.Partition], r.Offset+1)
	}
	var sum int64
	for _, n := range next {
		sum += n
	}
	return sum
}

// trafficConfig is a small realistic stream: two assistants, Rasa before and
// after 3.16, producer retries, malformed messages and Python quirks.
func trafficConfig(seed int64, events int) traffic.Config {
	cfg := traffic.DefaultConfig()
	cfg.Seed = seed
	cfg.Events = events
	cfg.Days = 2
	cfg.Concurrency = 20
	cfg.DuplicateRate = 0.01
	cfg.BadRate = 0.01
	cfg.QuirkRate = 0.02
	return cfg
}

// generate returns the records of a generated stream, not yet produced.
func generate(t testing.TB, cfg traffic.Config) *produced {
	t.Helper()
	var recs []*kgo.Record
	st, err := traffic.Generate(context.Background(), cfg, func(m traffic.Message) error {
		r := &kgo.Record{Key: bytes.Clone(m.Key), Value: bytes.Clone(m.Value)}
		for _, h := range m.Headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: bytes.Clone(h.Value)})
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &produced{records: recs, stats: st}
}

// produceTraffic generates a stream and produces it; the records then carry
// their partitions and offsets.
func produceTraffic(t testing.TB, c *kfake.Cluster, cfg traffic.Config) *produced {
	t.Helper()
	p := generate(t, cfg)
	produceRecords(t, c, p.records)
	return p
}

// produceRecords produces records in order and fills in their positions.
func produceRecords(t testing.TB, c *kfake.Cluster, recs []*kgo.Record) {
	t.Helper()
	if err := tryProduce(c, recs); err != nil {
		t.Fatal(err)
	}
}

// tryProduce is produceRecords for goroutines other than the test's.
func tryProduce(c *kfake.Cluster, recs []*kgo.Record) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchMaxBytes(64<<20), kgo.MaxBufferedBytes(256<<20))
	if err != nil {
		return err
	}
	defer cl.Close()
	for _, r := range recs {
		r.Topic = topic
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

// newClusterWith starts an in-process Kafka cluster with the topic.
func newClusterWith(t testing.TB, partitions int32, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// eventID is the SPEC's event id: UUIDv5(URL namespace, value bytes).
func eventID(value []byte) [16]byte { return uuid.NewSHA1(uuid.NameSpaceURL, value) }

// ---------------------------------------------------------------------------
// Checks

// checkExactlyOnce checks that every produced message is in ConversationEvent
// exactly once or in RejectedEvent at its own position with its bytes, and
// nothing else is stored: the stored events are the distinct valid messages
// (the Go reference's count, and the generator's when it knows it). It
// returns the number of produced messages not accounted for (lost) and of
// rows beyond the expected ones (duplicated).
func checkExactlyOnce(t testing.TB, b *bundle, p *produced, want reference.Result) (lost, duplicated int) {
	t.Helper()
	ctx := context.Background()
	stored := map[[16]byte]bool{}
	for _, id := range b.eventIDs() {
		stored[id] = true
	}

	type pos struct {
		partition int32
		offset    int64
	}
	type rejectedRow struct {
		key, value []byte
		reason     string
	}
	rejected := map[pos]rejectedRow{}
	rows, err := b.pool.Query(ctx, `SELECT "partition", "offset", "key", "value", "reason" FROM "RejectedEvent" WHERE "topic" = $1`, topic)
	if err != nil {
		t.Fatal(err)
	}
	var rp int32
	var ro int64
	var rr rejectedRow
	if _, err := pgx.ForEachRow(rows, []any{&rp, &ro, &rr.key, &rr.value, &rr.reason}, func() error {
		if _, dup := rejected[pos{rp, ro}]; dup {
			duplicated++
			t.Errorf("RejectedEvent holds partition %d offset %d twice", rp, ro)
		}
		rejected[pos{rp, ro}] = rejectedRow{bytes.Clone(rr.key), bytes.Clone(rr.value), rr.reason}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "RejectedEvent"`); n != len(rejected) {
		t.Errorf("RejectedEvent has %d rows, %d of them from Kafka positions", n, len(rejected))
	}

	producedIDs := map[[16]byte]bool{}
	for _, r := range p.records {
		id := eventID(r.Value)
		producedIDs[id] = true
		rej, isRejected := rejected[pos{r.Partition, r.Offset}]
		switch {
		case isRejected && stored[id]:
			t.Errorf("partition %d offset %d is both stored and rejected (%s)", r.Partition, r.Offset, rej.reason)
		case isRejected:
			if !bytes.Equal(rej.value, r.Value) || !bytes.Equal(rej.key, r.Key) {
				t.Errorf("rejected partition %d offset %d: key/value differ from what was produced", r.Partition, r.Offset)
			}
		case !stored[id]:
			lost++
			if lost <= 5 {
				t.Errorf("lost: partition %d offset %d %.120q", r.Partition, r.Offset, r.Value)
			}
		}
	}
	for id := range stored {
		if !producedIDs[id] {
			t.Errorf("stored event %x was never produced", id)
		}
	}
	if len(stored) > want.Stored {
		duplicated += len(stored) - want.Stored
	}
	if len(stored) != want.Stored {
		t.Errorf("%d events stored, want %d distinct valid messages (reference)", len(stored), want.Stored)
	}
	if p.stats.Messages == len(p.records) && len(stored) != p.stats.Events {
		t.Errorf("%d events stored, the generator emitted %d distinct well-formed events", len(stored), p.stats.Events)
	}
	if len(rejected) != want.Invalid {
		t.Errorf("%d messages rejected, want %d invalid ones (reference); reasons: %v", len(rejected), want.Invalid,
			b.strings(`SELECT "reason" || ' ' || count(*) || ' ' || min("detail") FROM "RejectedEvent" GROUP BY "reason"`))
		if len(rejected) > want.Invalid {
			duplicated += len(rejected) - want.Invalid
		}
	}
	if lost > 0 {
		t.Errorf("%d produced messages neither stored nor rejected", lost)
	}
	checkStreamOrder(t, b, p)
	return lost, duplicated
}

// checkStreamOrder checks that each partition's events were stored in
// offset order: ConversationEvent."sequenceNumber" (stream order, which
// sessions and "first"/"last" rules follow) must grow with the offset of each
// event's first copy in its partition.
func checkStreamOrder(t testing.TB, b *bundle, p *produced) {
	t.Helper()
	type pos struct {
		partition int32
		offset    int64
	}
	first := map[[16]byte]pos{}
	for _, r := range p.records {
		if _, seen := first[eventID(r.Value)]; !seen {
			first[eventID(r.Value)] = pos{r.Partition, r.Offset}
		}
	}
	ids := b.eventIDs()
	last := map[int32]int64{}
	bad := 0
	for _, id := range ids {
		at, ok := first[id]
		if !ok {
			continue
		}
		if prev, seen := last[at.partition]; seen && at.offset < prev {
			if bad++; bad <= 3 {
				t.Errorf("partition %d: offset %d stored after offset %d (out of stream order)", at.partition, at.offset, prev)
			}
		}
		last[at.partition] = at.offset
	}
	if bad > 3 {
		t.Errorf("%d events stored out of stream order in all", bad)
	}
}

// statsSnapshot is everything a refresh maintains, as the tests compare it.
type statsSnapshot struct {
	conversations []conversationRow
	versions      []versionRow
	flows         []flowRow
	models        []string
}

func (b *bundle) snapshot() statsSnapshot {
	b.t.Helper()
	return statsSnapshot{
		conversations: b.conversations(),
		versions:      b.versionStats(),
		flows:         b.flowStats(),
		models: b.strings(`SELECT concat_ws('|', "id"::text, "modelId", "modelName", "assistantName", "firstSeenAt", "lastSeenAt")
			FROM "MachineLearningModel" ORDER BY 1`),
	}
}

// checkStatsEqualRecompute refreshes, snapshots the statistics, runs a full
// analytics.recompute() and checks that nothing changed: not a value, not an
// updatedAt.
func checkStatsEqualRecompute(t testing.TB, b *bundle) {
	t.Helper()
	b.refresh()
	before := b.snapshot()
	b.exec(`SELECT analytics.recompute()`)
	after := b.snapshot()
	diffRows(t, "Conversation", before.conversations, after.conversations)
	diffRows(t, "VersionDailyStatistics", before.versions, after.versions)
	diffRows(t, "FlowDailyStatistics", before.flows, after.flows)
	diffRows(t, "MachineLearningModel", before.models, after.models)
	if n := one[int](b, `SELECT count(*)::int FROM "VersionDailyStatistics" WHERE "totalSessions" <= 0`); n > 0 {
		t.Errorf("%d VersionDailyStatistics rows with no session", n)
	}
}

func diffRows[T any](t testing.TB, table string, incremental, recomputed []T) {
	t.Helper()
	if len(incremental) != len(recomputed) {
		t.Errorf("%s: %d rows maintained incrementally, %d after recompute()", table, len(incremental), len(recomputed))
	}
	shown := 0
	for i := 0; i < max(len(incremental), len(recomputed)) && shown < 5; i++ {
		var a, r string
		if i < len(incremental) {
			a = render(incremental[i])
		}
		if i < len(recomputed) {
			r = render(recomputed[i])
		}
		if a != r {
			shown++
			t.Errorf("%s row %d differs from recompute():\n incremental %s\n recomputed  %s", table, i, a, r)
		}
	}
}

// render prints a row struct with its pointers followed.
func render(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return fmt.Sprintf("%v", v)
	}
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if i > 0 {
			sb.WriteString(" ")
		}
		sb.WriteString(rv.Type().Field(i).Name + ":")
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				sb.WriteString("<nil>")
				continue
			}
			f = f.Elem()
		}
		fmt.Fprintf(&sb, "%v", f.Interface())
	}
	sb.WriteString("}")
	return sb.String()
}

// storedOffsets is the sum of the stored next offsets.
func (b *bundle) storedOffsets() int64 {
	b.t.Helper()
	return one[int64](b, `SELECT coalesce(sum("nextOffset"), 0)::bigint FROM "KafkaOffset"`)
}

// waitFor polls cond every 20 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// repeatInBackground calls do over and over in a goroutine, pausing pause()
// before each call, until the returned stop is called; stop waits for the
// goroutine and returns do's first error, which also ends the loop. The test's
// cleanup stops it too, should the test fail half way.
func repeatInBackground(t testing.TB, pause func() time.Duration, do func() error) (stop func() error) {
	quit, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-quit:
				done <- nil
				return
			case <-time.After(pause()):
			}
			if err := do(); err != nil {
				done <- err
				return
			}
		}
	}()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { close(quit); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// noPause is the pause of a loop that runs flat out.
func noPause() time.Duration { return 0 }

// ---------------------------------------------------------------------------
// In-process sources with options and captured logs

// logCapture is a slog handler target that keeps every line.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("TEST_LOADER_LOG") == "1" {
		os.Stderr.Write(p)
	}
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logCapture) count(substr string) int { return strings.Count(l.String(), substr) }

func (l *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// source is a loader of the bundle's database consuming Kafka in this process.
type source struct {
	cancel  context.CancelFunc
	done    chan error
	loader  *loader.Loader
	logs    *logCapture
	stopped bool
	err     error
}

type sourceOptions struct {
	group           string
	limits          loader.BatchLimits
	kgoOpts         []kgo.Opt
	refreshInterval time.Duration // default: no background refresh
	writers         int           // default: the loader's
}

// startSource runs a loader with the bundle's configuration, consuming the
// cluster, in this process.
func (b *bundle) startSource(t testing.TB, c *kfake.Cluster, o sourceOptions) *source {
	t.Helper()
	logs := &logCapture{}
	cfg := b.cfg
	cfg.Log = logs.logger()
	cfg.Batch = o.limits
	cfg.Writers = o.writers
	cfg.RefreshInterval = cmp.Or(o.refreshInterval, -1)
	cfg.Kafka = loader.KafkaConfig{Brokers: c.ListenAddrs(), Topic: topic, Group: o.group,
		Opts: append([]kgo.Opt{kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(300 * time.Millisecond),
			kgo.RebalanceTimeout(20 * time.Second), kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond })},
			o.kgoOpts...)}
	l := b.newLoader(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	s := &source{cancel: cancel, done: make(chan error, 1), loader: l, logs: logs}
	go func() { s.done <- l.RunKafka(ctx) }()
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("source: %v", err)
		}
	})
	return s
}

// stop ends the source and returns Run's error.
func (s *source) stop() error {
	if s.stopped {
		return s.err
	}
	s.stopped = true
	s.cancel()
	select {
	case s.err = <-s.done:
	case <-time.After(60 * time.Second):
		s.err = errors.New("did not stop within 60s")
	}
	return s.err
}

// exited reports whether Run returned on its own, and its error.
func (s *source) exited() (bool, error) {
	select {
	case err := <-s.done:
		s.stopped, s.err = true, err
		return true, err
	default:
		return s.stopped, s.err
	}
}

// ---------------------------------------------------------------------------
// The loader binary as a child process

var loaderBin struct {
	once sync.Once
	path string
	err  error
}

// loaderBinary builds cmd/analyticsdb once per test process into a per-user
// cache directory (a file per process id; files of processes that are gone
// are removed), and returns its path.
func loaderBinary(t testing.TB) string {
	t.Helper()
	loaderBin.once.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			loaderBin.err = err
			return
		}
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			loaderBin.err = fmt.Errorf("module root not found: %w", err)
			return
		}
		sum := sha256.Sum256([]byte(root))
		dir := filepath.Join(os.TempDir(), "analyticsdb-test-bin-"+hex.EncodeToString(sum[:6]))
		if loaderBin.err = os.MkdirAll(dir, 0o755); loaderBin.err != nil {
			return
		}
		removeBinariesOfDeadProcesses(dir)
		path := filepath.Join(dir, "analyticsdb-"+strconv.Itoa(os.Getpid()))
		cmd := exec.Command("go", "build", "-o", path, "./cmd/analyticsdb")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			loaderBin.err = fmt.Errorf("go build ./cmd/analyticsdb: %v\n%s", err, out)
			return
		}
		loaderBin.path = path
	})
	if loaderBin.err != nil {
		t.Fatal(loaderBin.err)
	}
	return loaderBin.path
}

func removeBinariesOfDeadProcesses(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "analyticsdb-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
			continue // still running
		}
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
}

// child is the loader binary running as a child process.
type child struct {
	name string
	cmd  *exec.Cmd
	out  *logCapture // stdout and stderr
	done chan struct{}
	err  error // Wait's, once done is closed
}

// childEnv is a clean environment: none of the test's DATABASE_URL, KAFKA_*
// or other settings the CLI would read.
func childEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	return append(env, extra...)
}

// startChild runs the loader binary with args and the extra environment.
func startChild(t testing.TB, name string, args []string, env ...string) *child {
	t.Helper()
	loaderBinary(t)
	c, err := startChildE(t, name, args, env...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startChildE is startChild for goroutines other than the test's; call
// loaderBinary from the test's goroutine first.
func startChildE(t testing.TB, name string, args []string, env ...string) (*child, error) {
	if loaderBin.path == "" {
		return nil, errors.New("loaderBinary was not built")
	}
	c := &child{name: name, out: &logCapture{}, done: make(chan struct{})}
	c.cmd = exec.Command(loaderBin.path, args...)
	c.cmd.Env = childEnv(env...)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		c.kill()
		<-c.done
	})
	return c, nil
}

// kill sends SIGKILL (on Unix) unless the process has ended.
func (c *child) kill() {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Kill()
	}
}

// killAndWait sends SIGKILL and waits for the process to be gone.
func (c *child) killAndWait() {
	c.kill()
	<-c.done
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// terminate sends SIGTERM and waits up to timeout for a clean exit.
func (c *child) terminate(t testing.TB, timeout time.Duration) error {
	t.Helper()
	if !c.exited() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-c.done:
		return c.err
	case <-time.After(timeout):
		c.killAndWait()
		return fmt.Errorf("%s did not stop within %s of SIGTERM", c.name, timeout)
	}
}

// killedBySignal reports whether the child died of SIGKILL.
func (c *child) killedBySignal() bool {
	var exit *exec.ExitError
	if !errors.As(c.err, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// runArgs are the `analyticsdb run` arguments of a loader on db and cluster.
func runArgs(dbURL string, c *kfake.Cluster, group string, batchSize int, extra ...string) []string {
	args := []string{"run", "--database-url", dbURL, "--kafka-brokers", strings.Join(c.ListenAddrs(), ","),
		"--kafka-topic", topic, "--group", group, "--http-address", "",
		"--batch-size", strconv.Itoa(batchSize), "--batch-wait", "20ms", "--refresh-interval", "200ms"}
	return append(args, extra...)
}
