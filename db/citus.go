package db

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/openrasa/analyticsdb/internal/sqlobject"
)

// Citus holds what db.Distribute applies, in this order: the Citus-only
// functions (citus/functions.sql), the patches that turn single-node SQL
// objects into their Citus variants (citus/patches/<object path>), the
// layout (citus/layout.sql, once), the mirrors and the workers' queue tables
// (citus/mirrors.sql) and the functions' propagation to the workers
// (citus/propagate.sql).
//
//go:embed citus
var Citus embed.FS

// CitusObjects returns the Citus text of every SQL object that differs on
// Citus, keyed by object path, from the objects the embedded migrations
// deploy.
func CitusObjects() (map[string]string, error) {
	migrations, err := fs.Sub(Migrations, "migrations")
	if err != nil {
		return nil, err
	}
	deployed, err := sqlobject.Deployed(migrations)
	if err != nil {
		return nil, err
	}
	return citusObjects(Citus, "citus/patches", deployed)
}

// HasCitus reports whether the database q is connected to has the citus
// extension (q: a connection, pool or transaction).
func HasCitus(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (bool, error) {
	var citus bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&citus)
	return citus, err
}

// Distribute lays a migrated database out on a Citus cluster
// (docs/scaling.md): it replaces the SQL objects that differ on Citus with
// their variants, distributes the tables (citus/layout.sql), and re-makes the
// mirrors and queue tables the workers need (see Citus). The
// database must have the citus extension, and its workers registered. It is
// idempotent: `analyticsdb migrate --citus` runs it after every migrate,
// since a migration may replace an object that has a Citus variant.
func Distribute(ctx context.Context, databaseURL string, log io.Writer) error {
	objects, err := CitusObjects()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", pgurl.Redact(databaseURL), pgurl.RedactError(err, databaseURL))
	}
	defer conn.Close(context.Background())

	citus, err := HasCitus(ctx, conn)
	if err != nil {
		return err
	}
	if !citus {
		return fmt.Errorf("the database has no citus extension: CREATE EXTENSION citus, register the workers (citus_add_node), then migrate --citus (docs/scaling.md)")
	}
	// Triggers on distributed tables fire on the shards (docs/scaling.md).
	if _, err := conn.Exec(ctx, `SET citus.enable_unsafe_triggers = on`); err != nil {
		return err
	}
	execFile := func(file string) error {
		text, err := Citus.ReadFile("citus/" + file)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, string(text)); err != nil {
			return fmt.Errorf("db/citus/%s: %w", file, err)
		}
		return nil
	}
	if err := execFile("functions.sql"); err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(objects)) {
		if _, err := conn.Exec(ctx, objects[p]); err != nil {
			return fmt.Errorf("citus variant of %s: %w", p, err)
		}
	}
	for _, file := range []string{"layout.sql", "mirrors.sql", "propagate.sql"} {
		if err := execFile(file); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "citus: %d objects replaced by their variants, tables distributed\n", len(objects))
	return nil
}
