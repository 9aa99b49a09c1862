package tests

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ---------------------------------------------------------------------------
// Every SQL statement is parameterised

// sqlAllowList names the functions (file:function, relative to the module
// root) allowed to run SQL text that is not a constant, and why. An entry
// that no longer matches anything fails the test, so the list stays short
// and true.
var sqlAllowList = map[string]string{
	"internal/pgserver/database.go:CreateDatabase":        "CREATE DATABASE takes no parameters; the names are quoted by pgx.Identifier.Sanitize (quoteIdent)",
	"internal/pgserver/database.go:DropDatabase":          "DROP DATABASE takes no parameters; the name is quoted by pgx.Identifier.Sanitize (quoteIdent)",
	"loader/internal/write/eventpartitions.go:copyEvents": "COPY takes no parameters; the leaf's name comes from analytics.event_partitions() and is quoted by pgx.Identifier.Sanitize",
	"loader/internal/write/batchwrite.go:setUpTx":         "SET takes no parameters; on Citus the statement is built once by the server's format('%L') from the loader's assistant name (NewStore)",
}

// sqlMethods maps a method name to how its SQL argument is found.
var sqlMethods = map[string]string{
	"Exec": "ctx?", "Query": "ctx?", "QueryRow": "ctx?", "ExecParams": "ctx?", "QueryFunc": "ctx?",
	"ExecContext": "1", "QueryContext": "1", "QueryRowContext": "1",
	"Queue":    "0", // pgx.Batch.Queue(sql, args...); SendBatch sends what was queued
	"Prepare":  "prepare",
	"CopyFrom": "copy",
}

// TestEverySQLStatementIsParameterised parses the Go sources of loader/,
// cmd/ and internal/ and fails when a call of Exec, Query, QueryRow,
// ExecParams, Prepare, CopyFrom or Batch.Queue (and the database/sql
// ...Context forms) gets SQL that is not a constant: a string literal, a
// constant, a concatenation of those, a package variable initialised so and
// never assigned, a local variable only ever assigned so, or a parameter that
// every caller in the package passes so. Values must go in as $n parameters;
// the few statements that cannot take parameters are in sqlAllowList, with
// the reason.
func TestEverySQLStatementIsParameterised(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, top := range []string{"loader", "cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
				dirs[filepath.Dir(path)] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	used := map[string]bool{}
	calls := 0
	for dir := range dirs {
		violations, n := checkSQLInPackage(t, root, dir)
		calls += n
		for _, v := range violations {
			if reason, ok := sqlAllowList[v.where]; ok {
				used[v.where] = true
				t.Logf("allowed (%s): %s: %s", reason, v.pos, v.what)
				continue
			}
			t.Errorf("%s: %s is not a constant SQL string: pass values as $n parameters (or add %s to sqlAllowList with the reason)", v.pos, v.what, v.where)
		}
	}
	for where := range sqlAllowList {
		if !used[where] {
			t.Errorf("sqlAllowList entry %s matches no call any more: remove it", where)
		}
	}
	if calls < 20 {
		t.Errorf("found only %d SQL calls: the parser missed them", calls)
	}
	t.Logf("%d SQL calls checked", calls)
}

type sqlViolation struct {
	pos   token.Position
	where string // file:function, relative to the module root
	what  string
}

// sqlPackage is what the check knows about one package.
type sqlPackage struct {
	fset   *token.FileSet
	root   string
	consts map[string]bool // package-level constants and constant-like variables
	funcs  map[string]*ast.FuncDecl
}

func checkSQLInPackage(t *testing.T, root, dir string) ([]sqlViolation, int) {
	t.Helper()
	pkg := &sqlPackage{fset: token.NewFileSet(), root: root, consts: map[string]bool{}, funcs: map[string]*ast.FuncDecl{}}
	var files []*ast.File
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(pkg.fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// Package-level constants, and variables with a constant value that no
	// statement assigns again.
	assigned := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && as.Tok != token.DEFINE {
				for _, lhs := range as.Lhs {
					if id, ok := lhs.(*ast.Ident); ok {
						assigned[id.Name] = true
					}
				}
			}
			return true
		})
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					vs, ok := spec.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for i, name := range vs.Names {
						switch {
						case d.Tok == token.CONST:
							pkg.consts[name.Name] = true
						case d.Tok == token.VAR && i < len(vs.Values) && !assigned[name.Name] && pkg.constant(vs.Values[i], nil):
							pkg.consts[name.Name] = true
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv == nil {
					pkg.funcs[d.Name.Name] = d
				}
			}
		}
	}

	var violations []sqlViolation
	calls := 0
	type obligation struct {
		fn    string
		param int
	}
	obligations := map[obligation]token.Position{}
	for _, f := range files {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				arg := sqlArgument(sel.Sel.Name, call.Args)
				if arg == nil {
					return true
				}
				calls++
				if pkg.constant(arg, fn) {
					return true
				}
				if i := paramIndex(fn, arg); i >= 0 && fn.Recv == nil {
					obligations[obligation{fn.Name.Name, i}] = pkg.fset.Position(arg.Pos())
					return true
				}
				violations = append(violations, pkg.violation(fn, arg, sel.Sel.Name))
				return true
			})
		}
	}
	// Parameters carrying SQL: every call in the package must pass a constant.
	for ob := range obligations {
		for _, f := range files {
			for _, decl := range f.Decls {
				caller, ok := decl.(*ast.FuncDecl)
				if !ok || caller.Body == nil {
					continue
				}
				ast.Inspect(caller.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != ob.fn || ob.param >= len(call.Args) {
						return true
					}
					if arg := call.Args[ob.param]; !pkg.constant(arg, caller) {
						violations = append(violations, pkg.violation(caller, arg, ob.fn+" (its SQL parameter)"))
					}
					return true
				})
			}
		}
	}
	return violations, calls
}

