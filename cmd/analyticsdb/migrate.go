package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/urfave/cli/v2"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name: "migrate",
		Usage: "apply pending migrations (the same files `dbmate --env-file dbmate.env up` applies), " +
			"then grant the roles of grant-readonly and grant-loader what this version grants them",
		Flags: withFlags(databaseFlags(), logFlags(), []cli.Flag{
			&cli.BoolFlag{
				Name:    "citus",
				Usage:   "then lay the schema out on the Citus cluster of this coordinator (docs/scaling.md); run it after every migrate",
				EnvVars: []string{"CITUS"},
			},
		}),
		Action: func(c *cli.Context) error {
			url, err := requireMigrationURL(c)
			if err != nil {
				return err
			}
			if err := db.Migrate(c.Context, url, os.Stdout); err != nil {
				return err
			}
			if c.Bool("citus") {
				if err := db.Distribute(c.Context, url, os.Stdout); err != nil {
					return pgurl.RedactError(err, url)
				}
			}
			// A table or view a migration added, or a function it re-created,
			// is granted to the roles that need it (docs/operations.md, "Roles").
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
				if err := ensureEventPartitions(ctx, pool); err != nil {
					return err
				}
				var roles int
				if err := pool.QueryRow(ctx, `SELECT analytics.refresh_role_grants()`).Scan(&roles); err != nil {
					return fmt.Errorf("grant the roles of grant-readonly and grant-loader: %w", err)
				}
				if roles > 0 {
					fmt.Printf("granted %d roles of grant-readonly and grant-loader what this version grants them\n", roles)
				}
				// The migrations revoke it when they run as the database's owner.
				var temp bool
				var database string
				if err := pool.QueryRow(ctx, `SELECT has_database_privilege('public', current_database(), 'TEMPORARY'),
					quote_ident(current_database())`).Scan(&temp, &database); err != nil {
					return err
				}
				if temp {
					fmt.Printf("warning: every role may create temporary tables in this database; only its owner may revoke that: "+
						"REVOKE TEMPORARY ON DATABASE %s FROM PUBLIC\n", database)
				}
				return warnSuperuserOwner(ctx, pool)
			})
		},
	}
}

// ensureEventPartitions makes the leaves of ConversationEvent that ingestion
// needs next (analytics.ensure_event_partitions), as the loaders' maintenance
// does: a database migrated with dbmate gets them when a loader starts.
func ensureEventPartitions(ctx context.Context, pool *pgxpool.Pool) error {
	var created int
	if err := pool.QueryRow(ctx, `SELECT analytics.ensure_event_partitions()`).Scan(&created); err != nil {
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
