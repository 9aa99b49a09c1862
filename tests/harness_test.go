package tests

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

// bundle is one test's setup: its own migrated database and a loader on it.
type bundle struct {
	t      *testing.T
	db     *testdb.DB
	pool   *pgxpool.Pool  // the test's own statements, with the loader's default assistant
	cfg    loader.Config  // the loader's, for loaders of the test's own (sources, replays)
	loader *loader.Loader // writes the test's batches
}

const defaultAssistant = "unknown"

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupFrom(t, testdb.New)
}

// newDB makes a test's database: testdb.New, or testdb.NewCitus for the
// tests that run the same body on a Citus cluster.
type newDB func(testing.TB) *testdb.DB

// setupFrom is setup on a database made by newDB.
func setupFrom(t *testing.T, newDB newDB) *bundle {
	t.Helper()
	return setupOn(t, newDB(t), defaultAssistant)
}

func setupOn(t *testing.T, db *testdb.DB, assistant string) *bundle {
	t.Helper()
	return setupLoader(t, db, loader.Config{AssistantName: assistant})
}

// setupWith is setup with a loader configuration of the test's own.
func setupWith(t *testing.T, cfg loader.Config) *bundle {
	t.Helper()
	return setupLoader(t, testdb.New(t), cfg)
}

// setupLoader builds the bundle's loader from cfg on db. The loader does not
// refresh the statistics in the background: tests refresh when they check.
func setupLoader(t *testing.T, db *testdb.DB, cfg loader.Config) *bundle {
	t.Helper()
	cfg.DatabaseURL = db.URL
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = -1
	}
	if cfg.Log == nil {
		cfg.Log = testLogger()
	}
	b := &bundle{t: t, db: db, cfg: cfg}
	b.loader = b.newLoader(t, cfg)
	b.pool = sqlPool(t, db.URL, cmp.Or(cfg.AssistantName, loader.DefaultConfig().AssistantName))
	return b
}