func (pkg *sqlPackage) violation(fn *ast.FuncDecl, arg ast.Expr, method string) sqlViolation {
	pos := pkg.fset.Position(arg.Pos())
	rel, _ := filepath.Rel(pkg.root, pos.Filename)
	return sqlViolation{pos: pos, where: filepath.ToSlash(rel) + ":" + fn.Name.Name, what: "the SQL of " + method}
}

// sqlArgument returns the argument of a call of method that holds its SQL,
// or nil when the call is not one that runs SQL text.
func sqlArgument(method string, args []ast.Expr) ast.Expr {
	rule, ok := sqlMethods[method]
	if !ok {
		return nil
	}
	switch rule {
	case "ctx?":
		if len(args) >= 2 && looksLikeContext(args[0]) {
			return args[1]
		}
		if len(args) >= 1 && !looksLikeContext(args[0]) && method != "Query" {
			return args[0] // database/sql style, without a context
		}
	case "0":
		if len(args) >= 1 {
			return args[0]
		}
	case "1":
		if len(args) >= 2 {
			return args[1]
		}
	case "prepare": // pgx Conn.Prepare(ctx, name, sql)
		if len(args) == 3 && looksLikeContext(args[0]) {
			return args[2]
		}
	case "copy": // pgconn.PgConn.CopyFrom(ctx, r, sql); pgx's CopyFrom takes a pgx.Identifier
		if len(args) == 3 && looksLikeContext(args[0]) {
			return args[2]
		}
		if len(args) == 4 && looksLikeContext(args[0]) {
			if lit, ok := args[1].(*ast.CompositeLit); ok && isIdentifierType(lit.Type) {
				return nil
			}
			return args[1]
		}
	}
	return nil
}

func looksLikeContext(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "ctx" || strings.HasSuffix(e.Name, "Ctx") || strings.HasSuffix(e.Name, "ctx")
	case *ast.SelectorExpr:
		return e.Sel.Name == "Context" || looksLikeContext(e.Sel)
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "context" {
				return true
			}
			return sel.Sel.Name == "Context" || sel.Sel.Name == "WithoutCancel"
		}
	}
	return false
}

func isIdentifierType(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Identifier"
}

// constant reports whether e is SQL text fixed at compile time, as far as
// the syntax shows: literals, constants, their concatenation, and local
// variables only ever assigned such values within fn.
func (pkg *sqlPackage) constant(e ast.Expr, fn *ast.FuncDecl) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.ParenExpr:
		return pkg.constant(e.X, fn)
	case *ast.BinaryExpr:
		return e.Op == token.ADD && pkg.constant(e.X, fn) && pkg.constant(e.Y, fn)
	case *ast.Ident:
		if pkg.consts[e.Name] {
			return true
		}
		return fn != nil && pkg.localConstant(e.Name, fn)
	}
	return false
}

