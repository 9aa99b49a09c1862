package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/urfave/cli/v2"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply pending migrations (the same files `dbmate --env-file dbmate.env up` applies)",
		Flags: withFlags(databaseFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			url, err := requireMigrationURL(c)
			if err != nil {
				return err
			}
			if err := db.Migrate(c.Context, url, os.Stdout); err != nil {
				return err
			}
			return ensureEventPartitions(c.Context, url)
		},
	}
}

// ensureEventPartitions makes the leaves of ConversationEvent that ingestion
// needs next (analytics.ensure_event_partitions), as the loaders' maintenance
// does: a database migrated with dbmate gets them when a loader starts.
func ensureEventPartitions(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return pgurl.RedactError(err, url)
	}
	defer conn.Close(ctx)
	var created int
	if err := conn.QueryRow(ctx, `SELECT analytics.ensure_event_partitions()`).Scan(&created); err != nil {
		return fmt.Errorf("create event partitions: %w", err)
	}
	if created > 0 {
		fmt.Printf("created %d partitions of ConversationEvent ahead of time\n", created)
	}
	return nil
}

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "undo the most recent migration",
		Flags: withFlags(databaseFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			url, err := requireMigrationURL(c)
			if err != nil {
				return err
			}
			return db.Rollback(c.Context, url, os.Stdout)
		},
	}
}

// requireMigrationURL is requireDatabaseURL for the commands that go through
// dbmate and lib/pq, which panics on some libpq variables.
func requireMigrationURL(c *cli.Context) (string, error) {
	if err := pgurl.CheckLibPQEnv(); err != nil {
		return "", usagef(c, "%v", err)
	}
	return requireDatabaseURL(c)
}
