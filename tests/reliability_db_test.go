package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/reference"
	"github.com/openrasa/analyticsdb/tests/testdb"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// setupFault is setup for tests that break the loader's connections: the
// loader gets its own pool (application_name analyticsdb), and the test's
// queries go through the test database's pool, which they leave alone.
func setupFault(t *testing.T) *bundle {
	t.Helper()
	b := setupWith(t, loader.Config{AssistantName: defaultAssistant})
	b.pool = b.db.Pool
	return b
}

// tryOne is one[] for moments when the server may be restarting.
func tryOne[T any](b *bundle, sql string, args ...any) (T, bool) {
	var v T
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return v, b.pool.QueryRow(ctx, sql, args...).Scan(&v) == nil
}

// waitStored waits until the stored offsets reach total, failing early if the
// source stops on its own.
func (b *bundle) waitStored(t *testing.T, src *source, total int64, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, fmt.Sprintf("stored offsets to reach %d", total), func() bool {
		if exited, err := src.exited(); exited {
			t.Fatalf("the source stopped on its own: %v\n%s", err, tail(src.logs.String(), 4000))
		}
		n, ok := tryOne[int64](b, `SELECT coalesce(sum("nextOffset"), 0)::bigint FROM "KafkaOffset"`)
		return ok && n >= total
	})
}

// holdOffsetsLock locks KafkaOffset against writes until release is called,
// so that the loader's next batch waits inside its transaction.
func (b *bundle) holdOffsetsLock(t *testing.T) (release func()) {
	_, release = b.holdOffsetsLockTx(t)
	return release
}

// holdOffsetsLockTx is holdOffsetsLock; release commits what tx did.
func (b *bundle) holdOffsetsLockTx(t *testing.T) (tx pgx.Tx, release func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE "KafkaOffset" IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return tx, func() { _ = tx.Commit(ctx) } // fails harmlessly when the server restarted meanwhile
}

// waitLoaderWaitsOnLock waits until one of the loader's backends waits for a lock.
func (b *bundle) waitLoaderWaitsOnLock(t *testing.T) {
	t.Helper()
	waitFor(t, time.Minute, "the loader to wait on the lock", func() bool {
		n, _ := tryOne[int](b, `SELECT count(*)::int FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'analyticsdb' AND wait_event_type = 'Lock'`)
		return n > 0
	})
}

// terminateLoader ends the loader's backends in this test's database.
func (b *bundle) terminateLoader() int {
	n, _ := tryOne[int](b, `SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'analyticsdb' AND pid <> pg_backend_pid()`)
	return n
}

// finish checks a fault test's end state: every message once, the
// reference's conversations and statistics, statistics = recompute().
func (b *bundle) finish(t *testing.T, p *produced) {
	t.Helper()
	waitFor(t, time.Minute, "the database to answer", func() bool { return b.pool.Ping(context.Background()) == nil })
	want := reference.Compute(p.values(), reference.Options{DefaultAssistant: defaultAssistant})
	checkExactlyOnce(t, b, p, want)
	b.refresh()
	compareWithReference(t, b, want)
	checkStatsEqualRecompute(t, b)
}

// produceSlowly produces recs in chunks while a fault goes on.
func produceSlowly(t *testing.T, c *kfake.Cluster, recs []*kgo.Record, chunk int, pause time.Duration) {
	for len(recs) > 0 {
		n := min(chunk, len(recs))
		produceRecords(t, c, recs[:n])
		recs = recs[n:]
		time.Sleep(pause)
	}
}