// localConstant reports whether every assignment to name in fn (and it has
// at least one) is constant, and name is not a parameter.
func (pkg *sqlPackage) localConstant(name string, fn *ast.FuncDecl) bool {
	if paramIndex(fn, &ast.Ident{Name: name}) >= 0 {
		return false
	}
	seen, ok := false, true
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range s.Lhs {
				if id, isID := lhs.(*ast.Ident); isID && id.Name == name {
					seen = true
					if s.Tok != token.DEFINE && s.Tok != token.ASSIGN || len(s.Rhs) != len(s.Lhs) || !pkg.constant(s.Rhs[i], nil) {
						ok = false
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range s.Names {
				if id.Name == name {
					seen = true
					if i >= len(s.Values) || !pkg.constant(s.Values[i], nil) {
						ok = false
					}
				}
			}
		}
		return true
	})
	return seen && ok
}

// paramIndex is the position of e among fn's parameters, or -1.
func paramIndex(fn *ast.FuncDecl, e ast.Expr) int {
	id, ok := e.(*ast.Ident)
	if !ok || fn.Type.Params == nil {
		return -1
	}
	i := 0
	for _, field := range fn.Type.Params.List {
		if len(field.Names) == 0 {
			i++
			continue
		}
		for _, name := range field.Names {
			if name.Name == id.Name {
				return i
			}
			i++
		}
	}
	return -1
}

