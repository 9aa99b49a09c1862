package tests

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/sqlobject"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

// specColumns are the SPEC's tables (docs/decisions.md, "Tables"), column by column: name, type as
// information_schema names it (udt_name), nullable. "ext" marks the
// extensions the SPEC allows.
var specColumns = map[string][]struct {
	name, udt string
	nullable  bool
}{
	"Conversation": {
		{"id", "uuid", false}, {"assistantName", "text", true}, {"assistantVersion", "text", true},
		{"totalNumberOfUserMessages", "int4", false}, {"startDate", "timestamptz", false},
		{"ingested", "bool", false}, {"reviewState", "ReviewState", false}, {"csatRating", "CsatRating", true},
		{"lastReviewedAt", "timestamptz", true}, {"escalatedAt", "timestamptz", true}, {"environmentId", "uuid", true},
		// ext
		{"senderId", "text", false}, {"channelName", "text", true}, {"userId", "text", true}, {"lastEventAt", "timestamptz", false},
	},
	"ConversationEvent": {
		{"id", "uuid", false}, {"conversationId", "uuid", false}, {"timestamp", "timestamptz", false},
		{"modelId", "uuid", true}, {"type", "ConversationEventType", false}, {"rawData", "jsonb", false},
		{"metadata", "jsonb", false}, {"actionText", "text", true}, {"name", "text", true}, {"flowId", "text", true},
		{"stepId", "text", true}, {"agentId", "text", true}, {"slotValue", "jsonb", true},
	},
	"VersionDailyStatistics": {
		{"id", "uuid", false}, {"date", "date", false}, {"channelName", "text", false}, {"version", "text", false},
		{"totalSessions", "int4", false}, {"automatedCount", "int4", false}, {"escalatedCount", "int4", false},
		{"averageLatencyMs", "float8", true}, {"p50LatencyMs", "float8", true}, {"p95LatencyMs", "float8", true},
		{"p99LatencyMs", "float8", true}, {"csatSatisfied", "int4", false}, {"csatUnsatisfied", "int4", false},
		{"csatUnanswered", "int4", false}, {"customSuccessCount", "int4", true}, {"customFailureCount", "int4", true},
		{"createdAt", "timestamptz", false}, {"updatedAt", "timestamptz", false}, {"successCriteriaId", "uuid", true},
		{"assistantName", "text", false}, // ext
	},
	"FlowDailyStatistics": {
		{"id", "uuid", false}, {"date", "date", false}, {"flowName", "text", false}, {"totalSessions", "int4", false},
		{"automatedCount", "int4", false}, {"escalatedCount", "int4", false}, {"createdAt", "timestamptz", false},
		{"updatedAt", "timestamptz", false}, {"assistantName", "text", false}, // ext
	},
	"SuccessCriteria": {
		{"id", "uuid", false}, {"assistantName", "text", false}, {"includedFlows", "_text", false},
		{"excludedFlows", "_text", false}, {"createdAt", "timestamptz", false}, {"updatedAt", "timestamptz", false},
	},
	"MachineLearningModel": {
		{"id", "uuid", false}, {"modelId", "text", false}, {"modelName", "text", true}, {"assistantName", "text", true},
		{"firstSeenAt", "timestamptz", false}, {"lastSeenAt", "timestamptz", false},
	},
	"Environment": {{"id", "uuid", false}, {"name", "text", false}},
}