// TestPostgresRestartMidStream restarts PostgreSQL twice while the Kafka
// source ingests: once while a batch waits inside its transaction (so that
// transaction is lost for certain), once at an arbitrary moment. The source
// logs the failed batch, retries with backoff on new connections, and ends
// with every event exactly once and statistics equal to recompute(). Not
// parallel: a restart disconnects every test.
func TestPostgresRestartMidStream(t *testing.T) {
	srv := testdb.Server(t)
	b := setupFault(t)
	c := newClusterWith(t, 3)
	p := generate(t, trafficConfig(21, 6000))
	recs := p.records
	third := len(recs) / 3
	produceRecords(t, c, recs[:third])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 200, MaxWait: 50 * time.Millisecond}, refreshInterval: 200 * time.Millisecond})
	b.waitStored(t, src, 1, time.Minute)

	// 1: restart while the loader's batch waits on a lock inside its transaction.
	release := b.holdOffsetsLock(t)
	produceRecords(t, c, recs[third:2*third])
	b.waitLoaderWaitsOnLock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	release()
	waitFor(t, time.Minute, "the loader to log the failed batch", func() bool {
		return src.logs.count("batch not stored; retrying") > 0
	})

	// 2: restart at some moment while the rest streams in.
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(time.Duration(50+rand.IntN(300)) * time.Millisecond)
		restarted <- srv.Restart(ctx)
	}()
	produceSlowly(t, c, recs[2*third:], 200, 20*time.Millisecond)
	if err := <-restarted; err != nil {
		t.Fatalf("second restart: %v", err)
	}
	b.waitStored(t, src, p.endOffsets(), 2*time.Minute)
	if err := src.stop(); err != nil {
		t.Fatalf("source: %v", err)
	}
	logs := src.logs.String()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "batch not stored; retrying") {
			t.Logf("loader log: %s", line)
			if !strings.Contains(line, "attempt=") || !strings.Contains(line, "error=") || !strings.Contains(line, "first=") {
				t.Errorf("the retry log line does not say which batch, which attempt and why: %s", line)
			}
			break
		}
	}
	b.finish(t, p)
}

// TestLoaderBackendTerminatedIsRetried ends the loader's PostgreSQL sessions
// (pg_terminate_backend on application_name analyticsdb): first while a
// batch waits inside its transaction, then over and over at random moments
// while messages stream in. The loader retries on new connections and loses
// and duplicates nothing.
func TestLoaderBackendTerminatedIsRetried(t *testing.T) {
	t.Parallel()
	b := setupFault(t)
	c := newClusterWith(t, 3)
	p := generate(t, trafficConfig(22, 5000))
	recs := p.records
	half := len(recs) / 2
	produceRecords(t, c, recs[:half/2])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 150, MaxWait: 30 * time.Millisecond}})
	b.waitStored(t, src, 1, time.Minute)

	release := b.holdOffsetsLock(t)
	produceRecords(t, c, recs[half/2:half])
	b.waitLoaderWaitsOnLock(t)
	if n := b.terminateLoader(); n == 0 {
		t.Fatal("no loader backend to terminate")
	}
	release()
	waitFor(t, time.Minute, "the loader to log the failed batch", func() bool {
		return src.logs.count("batch not stored; retrying") > 0
	})

	kills := 0
	stopChaos := repeatInBackground(t, func() time.Duration { return time.Duration(20+rand.IntN(150)) * time.Millisecond },
		func() error { kills += b.terminateLoader(); return nil })
	produceSlowly(t, c, recs[half:], 100, 15*time.Millisecond)
	_ = stopChaos()
	b.waitStored(t, src, p.endOffsets(), 2*time.Minute)
	if err := src.stop(); err != nil {
		t.Fatalf("source: %v", err)
	}
	t.Logf("terminated %d loader backends at random; the loader logged %d retries", kills+1, src.logs.count("batch not stored; retrying"))
	b.finish(t, p)
}

// TestStatementTimeoutIsRetried sets a 1 ms statement_timeout on the
// database for a while (new sessions get it, so the loader's sessions are
// ended to pick it up): every batch fails with SQLSTATE 57014 and is retried
// with backoff; once the setting is reset the loader catches up without loss.
func TestStatementTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	b := setupFault(t)
	c := newClusterWith(t, 2)
	p := generate(t, trafficConfig(23, 3000))
	recs := p.records
	half := len(recs) / 2
	produceRecords(t, c, recs[:half])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 200, MaxWait: 30 * time.Millisecond}})
	b.waitStored(t, src, 1, time.Minute)

	db := pgx.Identifier{b.db.Name}.Sanitize()
	b.exec(`ALTER DATABASE ` + db + ` SET statement_timeout = '1ms'`)
	reset := func() { b.exec(`ALTER DATABASE ` + db + ` RESET statement_timeout`) }
	defer reset()
	b.terminateLoader()
	produceRecords(t, c, recs[half:])
	waitFor(t, time.Minute, "two retries after statement timeouts", func() bool {
		return strings.Count(src.logs.String(), "SQLSTATE 57014") >= 2
	})
	if exited, err := src.exited(); exited {
		t.Fatalf("the source stopped: %v", err)
	}
	reset()
	b.terminateLoader()
	b.waitStored(t, src, p.endOffsets(), 2*time.Minute)
	if err := src.stop(); err != nil {
		t.Fatalf("source: %v", err)
	}
	b.finish(t, p)
}
