package tests

import (
	"bufio"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/internal/scram"
)

// TestLeastPrivilegeRolesOnAPasswordCluster sets up a cluster the way
// docs/operations.md ("Roles") tells a DBA to, on a server that asks every
// connection for its password (scram-sha-256): the DBA's statements, read
// from that document and run as the superuser; `migrate` as the owner, which
// is no superuser and may not create roles; `grant-loader` and
// `grant-readonly` as the superuser. Then the loader role runs `replay` (the
// first half of the sample stream), `run` against Kafka (the second half),
// `replay-rejected`, `recompute`, `refresh`, `status` and `review`, and the
// tables equal the sample's oracle. Then each role tries what it must not do
// and gets insufficient_privilege, and the statements --print shows are
// shown to be the ones applied.
func TestLeastPrivilegeRolesOnAPasswordCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startPasswordServer(t, "Su-"+randomSuffix())
	ownerPW, loaderPW, readerPW := "Ow-"+randomSuffix(), "Lo-"+randomSuffix(), "Re-"+randomSuffix()
	runDBASetup(t, srv, map[string]string{"analytics_owner": ownerPW})

	adminURL := srv.DatabaseURL("studio")
	ownerURL := urlAs(t, adminURL, "analytics_owner", ownerPW)
	loaderURL := urlAs(t, adminURL, "analytics_loader", loaderPW)
	readerURL := urlAs(t, adminURL, "bi_reader", readerPW)
	cli := func(dbURL string, args ...string) string {
		t.Helper()
		out, err := runCLIAt(t, dbURL, args...)
		if err != nil {
			t.Fatalf("analyticsdb %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	if out := cli(ownerURL, "migrate"); strings.Contains(out, "warning") {
		t.Errorf("migrate as the owner warned:\n%s", out)
	}
	owner := &bundle{t: t, pool: sqlPool(t, ownerURL, defaultAssistant)}
	if n := one[int](owner, `SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'analytics') AND c.relowner <> 'analytics_owner'::regrole`); n != 0 {
		t.Errorf("%d relations of the migrations are not the owner's", n)
	}
	out := cli(adminURL, "grant-loader", "--role", "analytics_loader", "--password", loaderPW)
	if strings.Contains(out, "not done") || strings.Contains(out, loaderPW) {
		t.Errorf("grant-loader as the superuser:\n%s", out)
	}
	cli(adminURL, "grant-readonly", "--role", "bi_reader", "--password", readerPW)

	// The loader role ingests: half the sample from a file, half from Kafka.
	msgs := sampleMessages(t)
	half := len(msgs) / 2
	cli(loaderURL, "replay", writeJSONL(t, "first-half", msgs[:half]))
	c := newCluster(t, 4)
	produce(t, c, msgs[half:])
	run := startChild(t, "loader-role", runArgs(loaderURL, c, "roles", 500))
	waitFor(t, time.Minute, "the loader role to store the Kafka half", func() bool {
		return one[int64](owner, `SELECT coalesce(sum("nextOffset"), 0)::bigint FROM "KafkaOffset"`) >= int64(len(msgs)-half)
	})
	if err := run.terminate(t, time.Minute); err != nil {
		t.Errorf("run: %v\n%s", err, run.out.String())
	}
	if strings.Contains(run.out.String(), "foreign key checks stay on") {
		t.Error("the loader role may not set session_replication_role although a superuser ran grant-loader")
	}
	cli(loaderURL, "replay-rejected")
	cli(loaderURL, "recompute")
	cli(loaderURL, "refresh")
	owner.exec(`ANALYZE "Conversation", "ConversationEvent"`)
	status := cli(loaderURL, "status")
	if !strings.Contains(status, "rejected messages waiting") {
		t.Errorf("status as the loader role:\n%s", status)
	}
	checkRowEstimates(t, status, map[string]int64{"Conversation": int64(len(readOracle(t).Conversations)),
		"ConversationEvent": one[int64](owner, `SELECT count(*) FROM "ConversationEvent"`)})
	checkAgainstOracle(t, owner, readOracle(t))
	conversation := one[string](owner, `SELECT "id"::text FROM "Conversation" LIMIT 1`)
	cli(loaderURL, "review", conversation, "REVIEWED")

	// What each role may not do.
	loaderConn, readerConn, ownerConn := connectURL(t, loaderURL), connectURL(t, readerURL), connectURL(t, ownerURL)
	mustBeDenied(t, "loader", loaderConn,
		`DROP TABLE "ConversationEvent"`,
		`ALTER TABLE "ConversationEvent" ADD COLUMN "x" integer`,
		`CREATE TABLE public.mine (x integer)`,
		`CREATE TABLE analytics.mine (x integer)`,
		`CREATE SCHEMA mine`,
		`CREATE FUNCTION analytics.mine() RETURNS integer LANGUAGE sql AS 'SELECT 1'`,
		`CREATE TEMP TABLE mine (x integer)`,
		`SELECT lo_create(0)`,
		`SELECT lo_from_bytea(0, 'x')`,
		`SELECT * FROM pg_authid`,
		`SELECT pg_read_file('postgresql.conf')`,
		`COPY "ConversationEvent" TO '/tmp/events'`,
		`TRUNCATE "ConversationEvent"`,
		`DELETE FROM "ConversationEvent"`,
		`UPDATE "ConversationEvent" SET "name" = 'x'`,
		`UPDATE "Conversation" SET "reviewState" = 'UNREVIEWED'`,
		`DELETE FROM "Conversation"`,
		`DELETE FROM "VersionDailyStatistics"`,
		`UPDATE "FlowDailyStatistics" SET "totalSessions" = 0`,
		`DELETE FROM "KafkaOffset"`,
		`SELECT * FROM "AssistantSettings"`,
		`INSERT INTO "SuccessCriteria" ("assistantName") VALUES ('x')`,
		`UPDATE analytics."RefreshLog" SET "lastRefreshAt" = now()`,
		`SELECT * FROM analytics."RefreshLog" FOR UPDATE`,
		`SELECT * FROM analytics.erase_sender('x')`,
		`SELECT analytics.rebuild_conversations('{}')`,
		`SELECT analytics.create_readonly_role('x', 'y')`,
		`SET ROLE analytics_owner`,
		`CREATE ROLE mine`,
		`ALTER ROLE analytics_loader CREATEROLE`,
	)
	if _, err := loaderConn.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica; COMMIT`); err != nil {
		t.Errorf("the loader role may not set session_replication_role: %v", err)
	}
	// A BI user may turn the read-only default off; the privileges hold anyway.
	if _, err := readerConn.Exec(ctx, `SET default_transaction_read_only = off`); err != nil {
		t.Fatal(err)
	}
	if _, err := readerConn.Exec(ctx, `SELECT * FROM "DailyOverview"`); err != nil {
		t.Errorf("the read-only role cannot read DailyOverview: %v", err)
	}
	mustBeDenied(t, "read-only", readerConn,
		`INSERT INTO "Environment" ("id", "name") VALUES (gen_random_uuid(), 'x')`,
		`UPDATE "Conversation" SET "reviewState" = 'REVIEWED'`,
		`DELETE FROM "ConversationEvent"`,
		`TRUNCATE "VersionDailyStatistics"`,
		`SELECT * FROM "KafkaOffset"`,
		`SELECT * FROM "RejectedEvent"`,
		`SELECT analytics.refresh_statistics()`,
		`CREATE TEMP TABLE mine (x integer)`,
		`CREATE TABLE public.mine (x integer)`,
		`SELECT lo_create(0)`,
		`SELECT * FROM pg_authid`,
	)
	type attrs struct{ Super, CreateRole, CreateDB, Replication, BypassRLS bool }
	for _, role := range []string{"analytics_owner", "analytics_loader", "bi_reader"} {
		if a := one[attrs](owner, `SELECT row(rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls)
			FROM pg_roles WHERE rolname = $1`, role); a != (attrs{}) {
			t.Errorf("role %s has attributes %+v", role, a)
		}
	}
	mustBeDenied(t, "owner", ownerConn,
		`CREATE ROLE mine`,
		`ALTER ROLE analytics_loader PASSWORD 'x'`,
		`SELECT * FROM pg_authid`,
		`ALTER SYSTEM SET work_mem = '1GB'`,
		`SELECT pg_read_file('postgresql.conf')`,
		`SET ROLE analytics_loader`,
		`CREATE DATABASE mine`,
	)
	// Any other role of the cluster cannot even connect.
	admin := connectURL(t, adminURL)
	if _, err := admin.Exec(ctx, `CREATE ROLE stranger LOGIN PASSWORD 'stranger-pw'`); err != nil {
		t.Fatal(err)
	}
	_, err := pgx.Connect(ctx, urlAs(t, adminURL, "stranger", "stranger-pw"))
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("a role without CONNECT connected: %v, want insufficient_privilege (42501)", err)
	}

	// erase is the owner's.
	if out, err := runCLIAt(t, loaderURL, "erase", "--sender", "nobody"); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("erase as the loader role: %v\n%s", err, out)
	}
	cli(ownerURL, "erase", "--sender", "nobody")

	// --print shows the statements applied: a role made from the printed
	// script, run by the superuser, has exactly the applied role's rights.
	script := cli(adminURL, "grant-readonly", "--role", "bi_printed", "--password", readerPW, "--print")
	if strings.Contains(script, readerPW) || !strings.Contains(script, "SCRAM-SHA-256$") {
		t.Errorf("the printed script holds the password, or no verifier:\n%s", script)
	}
	if n := one[int](owner, `SELECT count(*)::int FROM pg_roles WHERE rolname = 'bi_printed'`); n != 0 {
		t.Fatal("grant-readonly --print created the role")
	}
	if _, err := admin.Exec(ctx, script); err != nil {
		t.Fatalf("the printed script: %v\n%s", err, script)
	}
	printedLoader := cli(adminURL, "grant-loader", "--role", "loader_printed", "--password", loaderPW, "--print")
	t.Logf("grant-loader --print:\n%s", printedLoader)
	if _, err := admin.Exec(ctx, printedLoader); err != nil {
		t.Fatalf("the printed script: %v\n%s", err, printedLoader)
	}
	for _, pair := range [][2]string{{"bi_reader", "bi_printed"}, {"analytics_loader", "loader_printed"}} {
		applied, printed := privileges(owner, pair[0]), privileges(owner, pair[1])
		if applied != printed {
			t.Errorf("%s (applied) and %s (printed) differ:\n%s\n%s", pair[0], pair[1], applied, printed)
		}
		if !strings.Contains(applied, "SELECT") {
			t.Errorf("%s has no privileges: %s", pair[0], applied)
		}
	}

	// An administrator that is no superuser, as on a managed service:
	// CREATEROLE, and a member of the owner's role. It grants everything but
	// the right to set session_replication_role, and says so.
	if _, err := admin.Exec(ctx, `CREATE ROLE dba LOGIN CREATEROLE PASSWORD 'dba-pw'; GRANT analytics_owner TO dba`); err != nil {
		t.Fatal(err)
	}
	dbaURL := urlAs(t, adminURL, "dba", "dba-pw")
	if out := cli(dbaURL, "grant-loader", "--role", "loader_by_dba", "--password", loaderPW); !strings.Contains(out,
		"not done: needs a superuser: GRANT SET ON PARAMETER session_replication_role TO loader_by_dba") {
		t.Errorf("grant-loader by an administrator that is no superuser:\n%s", out)
	}
	cli(dbaURL, "grant-readonly", "--role", "reader_by_dba", "--password", readerPW)
	if got := privileges(owner, "loader_by_dba"); got != strings.ReplaceAll(privileges(owner, "analytics_loader"), "\nSET session_replication_role", "") {
		t.Errorf("the loader role of the administrator that is no superuser has:\n%s", got)
	}
	if got, want := privileges(owner, "reader_by_dba"), privileges(owner, "bi_reader"); got != want {
		t.Errorf("the read-only role of the administrator that is no superuser has:\n%s\nwant:\n%s", got, want)
	}

	// migrate grants again what a role lost, or a new version adds.
	if _, err := ownerConn.Exec(ctx, `REVOKE SELECT ON "DailyOverview" FROM bi_reader;
		REVOKE INSERT ON "ConversationEvent" FROM analytics_loader`); err != nil {
		t.Fatal(err)
	}
	if out := cli(ownerURL, "migrate"); !strings.Contains(out, "granted 6 roles") {
		t.Errorf("migrate did not grant the 6 roles again:\n%s", out)
	}
	if _, err := readerConn.Exec(ctx, `SELECT * FROM "DailyOverview"`); err != nil {
		t.Errorf("after migrate, the read-only role cannot read DailyOverview: %v", err)
	}
	if !one[bool](owner, `SELECT has_table_privilege('analytics_loader', 'public."ConversationEvent"', 'INSERT')`) {
		t.Error("after migrate, the loader role may not insert events")
	}
}

// startPasswordServer starts a local cluster whose every connection
// authenticates with scram-sha-256, the superuser's password being password.
func startPasswordServer(t *testing.T, password string) *pgserver.Server {
	t.Helper()
	srv, err := pgserver.Start(context.Background(), pgserver.Options{Kind: pgserver.KindLocal, Password: password, MaxConnections: 50})
	if errors.Is(err, pgserver.ErrUnavailable) && os.Getenv("TEST_REQUIRE_DB") == "" {
		t.Skipf("no local PostgreSQL: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// runDBASetup runs, as the superuser, the SQL block of docs/operations.md
// that creates the owner role: its statements, `\connect DB` and
// `\password ROLE` (with the password in passwords, sent as a verifier, as
// psql does).
func runDBASetup(t *testing.T, srv *pgserver.Server, passwords map[string]string) {
	t.Helper()
	ctx := context.Background()
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```sql\n(CREATE ROLE analytics_owner.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/operations.md has no ```sql block starting with CREATE ROLE analytics_owner")
	}
	conn := connectURL(t, srv.URL())
	var statement strings.Builder
	ran := 0
	sc := bufio.NewScanner(strings.NewReader(string(block[1])))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, `\connect `):
			conn = connectURL(t, srv.DatabaseURL(strings.TrimPrefix(line, `\connect `)))
		case strings.HasPrefix(line, `\password `):
			role := strings.TrimPrefix(line, `\password `)
			verifier, err := scram.NewVerifier(passwords[role])
			if err != nil || passwords[role] == "" {
				t.Fatalf("no password for %s (%v)", role, err)
			}
			if _, err := conn.Exec(ctx, `ALTER ROLE `+pgx.Identifier{role}.Sanitize()+` PASSWORD `+quoteLiteral(verifier)); err != nil {
				t.Fatal(err)
			}
		default:
			statement.WriteString(line + "\n")
			if strings.HasSuffix(line, ";") {
				if _, err := conn.Exec(ctx, statement.String()); err != nil {
					t.Fatalf("docs/operations.md, the DBA's statement %s: %v", statement.String(), err)
				}
				statement.Reset()
				ran++
			}
		}
	}
	if ran < 5 || statement.Len() > 0 {
		t.Fatalf("ran %d statements of the DBA's block, %q left over", ran, statement.String())
	}
}

// privileges lists what role may do on every object of schemas public and
// analytics, the database and session_replication_role, as one string.
func privileges(b *bundle, role string) string {
	return strings.Join(b.strings(`
		SELECT format('%s %s: %s', c.relkind, c.oid::regclass, p.privilege_type)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
		     LATERAL (SELECT unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS privilege_type) AS p
		WHERE n.nspname IN ('public', 'analytics') AND c.relkind IN ('r', 'p', 'v', 'm')
		  AND has_table_privilege($1, c.oid, p.privilege_type)
		UNION ALL
		SELECT format('S %s: %s', c.oid::regclass, p.privilege_type)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
		     unnest(ARRAY['SELECT', 'USAGE', 'UPDATE']) AS p(privilege_type)
		WHERE n.nspname IN ('public', 'analytics') AND c.relkind = 'S' AND has_sequence_privilege($1, c.oid, p.privilege_type)
		UNION ALL
		SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'analytics' AND has_function_privilege($1, p.oid, 'EXECUTE')
		UNION ALL
		SELECT 'schema ' || n.nspname || ': ' || p FROM pg_namespace n, unnest(ARRAY['USAGE', 'CREATE']) AS p
		WHERE n.nspname IN ('public', 'analytics') AND has_schema_privilege($1, n.oid, p)
		UNION ALL
		SELECT 'database: ' || p FROM unnest(ARRAY['CONNECT', 'TEMPORARY', 'CREATE']) AS p
		WHERE has_database_privilege($1, current_database(), p)
		UNION ALL
		SELECT 'SET session_replication_role' WHERE has_parameter_privilege($1, 'session_replication_role', 'SET')
		ORDER BY 1`, role), "\n")
}

// mustBeDenied runs each statement on conn and wants insufficient_privilege.
func mustBeDenied(t *testing.T, who string, conn *pgx.Conn, statements ...string) {
	t.Helper()
	for _, sql := range statements {
		_, err := conn.Exec(context.Background(), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("as the %s role, %s: %v, want insufficient_privilege (42501)", who, sql, err)
		}
	}
}

// urlAs is dbURL with another user and password.
func urlAs(t *testing.T, dbURL, user, password string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

func connectURL(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// writeJSONL writes messages, one per line, to a file named name.jsonl in a
// test directory and returns its path.
func writeJSONL(t *testing.T, name string, lines [][]byte) string {
	t.Helper()
	var out []byte
	for _, l := range lines {
		out = append(append(out, l...), '\n')
	}
	file := filepath.Join(t.TempDir(), name+".jsonl")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestGrantLoaderMakesALockedDownRoleAndTakesOverNone: grant-loader sends a
// SCRAM verifier, never the password, and makes a login role with no
// SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS. It refuses a
// role it did not create (a plain one, a read-only one of grant-readonly,
// the caller) and grant-readonly refuses its role; a second run updates the
// password. grant-readonly moving a role to --aggregates-only leaves it nothing of
// before.
func TestGrantLoaderMakesALockedDownRoleAndTakesOverNone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	loaderRole, reader, plain := "ld_"+randomSuffix(), "rd_"+randomSuffix(), "pl_"+randomSuffix()
	for _, r := range []string{loaderRole, reader, plain} {
		t.Cleanup(func() { dropRole(b, r) })
	}
	const password = "Load3r: pass/word@#%"
	out := runCLI(t, b, "grant-loader", "--role", loaderRole, "--password", password)
	if strings.Contains(out, "pass/word") || strings.Contains(out, "not done") {
		t.Errorf("grant-loader as a superuser printed:\n%s", out)
	}
	// The test databases are migrated by the superuser, which a DBA is told not to do.
	if !strings.Contains(out, "a superuser: the functions that run as the schema owner then run as a superuser") {
		t.Errorf("grant-loader did not warn that the schema belongs to a superuser:\n%s", out)
	}
	type attrs struct{ Super, CreateDB, CreateRole, Replication, BypassRLS, Login bool }
	if got := one[attrs](b, `SELECT row(rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin)
		FROM pg_roles WHERE rolname = $1`, loaderRole); got != (attrs{Login: true}) {
		t.Errorf("role attributes %+v", got)
	}
	stored := one[string](b, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, loaderRole)
	if !strings.HasPrefix(stored, "SCRAM-SHA-256$") {
		t.Errorf("stored password %.20q... is no SCRAM verifier", stored)
	}
	connectAs(t, b, loaderRole, password) // trust authentication: this only shows LOGIN and CONNECT

	b.exec(`SELECT analytics.create_readonly_role($1, 'x')`, reader)
	b.exec(`CREATE ROLE ` + pgx.Identifier{plain}.Sanitize())
	for _, r := range []string{reader, plain, one[string](b, `SELECT current_user`)} {
		if out, err := runCLIAt(t, b.db.URL, "grant-loader", "--role", r, "--password", "x"); err == nil {
			t.Errorf("grant-loader took over role %s:\n%s", r, out)
		}
	}
	if out, err := runCLIAt(t, b.db.URL, "grant-readonly", "--role", loaderRole, "--password", "x"); err == nil {
		t.Errorf("grant-readonly took over the loader's role:\n%s", out)
	}
	if one[bool](b, `SELECT has_table_privilege($1, 'public."ConversationEvent"', 'INSERT')`, reader) {
		t.Error("the refused read-only role got the loader's grants")
	}
	runCLI(t, b, "grant-loader", "--role", loaderRole, "--password", password+"2")
	if again := one[string](b, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, loaderRole); again == stored {
		t.Error("a second grant-loader did not change the password")
	}

	// Full, then aggregates-only: nothing personal is left.
	runCLI(t, b, "grant-readonly", "--role", reader, "--password", "x")
	if !one[bool](b, `SELECT has_table_privilege($1, 'public."ConversationEvent"', 'SELECT')`, reader) {
		t.Fatal("the read-only role may not read ConversationEvent")
	}
	runCLI(t, b, "grant-readonly", "--role", reader, "--password", "x", "--aggregates-only")
	for _, r := range []string{"ConversationEvent", "Conversation", "Sessions", "LatencySamples"} {
		if one[bool](b, `SELECT has_table_privilege($1, format('public.%I', $2::text), 'SELECT')`, reader, r) {
			t.Errorf("moved to --aggregates-only, the role still reads %s", r)
		}
	}
	if got := b.strings(`SELECT "role" || ' ' || "kind" FROM analytics."RoleGrant" ORDER BY 1`); len(got) != 2 {
		t.Errorf("analytics.RoleGrant holds %v, want the loader role and the read-only one", got)
	}
}

// TestNoAnalyticsFunctionIsPublic: PUBLIC may execute no function of schema
// analytics, and a function a later migration creates is no exception
// (default privileges of the migrating role). The maintenance functions the
// loader calls, and the trigger functions, run as the schema owner.
func TestNoAnalyticsFunctionIsPublic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, fn := range b.strings(`SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'analytics' AND has_function_privilege('public', p.oid, 'EXECUTE')`) {
		t.Errorf("PUBLIC may execute %s", fn)
	}
	b.exec(`CREATE FUNCTION analytics.later_migration() RETURNS integer LANGUAGE sql AS 'SELECT 1'`)
	if one[bool](b, `SELECT has_function_privilege('public', 'analytics.later_migration()', 'EXECUTE')`) {
		t.Error("PUBLIC may execute a function created after the migrations")
	}
	definers := b.strings(`SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'analytics' AND p.prosecdef ORDER BY 1`)
	want := []string{"apply_inserted_events", "erase_sender", "maintain_event_partitions", "move_events", "on_assistant_settings_change",
		"on_conversation_event_change", "on_success_criteria_change", "rebuild_moved_sessions", "recompute",
		"recompute_conversations", "recompute_from", "recompute_statistics", "refresh_statistics", "release_quarantined_group", "review_conversation"}
	if strings.Join(definers, " ") != strings.Join(want, " ") {
		t.Errorf("SECURITY DEFINER functions %v, want %v", definers, want)
	}
}

// TestMigrateWarnsOfWhatItCannotFix: on a database whose schema belongs to a
// superuser and where PUBLIC may still create temporary tables (a test
// database: copies of a template keep no database privileges), migrate says
// both, with what to do. TestLeastPrivilegeRolesOnAPasswordCluster shows it
// silent when the owner migrates its own database.
func TestMigrateWarnsOfWhatItCannotFix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	out := runCLI(t, b, "migrate")
	for _, want := range []string{
		"warning: every role may create temporary tables in this database; only its owner may revoke that: REVOKE TEMPORARY ON DATABASE " + b.db.Name + " FROM PUBLIC",
		"a superuser: the functions that run as the schema owner then run as a superuser",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate did not warn %q:\n%s", want, out)
		}
	}
}

// checkRowEstimates finds each table's row estimate in status's output and
// compares it with the count (exact after ANALYZE of a small table).
func checkRowEstimates(t *testing.T, status string, want map[string]int64) {
	t.Helper()
	for table, n := range want {
		m := regexp.MustCompile(` ` + table + ` (\d+);`).FindStringSubmatch(status)
		if m == nil || m[1] != strconv.FormatInt(n, 10) {
			t.Errorf("status estimates %s at %v rows, want %d:\n%s", table, m, n, status)
		}
	}
}