func TestSchemaHasEverySpecColumn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for table, cols := range specColumns {
		for _, want := range cols {
			var udt, nullable string
			err := b.pool.QueryRow(context.Background(), `
				SELECT udt_name, is_nullable FROM information_schema.columns
				WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2`, table, want.name).Scan(&udt, &nullable)
			if err != nil {
				t.Errorf("%s.%s: %v", table, want.name, err)
				continue
			}
			if udt != want.udt || (nullable == "YES") != want.nullable {
				t.Errorf("%s.%s is %s nullable=%s, want %s nullable=%v", table, want.name, udt, nullable, want.udt, want.nullable)
			}
		}
	}
	// Keys the SPEC names.
	for _, c := range []struct{ table, def string }{
		{"ConversationEvent", `FOREIGN KEY ("conversationId") REFERENCES "Conversation"(id) DEFERRABLE INITIALLY DEFERRED`},
		{"ConversationEvent", `FOREIGN KEY ("modelId") REFERENCES "MachineLearningModel"(id) DEFERRABLE INITIALLY DEFERRED`},
		{"Conversation", `FOREIGN KEY ("environmentId") REFERENCES "Environment"(id)`},
		{"VersionDailyStatistics", `FOREIGN KEY ("successCriteriaId") REFERENCES "SuccessCriteria"(id) ON DELETE SET NULL`},
		{"VersionDailyStatistics", `UNIQUE (date, "assistantName", "channelName", version)`},
		{"FlowDailyStatistics", `UNIQUE (date, "assistantName", "flowName")`},
		{"SuccessCriteria", `UNIQUE ("assistantName")`},
	} {
		defs := b.strings(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass`, `"`+c.table+`"`)
		if !slices.Contains(defs, c.def) {
			t.Errorf("%s lacks %s; has %v", c.table, c.def, defs)
		}
	}
}

func TestEnumsHoldExactlyTheSpecValues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seed := strings.Fields(`ACTION SESSION_STARTED SLOT RESET_SLOTS FLOW_STARTED FLOW_INTERRUPTED FLOW_RESUMED
		FLOW_COMPLETED FLOW_CANCELLED FORM ACTIVE_LOOP RESTART CONVERSATION_INACTIVE SESSION_ENDED ENTITIES FOLLOWUP
		ACTION_EXECUTION_REJECTED STACK ROUTING_SESSION_ENDED REMINDER CANCEL_REMINDER REWIND UNDO EXPORT PAUSE
		RESUME LOOP_INTERRUPTED AGENT_STARTED AGENT_COMPLETED AGENT_INTERRUPTED AGENT_CANCELLED AGENT_RESUMED`)
	if len(seed) != 32 {
		t.Fatalf("the seed list has %d values", len(seed))
	}
	// The SPEC's extensions: USER, BOT, and every other event Rasa emits.
	want := append(seed, "USER", "BOT", "USER_FEATURIZATION", "SESSION_PAUSED", "AGENT", "ERROR")
	for enum, values := range map[string][]string{
		"ConversationEventType": want,
		"ReviewState":           {"UNREVIEWED", "PARTIALLY_REVIEWED", "REVIEWED"},
		"CsatRating":            {"SATISFIED", "UNSATISFIED", "UNANSWERED"},
	} {
		got := b.strings(`SELECT unnest(enum_range(NULL::"` + enum + `"))::text`)
		if !slices.Equal(got, values) {
			t.Errorf("%s = %v, want %v", enum, got, values)
		}
	}
	if got := one[string](b, `SELECT "reviewState"::text FROM (SELECT column_default AS "reviewState" FROM information_schema.columns
		WHERE table_name = 'Conversation' AND column_name = 'reviewState') d`); got != "'UNREVIEWED'::\"ReviewState\"" {
		t.Errorf("reviewState default %s", got)
	}
}

func TestMigrationsGoUpDownAndUpAgain(t *testing.T) {
	t.Parallel()
	empty := testdb.NewEmpty(t)
	ctx := context.Background()
	migrations, err := db.Pending(ctx, empty.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, empty.URL, io.Discard); err != nil {
		t.Fatal(err)
	}
	tables := func() int {
		var n int
		if err := empty.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'analytics')
			AND tablename <> 'schema_migrations'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if tables() == 0 {
		t.Fatal("migrate created no tables")
	}
	for range migrations {
		if err := db.Rollback(ctx, empty.URL, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var leftovers int
	if err := empty.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'analytics')
		AND tablename <> 'schema_migrations') + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE n.nspname = 'public' AND t.typtype = 'e') + (SELECT count(*) FROM pg_namespace WHERE nspname = 'analytics')`).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if leftovers != 0 {
		t.Errorf("%d tables, enums or schemas left after rolling every migration back", leftovers)
	}
	if err := db.Migrate(ctx, empty.URL, io.Discard); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
}