// TestSQLCheckerCatchesConcatenation makes sure the checker above is not
// blind: it must flag the usual ways of building SQL from values.
func TestSQLCheckerCatchesConcatenation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `package bad

import (
	"context"
	"fmt"
)

type db interface {
	Exec(ctx context.Context, sql string, args ...any) (any, error)
	Query(ctx context.Context, sql string, args ...any) (any, error)
}

const table = "\"Conversation\""

var fixed = "SELECT 1"

func ok(ctx context.Context, d db, id string) {
	d.Exec(ctx, "SELECT * FROM "+table+" WHERE id = $1", id)
	d.Query(ctx, fixed)
	q := "SELECT 2"
	d.Query(ctx, q)
	run(ctx, d, "SELECT 3")
}

func run(ctx context.Context, d db, sql string) { d.Exec(ctx, sql) }

func bad1(ctx context.Context, d db, id string) { d.Exec(ctx, "DELETE FROM x WHERE id = '"+id+"'") }
func bad2(ctx context.Context, d db, id string) { d.Query(ctx, fmt.Sprintf("SELECT %s", id)) }
func bad3(ctx context.Context, d db, id string) { q := "SELECT "; q += id; d.Query(ctx, q) }
func bad4(ctx context.Context, d db, id string) { run(ctx, d, "SELECT "+id) }
`
	if err := os.WriteFile(filepath.Join(dir, "bad.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	violations, calls := checkSQLInPackage(t, dir, dir)
	var got []string
	for _, v := range violations {
		got = append(got, v.where)
	}
	slices.Sort(got)
	want := []string{"bad.go:bad1", "bad.go:bad2", "bad.go:bad3", "bad.go:bad4"}
	if !slices.Equal(got, want) {
		t.Errorf("flagged %v, want %v (of %d calls)", got, want, calls)
	}
}

// ---------------------------------------------------------------------------
// The read-only role and the functions

// TestReadOnlyRoleHasLeastPrivilege checks, from the catalog and by trying,
// what a BI role made by create_readonly_role may do: SELECT exactly the
// relations of analytics.readonly_relations(), through views that read no
// forbidden table; nothing else on any table, view or sequence (no INSERT,
// UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER); no use of schema analytics,
// hence none of the maintenance functions; no CREATE anywhere.
func TestReadOnlyRoleHasLeastPrivilege(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(newScript("ro", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").msgs)
	role := "ro_" + randomSuffix()
	b.exec(`SELECT analytics.create_readonly_role($1, 'ro-password')`, role)
	t.Cleanup(func() { dropRole(b, role) })

	readable := map[string]bool{}
	for _, r := range b.strings(`SELECT unnest(analytics.readonly_relations())`) {
		readable[r] = true
	}
	rows, err := b.pool.Query(context.Background(), `
		SELECT n.nspname, c.relname, c.relkind::text,
		       has_table_privilege($1, c.oid, 'SELECT'),
		       has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'analytics') AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`, role)
	if err != nil {
		t.Fatal(err)
	}
	var schema, name, kind string
	var canSelect, canWrite bool
	seen := 0
	if _, err := pgx.ForEachRow(rows, []any{&schema, &name, &kind, &canSelect, &canWrite}, func() error {
		seen++
		want := schema == "public" && readable[name]
		if canSelect != want {
			t.Errorf("read-only role: SELECT on %s.%s is %v, want %v", schema, name, canSelect, want)
		}
		if canWrite {
			t.Errorf("read-only role may write %s.%s", schema, name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen < 15 {
		t.Errorf("only %d relations looked at", seen)
	}
	for _, seq := range b.strings(`SELECT s.oid::regclass::text FROM (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'analytics') AND c.relkind = 'S' OFFSET 0) AS s
		WHERE has_sequence_privilege($1, s.oid, 'USAGE, SELECT, UPDATE')`, role) {
		t.Errorf("read-only role may use sequence %s", seq)
	}
	for _, s := range b.strings(`SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'analytics') AND has_schema_privilege($1, oid, 'CREATE')`, role) {
		t.Errorf("read-only role may create objects in schema %s", s)
	}
	if one[bool](b, `SELECT has_schema_privilege($1, 'analytics', 'USAGE')`, role) {
		t.Error("read-only role may use schema analytics")
	}
	if one[bool](b, `SELECT has_database_privilege($1, current_database(), 'CREATE')`, role) {
		t.Error("read-only role may create schemas")
	}
	// Views run with their owner's rights: none the role reads may read a forbidden table.
	for _, dep := range b.strings(`
		SELECT DISTINCT v.relname || ' reads ' || t.relname
		FROM pg_rewrite r
		JOIN pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'
		JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
		JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid
		JOIN pg_namespace tn ON tn.oid = t.relnamespace
		WHERE v.relname = ANY (analytics.readonly_relations())
		  AND (t.relname IN ('KafkaOffset', 'AssistantSettings', 'RejectedEvent') OR tn.nspname = 'analytics')`) {
		t.Errorf("a view the read-only role may read exposes a forbidden table: %s", dep)
	}

	// And by trying, as the role.
	conn := connectAs(t, b, role, "ro-password")
	ctx := context.Background()
	// Its transactions are read-only by default; a BI user may turn that off
	// for the session, and the privileges must hold anyway.
	if _, err := conn.Exec(ctx, `SET default_transaction_read_only = off`); err != nil {
		t.Fatal(err)
	}
	for _, r := range slices.Sorted(maps.Keys(readable)) {
		if _, err := conn.Exec(ctx, `SELECT * FROM `+pgx.Identifier{r}.Sanitize()+` LIMIT 1`); err != nil {
			t.Errorf("read-only role cannot read %s: %v", r, err)
		}
	}
	var calls []string
	for _, fn := range b.strings(`
		SELECT format('SELECT %s.%I(%s)', n.nspname, p.proname,
		       coalesce((SELECT string_agg('NULL::' || format_type(a, NULL), ', ') FROM unnest(p.proargtypes) AS a), ''))
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname IN ('public', 'analytics') ORDER BY 1`) {
		calls = append(calls, fn)
	}
	if len(calls) < 10 {
		t.Errorf("only %d functions found", len(calls))
	}
	for _, sql := range append(calls,
		`INSERT INTO "Conversation" ("id", "startDate", "senderId") VALUES (gen_random_uuid(), now(), 'x')`,
		`UPDATE "ConversationEvent" SET "name" = 'x'`,
		`DELETE FROM "VersionDailyStatistics"`,
		`TRUNCATE "FlowDailyStatistics"`,
		`INSERT INTO "AssistantSettings" ("assistantName") VALUES ('x')`,
		`SELECT * FROM "KafkaOffset"`, `SELECT * FROM "AssistantSettings"`, `SELECT * FROM "RejectedEvent"`,
		`SELECT nextval('analytics.stream_block')`,
		`CREATE TABLE public.mine (x int)`, `CREATE SCHEMA mine`, `CREATE TEMP TABLE t AS SELECT * FROM "KafkaOffset"`,
	) {
		_, err := conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("as the read-only role, %s: %v, want insufficient_privilege (42501)", sql, err)
		}
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func dropRole(b *bundle, role string) {
	ctx := context.Background()
	_, _ = b.db.Pool.Exec(ctx, `DROP OWNED BY `+pgx.Identifier{role}.Sanitize())
	_, _ = b.db.Pool.Exec(ctx, `DROP ROLE IF EXISTS `+pgx.Identifier{role}.Sanitize())
}

func connectAs(t *testing.T, b *bundle, role, password string) *pgx.Conn {
	t.Helper()
	return connectURL(t, urlAs(t, b.db.URL, role, password))
}

// TestSecurityDefinerFunctionsPinSearchPath: a SECURITY DEFINER function
// without its own search_path runs with the caller's, and a caller who can
// create objects could then hijack it. Every such function of the migrations
// must set search_path, with pg_temp last (and every function of schema
// analytics must set one, by this project's convention, except plain SQL
// helpers marked IMMUTABLE).
func TestSecurityDefinerFunctionsPinSearchPath(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, fn := range b.strings(`
		SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosecdef
		  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c LIKE 'search\_path=%')`) {
		t.Errorf("SECURITY DEFINER function %s does not set search_path", fn)
	}
	for _, fn := range b.strings(`
		SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, unnest(p.proconfig) AS c
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosecdef
		  AND c LIKE 'search\_path=%' AND c NOT LIKE '%pg\_temp'`) {
		t.Errorf("SECURITY DEFINER function %s does not put pg_temp last in its search_path: a caller's temporary objects would come first", fn)
	}
	for _, fn := range b.strings(`
		SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'analytics' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
		  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c LIKE 'search\_path=%')`) {
		t.Errorf("PL/pgSQL function %s does not set search_path", fn)
	}
	t.Logf("SECURITY DEFINER functions: %v", b.strings(`SELECT p.oid::regprocedure::text FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosecdef`))
}

// ---------------------------------------------------------------------------
// Passwords never appear in logs, errors, /metrics or status output

// TestPasswordsNeverLeak runs the analyticsdb binary with a distinctive
// password in DATABASE_URL (and in DB_PASSWORD, PGPASSWORD, a password= query
// parameter and a key=value string), against a live test database where a role has
// that password, against a closed port, and against a fake server that asks
// for the password and refuses it; it runs migrate, run (scraping /metrics and
// /healthz), status, replay and the --help of every command, verbose, and
// looks for the password, raw and URL-escaped, in everything they print.
func TestPasswordsNeverLeak(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pw := "Pw-" + randomSuffix() + "-s3cr3t:/@?%"
	role := "leak_" + randomSuffix()
	b.exec(`CREATE ROLE ` + pgx.Identifier{role}.Sanitize() + ` LOGIN SUPERUSER PASSWORD ` + quoteLiteral(pw))
	t.Cleanup(func() { dropRole(b, role) })
	needles := []string{pw, url.QueryEscape(pw), url.PathEscape(pw), url.UserPassword("u", pw).String()[2:], strings.Split(pw, "-")[1]}

	live, err := url.Parse(b.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	live.User = url.UserPassword(role, pw)
	closed := closedPort(t)
	fake, sawPassword := fakePasswordServer(t)
	c := newClusterWith(t, 1)
	produceRecords(t, c, trafficRecords(t, 50))
	jsonl := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(jsonl, []byte("{\"sender_id\": \"a\", \"event\": \"user\", \"timestamp\": 1730000000}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kafka := strings.Join(c.ListenAddrs(), ",")

	type target struct {
		name string
		env  []string
		live bool
	}
	withHost := func(u *url.URL, host string) string {
		v := *u
		v.Host = host
		return v.String()
	}
	targets := []target{
		{"live DATABASE_URL", []string{"DATABASE_URL=" + live.String()}, true},
		{"live DB_* parts", []string{"DB_HOST=" + live.Hostname(), "DB_PORT=" + live.Port(), "DB_NAME=" + strings.TrimPrefix(live.Path, "/"),
			"DB_USER=" + role, "DB_PASSWORD=" + pw}, true},
		{"live PG* variables", []string{"PGHOST=" + live.Hostname(), "PGPORT=" + live.Port(), "PGDATABASE=" + strings.TrimPrefix(live.Path, "/"),
			"PGUSER=" + role, "PGPASSWORD=" + pw, "PGSSLMODE=disable"}, true},
		{"closed port", []string{"DATABASE_URL=" + withHost(live, closed)}, false},
		{"PG* variables, server refusing the password", []string{"PGHOST=127.0.0.1", "PGPORT=" + strings.Split(fake, ":")[1],
			"PGUSER=" + role, "PGPASSWORD=" + pw, "PGSSLMODE=disable"}, false},
		{"password as a query parameter", []string{"DATABASE_URL=postgres://" + role + "@" + closed + "/x?password=" + url.QueryEscape(pw)}, false},
		{"key=value string", []string{"DATABASE_URL=host=127.0.0.1 port=" + strings.Split(closed, ":")[1] + " user=" + role + " password=" + pw + " dbname=x"}, false},
		{"server refusing the password", []string{"DATABASE_URL=" + withHost(live, fake)}, false},
	}
	type command struct {
		args []string
		http bool
	}
	commands := []command{
		{args: []string{"migrate"}},
		{args: []string{"status", "--kafka-brokers", kafka}},
		{args: []string{"replay", "--verbose", jsonl}},
		{args: []string{"run", "--verbose", "--kafka-brokers", kafka, "--batch-wait", "20ms"}, http: true},
		{args: []string{"recompute"}},
		{args: []string{"run", "--help"}},
		{args: []string{"status", "--help"}},
		{args: []string{"migrate", "--help"}},
		{args: []string{"replay", "--help"}},
		{args: []string{"demo", "--help"}},
	}
	loaderBinary(t)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, tg := range targets {
		for _, cmd := range commands {
			addr := freeAddr(t)
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := runForLeakCheck(t, cmd.args, tg.env, cmd.http && tg.live, addr)
				mu.Lock()
				defer mu.Unlock()
				for _, n := range needles {
					if i := strings.Index(out, n); i >= 0 {
						line := out[strings.LastIndex(out[:i], "\n")+1:]
						if j := strings.IndexByte(line, '\n'); j >= 0 {
							line = line[:j]
						}
						t.Errorf("%s: `analyticsdb %s` printed the password: %s", tg.name, strings.Join(cmd.args, " "), strings.ReplaceAll(line, n, "<PASSWORD>"))
						break
					}
				}
				if tg.live && cmd.args[0] == "status" && !slices.Contains(cmd.args, "--help") && !strings.Contains(out, "rejected messages") {
					t.Errorf("%s: status did not work, so the test proves little:\n%s", tg.name, tail(out, 2000))
				}
			}()
		}
	}
	wg.Wait()
	if !sawPassword() {
		t.Error("the fake server never received the password: the refusing-server case proves nothing")
	}
}

// trafficRecords is a few generated records.
func trafficRecords(t *testing.T, n int) []*kgo.Record {
	recs := generate(t, trafficConfig(51, n)).records
	return recs
}

// runForLeakCheck runs the binary and returns everything it printed, plus,
// for `run` against a live database, the /metrics and probe bodies served
// on addr. It runs on its own goroutine: it reports with Errorf, never Fatal.
func runForLeakCheck(t *testing.T, args, env []string, scrape bool, addr string) string {
	var out strings.Builder
	if scrape {
		args = append(args, "--http-address", addr)
		ch, err := startChildE(t, "leak-run", args, env...)
		if err != nil {
			t.Error(err)
			return ""
		}
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(ch.out.String(), "partitions assigned") && !ch.exited() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		for _, path := range []string{"/metrics", "/healthz", "/livez", "/readyz"} {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				t.Errorf("GET %s: %v\n%s", path, err, ch.out.String())
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(&out, "--- %s\n%s\n", path, body)
			if path == "/metrics" && !strings.Contains(string(body), "analyticsdb_") {
				t.Errorf("/metrics served no analyticsdb metrics:\n%s", body)
			}
		}
		if err := ch.terminate(t, time.Minute); err != nil {
			t.Errorf("run: %v", err)
		}
		return out.String() + ch.out.String()
	}
	if args[0] == "run" && !slices.Contains(args, "--help") {
		args = append(args, "--http-address", addr)  // never the default port, which another loader may hold
		args = append(args, "--start-timeout", "3s") // it would wait for the unreachable database until stopped
	}
	ch, err := startChildE(t, "leak-"+args[0], args, env...)
	if err != nil {
		t.Error(err)
		return ""
	}
	select {
	case <-ch.done:
	case <-time.After(2 * time.Minute):
		ch.killAndWait()
		t.Errorf("analyticsdb %v did not finish", args)
	}
	return ch.out.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// closedPort is an address where nothing listens.
func closedPort(t *testing.T) string { return freeAddr(t) }

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// fakePasswordServer speaks just enough of the PostgreSQL protocol to ask
// for a cleartext password and refuse it, as a server with password
// authentication does. sawPassword reports whether a client sent one.
func fakePasswordServer(t *testing.T) (addr string, sawPassword func() bool) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	got := false
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
				be := pgproto3.NewBackend(bufio.NewReader(conn), conn)
				for {
					msg, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					switch msg.(type) {
					case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
						if _, err := conn.Write([]byte("N")); err != nil {
							return
						}
						continue
					case *pgproto3.StartupMessage:
					default:
						return
					}
					break
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				if be.Flush() != nil {
					return
				}
				if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
					return
				}
				msg, err := be.Receive()
				if err != nil {
					return
				}
				if _, ok := msg.(*pgproto3.PasswordMessage); ok {
					mu.Lock()
					got = true
					mu.Unlock()
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed for user"})
				_ = be.Flush()
			}()
		}
	}()
	return ln.Addr().String(), func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// TestAggregatesOnlyRoleReadsNoPersonalData: a role made with
// --aggregates-only reads the daily statistics and the aggregate views, and
// nothing that holds a sender, a user, a text or a conversation: not by
// grant, not through a view's columns, and not by trying.
func TestAggregatesOnlyRoleReadsNoPersonalData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(newScript("agg", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").bot("hello").msgs)
	role := "agg_" + randomSuffix()
	b.exec(`SELECT analytics.create_readonly_role($1, 'agg-password', true)`, role)
	t.Cleanup(func() { dropRole(b, role) })

	personal := []string{"Conversation", "ConversationEvent", "Sessions", "LatencySamples", "RejectedEvent", "KafkaOffset"}
	for _, r := range personal {
		if one[bool](b, `SELECT has_table_privilege($1, format('public.%I', $2::text), 'SELECT')`, role, r) {
			t.Errorf("the aggregates-only role may read %s", r)
		}
	}
	for _, col := range b.strings(`
		SELECT c.relname || '.' || a.attname FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid
		WHERE c.relname = ANY (analytics.readonly_relations(true)) AND a.attnum > 0 AND NOT a.attisdropped
		  AND a.attname IN ('senderId', 'userId', 'rawData', 'metadata', 'conversationId', 'id', 'text', 'slotValue', 'actionText')
		  AND c.relkind = 'v'`) {
		t.Errorf("an aggregate view shows a personal column: %s", col)
	}
	conn := connectAs(t, b, role, "agg-password")
	ctx := context.Background()
	var sessions int
	if err := conn.QueryRow(ctx, `SELECT sum("totalSessions")::int FROM "DailyOverview"`).Scan(&sessions); err != nil || sessions != 1 {
		t.Errorf("the aggregates-only role reads DailyOverview: %d sessions, %v", sessions, err)
	}
	for _, r := range personal {
		_, err := conn.Exec(ctx, fmt.Sprintf(`SELECT 1 FROM %s LIMIT 1`, pgx.Identifier{r}.Sanitize()))
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("SELECT from %s as the aggregates-only role: %v, want insufficient_privilege (42501)", r, err)
		}
	}
}
