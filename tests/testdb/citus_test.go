package testdb_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

func connectTo(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// shardRows counts the rows of table's shards on one node (tables named
// table_<shard id>), and how many shards it holds.
func shardRows(t *testing.T, conn *pgx.Conn, table string) (rows, shards int) {
	t.Helper()
	// Citus hides shards from the catalog unless told to show them.
	if _, err := conn.Exec(t.Context(), "SET citus.show_shards_for_app_name_prefixes = '*'"); err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(mustQuery(t, conn,
		`SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relname ~ ('^' || $1 || '_[0-9]+$')`, table), pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var n int
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows += n
	}
	return rows, len(names)
}

func mustQuery(t *testing.T, conn *pgx.Conn, sql string, args ...any) pgx.Rows {
	t.Helper()
	rows, err := conn.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

// A table distributed from the coordinator of the shared cluster keeps its
// rows in shards on both workers, as many shards as SetShardCount asked
// for, and none on the coordinator.
func TestCitusTableSpreadsOverBothWorkers(t *testing.T) {
	t.Parallel()
	c := testdb.Citus(t)
	const name, total, shardCount = "test_citus_spread", 1000, 6
	if err := c.CreateDatabase(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.DropDatabase(context.Background(), name); err != nil {
			t.Error(err)
		}
	})
	if err := c.SetShardCount(t.Context(), name, shardCount); err != nil {
		t.Fatal(err)
	}
	coord := connectTo(t, c.DatabaseURL(name))
	for _, sql := range []string{
		"CREATE TABLE item (id int PRIMARY KEY, v text)",
		"SELECT create_distributed_table('item', 'id')",
		"INSERT INTO item SELECT i, 'v' || i FROM generate_series(1, 1000) i",
	} {
		if _, err := coord.Exec(t.Context(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var n int
	if err := coord.QueryRow(t.Context(), "SELECT count(*) FROM item").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != total {
		t.Errorf("coordinator counts %d rows, want %d", n, total)
	}
	if rows, shards := shardRows(t, coord, "item"); rows != 0 || shards != 0 {
		t.Errorf("coordinator holds %d shards with %d rows, want none", shards, rows)
	}
	sum, sumShards := 0, 0
	for i, w := range c.Workers {
		rows, shards := shardRows(t, connectTo(t, w.DatabaseURL(name)), "item")
		t.Logf("worker %d: %d shards, %d rows", i+1, shards, rows)
		if rows == 0 {
			t.Errorf("worker %d holds %d shards and no rows", i+1, shards)
		}
		sum, sumShards = sum+rows, sumShards+shards
	}
	if sum != total || sumShards != shardCount {
		t.Errorf("the workers hold %d rows in %d shards together, want %d in %d", sum, sumShards, total, shardCount)
	}
}

// NewCitus's database exists on every node with Citus in it and the workers
// registered, and is dropped everywhere when its test ends.
func TestNewCitusDatabaseOnEveryNode(t *testing.T) {
	t.Parallel()
	var name string
	var cluster *pgserver.CitusCluster
	t.Run("user", func(t *testing.T) {
		db := testdb.NewCitus(t)
		name, cluster = db.Name, testdb.Citus(t)
		var workers int
		if err := db.Pool.QueryRow(t.Context(), "SELECT count(*) FROM pg_dist_node WHERE groupid > 0 AND isactive").Scan(&workers); err != nil {
			t.Fatal(err)
		}
		if workers != len(cluster.Workers) {
			t.Errorf("pg_dist_node lists %d active workers, want %d", workers, len(cluster.Workers))
		}
		for i, s := range cluster.Nodes() {
			var version string
			err := connectTo(t, s.DatabaseURL(name)).QueryRow(t.Context(), "SELECT extversion FROM pg_extension WHERE extname = 'citus'").Scan(&version)
			if err != nil {
				t.Errorf("node %d: citus extension: %v", i, err)
			}
		}
	})
	if cluster == nil {
		t.Skip("no database was made") // the subtest said why
	}
	for i, s := range cluster.Nodes() {
		var exists bool
		if err := connectTo(t, s.URL()).QueryRow(t.Context(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("node %d still has database %s after its test ended", i, name)
		}
	}
}