// TestSQLObjectFilesMatchTheMigratedDatabase: the files under functions/,
// views/ and triggers/ are the source of truth; a migrated database must hold
// exactly them. Applying every file on top of it must change no definition.
func TestSQLObjectFilesMatchTheMigratedDatabase(t *testing.T) {
	t.Parallel()
	changes, err := sqlobject.Plan("..", os.DirFS("../db/migrations"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		t.Errorf("%s differs from db/migrations: run `analyticsdb sql generate`", c.Path)
	}
	b := setup(t)
	before := b.definitions()
	objects, err := sqlobject.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		b.exec(o.SQL)
	}
	after := b.definitions()
	for name, def := range after {
		if before[name] != def {
			t.Errorf("%s in the migrated database differs from its file:\n--- migrated\n%s\n--- file\n%s", name, before[name], def)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s is in the database but in no file", name)
		}
	}
	if len(before) != len(objects) {
		t.Errorf("%d functions, views and triggers in the database, %d files", len(before), len(objects))
	}
}

// definitions returns every function of schema analytics, every view of
// schema public (with its comment; views of extensions excluded) and every
// user trigger, by name, as PostgreSQL prints them. The leaves of
// ConversationEvent are left out: their triggers come from
// analytics.create_event_partition, not from a file of their own.
func (b *bundle) definitions() map[string]string {
	b.t.Helper()
	rows, err := b.pool.Query(context.Background(), `
		SELECT 'function ' || p.oid::regprocedure::text, pg_get_functiondef(p.oid)
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'analytics'
		UNION ALL
		SELECT 'view ' || c.oid::regclass::text,
		       pg_get_viewdef(c.oid) || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '<none>')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'v'
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d
		                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
		UNION ALL
		SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
		FROM pg_trigger t WHERE NOT t.tgisinternal AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = t.tgrelid)`)
	if err != nil {
		b.t.Fatal(err)
	}
	defs := map[string]string{}
	var name, def string
	if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error { defs[name] = def; return nil }); err != nil {
		b.t.Fatal(err)
	}
	return defs
}

func TestReadOnlyRoleReadsAnalyticsAndNothingElse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(newScript("ro", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").msgs)
	conn := readOnlyConn(t, b)
	// The analytics tables, and every view of schema public (the BI views).
	views := b.strings(`SELECT viewname::text FROM pg_views WHERE schemaname = 'public' ORDER BY 1`)
	if len(views) == 0 {
		t.Error("no views in schema public")
	}
	for _, table := range append([]string{"Conversation", "ConversationEvent", "VersionDailyStatistics", "FlowDailyStatistics",
		"SuccessCriteria", "MachineLearningModel", "Environment"}, views...) {
		if _, err := conn.Exec(context.Background(), `SELECT * FROM "`+table+`" LIMIT 1`); err != nil {
			t.Errorf("read-only role cannot read %s: %v", table, err)
		}
	}
	for _, sql := range []string{
		`INSERT INTO "SuccessCriteria" ("assistantName") VALUES ('x')`,
		`UPDATE "Conversation" SET "reviewState" = 'REVIEWED'`,
		`DELETE FROM "ConversationEvent"`,
		`SELECT * FROM "KafkaOffset"`,
		`SELECT * FROM "AssistantSettings"`,
		`SELECT * FROM "RejectedEvent"`,
		`SELECT * FROM analytics."SenderSession"`,
		`SELECT analytics.refresh_statistics()`,
		`SELECT analytics.recompute()`,
		`CREATE TABLE mine (x int)`,
	} {
		_, err := conn.Exec(context.Background(), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: %v, want insufficient_privilege (42501)", sql, err)
		}
	}
}

func (b *bundle) strings(sql string, args ...any) []string {
	b.t.Helper()
	return all(b, pgx.RowTo[string], sql, args...)
}

// TestSchemaDumpIsCurrent: db/schema.sql is what dbmate dumps from a freshly
// migrated database (UPDATE_SCHEMA_DUMP=1 rewrites it, as does
// `analyticsdb sql dump-schema` on a migrated database).
func TestSchemaDumpIsCurrent(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("pg_dump not installed")
	}
	b := setup(t)
	got, err := db.DumpSchema(context.Background(), b.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_SCHEMA_DUMP") == "1" {
		if err := os.WriteFile("../db/schema.sql", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("../db/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("db/schema.sql is stale: run `UPDATE_SCHEMA_DUMP=1 go test ./tests -run TestSchemaDumpIsCurrent`")
	}
}
