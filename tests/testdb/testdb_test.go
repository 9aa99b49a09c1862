package testdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openrasa/analyticsdb/tests/testdb"
)

func tableExists(t *testing.T, pool *pgxpool.Pool, table string) bool {
	t.Helper()
	var exists bool
	err := pool.QueryRow(t.Context(), "SELECT to_regclass($1) IS NOT NULL", fmt.Sprintf("%q", table)).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	return exists
}

// Each parallel subtest writes a marker row into its own database and must
// see only that row.
func TestDatabasesAreIsolated(t *testing.T) {
	for _, marker := range []string{"first", "second"} {
		t.Run(marker, func(t *testing.T) {
			t.Parallel()
			db := testdb.New(t)
			if !tableExists(t, db.Pool, "Conversation") {
				t.Fatal(`migrated database has no table "Conversation"`)
			}
			ctx := t.Context()
			if _, err := db.Pool.Exec(ctx, "CREATE TABLE marker (v text)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Pool.Exec(ctx, "INSERT INTO marker VALUES ($1)", marker); err != nil {
				t.Fatal(err)
			}
			var conversations int
			if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM "Conversation"`).Scan(&conversations); err != nil {
				t.Fatal(err)
			}
			if conversations != 0 {
				t.Errorf(`new database has %d rows in "Conversation"`, conversations)
			}
			// Give the other subtest time to write its row.
			time.Sleep(100 * time.Millisecond)
			rows, err := db.Pool.Query(ctx, "SELECT v FROM marker")
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				seen = append(seen, v)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(seen) != 1 || seen[0] != marker {
				t.Errorf("database %s holds markers %v, want only %q", db.Name, seen, marker)
			}
		})
	}
}

func TestNewEmptyIsUnmigrated(t *testing.T) {
	t.Parallel()
	db := testdb.NewEmpty(t)
	if tableExists(t, db.Pool, "Conversation") {
		t.Error(`empty database has a table "Conversation"`)
	}
	var migrationsTable bool
	if err := db.Pool.QueryRow(t.Context(), "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&migrationsTable); err != nil {
		t.Fatal(err)
	}
	if migrationsTable {
		t.Error("empty database has dbmate's schema_migrations table")
	}
}

func TestDatabaseIsDroppedAfterTest(t *testing.T) {
	var name string
	t.Run("user", func(t *testing.T) {
		db := testdb.New(t)
		name = db.Name
		if err := db.Pool.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	admin, err := pgxpool.New(t.Context(), testdb.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRow(t.Context(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

// A restart of the shared server must leave the template usable; this test
// does not call t.Parallel because the restart disconnects everyone.
func TestServerRestart(t *testing.T) {
	db := testdb.New(t)
	srv := testdb.Server(t)
	if _, err := db.Pool.Exec(t.Context(), "CREATE TABLE kept (v int)"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The pool's connections died with the server; pgxpool replaces them.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var err error
	for range 3 {
		if _, err = db.Pool.Exec(ctx, "INSERT INTO kept VALUES (1)"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if again := testdb.New(t); !tableExists(t, again.Pool, "Conversation") {
		t.Error("database created after restart is not migrated")
	}
}

// BenchmarkNew measures creating and dropping one database, the overhead
// testdb adds to a test.
func BenchmarkNew(b *testing.B) {
	testdb.New(b) // start the server and build the template outside the timing
	tb := &iterationTB{TB: b}
	for b.Loop() {
		testdb.New(tb)
		tb.cleanup()
	}
}

func BenchmarkNewParallel(b *testing.B) {
	testdb.New(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		tb := &iterationTB{TB: b}
		for pb.Next() {
			testdb.New(tb)
			tb.cleanup()
		}
	})
}

// iterationTB runs the Cleanup functions of one benchmark iteration when
// told to, instead of at the end of the benchmark.
type iterationTB struct {
	testing.TB
	cleanups []func()
}

func (t *iterationTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *iterationTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}