// newLoader builds a loader closed when the test ends.
func (b *bundle) newLoader(t testing.TB, cfg loader.Config) *loader.Loader {
	t.Helper()
	l, err := loader.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// sqlPool is a pool for the test's own statements. It sets the default
// assistant name as the loader's connections do: the insert trigger reads it
// when a test inserts or rebuilds events itself.
func sqlPool(t testing.TB, url, assistant string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 6
	cfg.ConnConfig.RuntimeParams["analytics.default_assistant_name"] = assistant
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// replay loads a JSONL stream through Loader.Replay in batches of at most
// batchSize messages.
func (b *bundle) replay(name string, r io.Reader, batchSize int) (loader.FileTotals, error) {
	b.t.Helper()
	cfg := b.cfg
	cfg.Batch.MaxMessages = batchSize
	return b.newLoader(b.t, cfg).Replay(context.Background(), name, r)
}

// replayRejected runs Loader.ReplayRejected with chunk rejected messages per
// transaction.
func (b *bundle) replayRejected(chunk int) (loader.ReplayTotals, error) {
	b.t.Helper()
	cfg := b.cfg
	cfg.ReplayChunk = chunk
	return b.newLoader(b.t, cfg).ReplayRejected(context.Background())
}

// testLogger discards the loader's logs, unless TEST_LOADER_LOG=1 asks for them.
func testLogger() *slog.Logger {
	if os.Getenv("TEST_LOADER_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// load writes messages as file lines in batches of the given sizes (the last
// size repeats), then refreshes the statistics.
func (b *bundle) load(msgs [][]byte, sizes ...int) {
	b.t.Helper()
	b.write(msgs, sizes...)
	b.refresh()
}

func (b *bundle) write(msgs [][]byte, sizes ...int) {
	b.t.Helper()
	if len(sizes) == 0 {
		sizes = []int{len(msgs)}
	}
	line := int64(0)
	for i := 0; len(msgs) > 0; i++ {
		n := min(sizes[min(i, len(sizes)-1)], len(msgs))
		batch := fileBatch("test.jsonl", line, msgs[:n])
		line += int64(n)
		if _, err := b.loader.Write(context.Background(), &batch); err != nil {
			b.t.Fatalf("write batch %d: %v", i, err)
		}
		msgs = msgs[n:]
	}
}

// fileBatch is msgs as the lines after line afterLine of a file.
func fileBatch(file string, afterLine int64, msgs [][]byte) loader.Batch {
	batch := loader.Batch{}
	for i, m := range msgs {
		batch.Messages = append(batch.Messages, loader.Message{Value: m, Pos: loader.Position{File: file, Line: afterLine + int64(i) + 1}})
	}
	return batch
}

func (b *bundle) refresh() {
	b.t.Helper()
	if _, err := b.pool.Exec(context.Background(), `SELECT analytics.refresh_statistics(true)`); err != nil {
		b.t.Fatalf("refresh: %v", err)
	}
}

func (b *bundle) exec(sql string, args ...any) {
	b.t.Helper()
	if _, err := b.pool.Exec(context.Background(), sql, args...); err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
}

// one scans a single value.
func one[T any](b *bundle, sql string, args ...any) T {
	b.t.Helper()
	var v T
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// all collects every row with collect, e.g. pgx.RowTo[string] or
// pgx.RowToStructByPos[flowRow].
func all[T any](b *bundle, collect pgx.RowToFunc[T], sql string, args ...any) []T {
	b.t.Helper()
	rows, err := b.pool.Query(context.Background(), sql, args...)
	if err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, collect)
	if err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// eventIDs are the stored event ids in stream order.
func (b *bundle) eventIDs() [][16]byte {
	b.t.Helper()
	return all(b, pgx.RowTo[[16]byte], `SELECT "id" FROM "ConversationEvent" ORDER BY "sequenceNumber"`)
}

// conversationRow is a Conversation as the tests compare it.
type conversationRow struct {
	ID                        [16]byte
	AssistantName             string
	AssistantVersion          string
	SenderID                  string
	ChannelName               string
	UserID                    *string
	StartDate                 time.Time
	LastEventAt               time.Time
	TotalNumberOfUserMessages int
	Ingested                  bool
	EscalatedAt               *time.Time
	CsatRating                *string
	ReviewState               string
	LatencySamplesMs          []float64
	FlowsStarted              []string
	Events                    int
}

func (b *bundle) conversations() []conversationRow {
	b.t.Helper()
	return all(b, pgx.RowToStructByPos[conversationRow], `
		SELECT c."id", c."assistantName", c."assistantVersion", c."senderId", c."channelName", c."userId",
		       c."startDate", c."lastEventAt", c."totalNumberOfUserMessages", c."ingested", c."escalatedAt",
		       c."csatRating"::text, c."reviewState"::text, c."latencySamplesMs", c."flowsStarted",
		       (SELECT count(*) FROM "ConversationEvent" e WHERE e."conversationId" = c."id")::int
		FROM "Conversation" c
		ORDER BY c."assistantName", c."senderId", c."startDate"`)
}

// versionRow is a VersionDailyStatistics row.
type versionRow struct {
	Date                                           string
	AssistantName, ChannelName, Version            string
	TotalSessions, AutomatedCount, EscalatedCount  int
	AverageLatencyMs, P50, P95, P99                *float64
	CsatSatisfied, CsatUnsatisfied, CsatUnanswered int
	CustomSuccessCount, CustomFailureCount         *int
	HasCriteria                                    bool
	CreatedAt, UpdatedAt                           time.Time
}

func (b *bundle) versionStats() []versionRow {
	b.t.Helper()
	return all(b, pgx.RowToStructByPos[versionRow], `
		SELECT "date"::text, "assistantName", "channelName", "version", "totalSessions", "automatedCount",
		       "escalatedCount", "averageLatencyMs", "p50LatencyMs", "p95LatencyMs", "p99LatencyMs",
		       "csatSatisfied", "csatUnsatisfied", "csatUnanswered", "customSuccessCount",
		       "customFailureCount", "successCriteriaId" IS NOT NULL, "createdAt", "updatedAt"
		FROM "VersionDailyStatistics"
		ORDER BY "date", "assistantName", "channelName", "version"`)
}

// flowRow is a FlowDailyStatistics row.
type flowRow struct {
	Date, AssistantName, FlowName                 string
	TotalSessions, AutomatedCount, EscalatedCount int
	CreatedAt, UpdatedAt                          time.Time
}

func (b *bundle) flowStats() []flowRow {
	b.t.Helper()
	return all(b, pgx.RowToStructByPos[flowRow], `
		SELECT "date"::text, "assistantName", "flowName", "totalSessions", "automatedCount", "escalatedCount",
		       "createdAt", "updatedAt"
		FROM "FlowDailyStatistics"
		ORDER BY "date", "assistantName", "flowName"`)
}

func (b *bundle) flow(date, assistant, flow string) (flowRow, bool) {
	for _, r := range b.flowStats() {
		if r.Date == date && r.AssistantName == assistant && r.FlowName == flow {
			return r, true
		}
	}
	return flowRow{}, false
}

// readOnlyConn connects as a new role made by analytics.create_readonly_role,
// as a BI tool would; the role is dropped when the test ends.
func readOnlyConn(t *testing.T, b *bundle) *pgx.Conn {
	t.Helper()
	role := "bi_" + strings.ReplaceAll(b.db.Name, "-", "_")
	b.exec(`SELECT analytics.create_readonly_role($1, 'secret-pw')`, role)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = b.db.Pool.Exec(ctx, fmt.Sprintf(`DROP OWNED BY %s`, pgx.Identifier{role}.Sanitize()))
		_, _ = b.db.Pool.Exec(ctx, fmt.Sprintf(`DROP ROLE %s`, pgx.Identifier{role}.Sanitize()))
	})
	cfg, err := pgx.ParseConfig(b.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Password = role, "secret-pw"
	// Its transactions are read-only by default, which a user may turn off
	// for the session: the tests hold it to its privileges instead.
	cfg.RuntimeParams["default_transaction_read_only"] = "off"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// isCitus reports whether the bundle's database is a Citus coordinator.
func (b *bundle) isCitus() bool {
	b.t.Helper()
	citus, err := db.HasCitus(context.Background(), b.db.Pool)
	if err != nil {
		b.t.Fatal(err)
	}
	return citus
}
