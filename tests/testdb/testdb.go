// Package testdb gives each test its own PostgreSQL database, migrated and
// empty, so that tests can run with t.Parallel.
//
// Each database is a copy of a template database that is migrated once per
// set of migration files, which takes milliseconds instead of re-running the
// migrations. The server is TEST_DATABASE_URL when set (a postgres:// URL of a
// role that may create databases), and otherwise one started for the test
// process by package pgserver. Call Main from TestMain so that server is
// stopped when the tests end:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// Without a server tests are skipped, unless TEST_REQUIRE_DB=1 makes that a
// failure. NewCitus gives a database on a Citus cluster instead, distributed
// as production would lay it out (db.Distribute).
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Settings of each test database's pool.
const (
	poolMaxConns       = 8
	poolConnectTimeout = 10 * time.Second
	setupTimeout       = time.Minute // to create a database, and to drop it
)

// DB is a database that belongs to one test and is dropped when it ends.
type DB struct {
	URL  string        // postgres:// URL of the database, as the admin role
	Pool *pgxpool.Pool // closed when the test ends
	Name string
}

// New returns a new database holding the schema of every migration and no rows.
func New(t testing.TB) *DB {
	t.Helper()
	s := shared(t)
	tmpl, err := s.template()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return s.newDB(t, tmpl)
}

// NewEmpty returns a new database without any migration applied, for tests of
// the migrations themselves.
func NewEmpty(t testing.TB) *DB {
	t.Helper()
	return shared(t).newDB(t, "template0")
}

// newDB copies database template to a new database dropped at the end of t.
func (s *server) newDB(t testing.TB, template string) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	name := "test_" + randomHex(8)
	if _, err := s.admin.Exec(ctx, s.createDatabaseSQL(name, template)); err != nil {
		t.Fatalf("testdb: create database %s from template %s: %v", name, template, err)
	}
	t.Cleanup(func() { // runs after the pool is closed by the next Cleanup
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})

	dbURL := withDatabase(s.adminURL, name)
	return &DB{URL: dbURL, Pool: openPool(t, ctx, dbURL, name), Name: name}
}

// openPool opens the pool of a test's database, closed when the test ends.
func openPool(t testing.TB, ctx context.Context, dbURL, name string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatalf("testdb: configure pool for %s: %v", name, err)
	}
	cfg.MaxConns = poolMaxConns
	cfg.ConnConfig.ConnectTimeout = poolConnectTimeout
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("testdb: open pool for %s: %v", name, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// createDatabaseSQL is the statement that copies template to name.
func (s *server) createDatabaseSQL(name, template string) string {
	return "CREATE DATABASE " + quote(name) + " TEMPLATE " + quote(template) + s.strategy
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
