package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/db"
	"github.com/urfave/cli/v2"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name: "migrate",
		Usage: "apply pending migrations (the same files `dbmate --env-file dbmate.env up` applies), " +
			"then grant the roles of grant-readonly and grant-loader what this version grants them",
		Flags: withFlags(databaseFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			url, err := requireDatabaseURL(c)
			if err != nil {
				return err
			}
			if err := db.Migrate(c.Context, url, os.Stdout); err != nil {
				return err
			}
			// A table or view a migration added, or a function it re-created,
			// is granted to the roles that need it (docs/operations.md, "Roles").
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
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

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "undo the most recent migration",
		Flags: withFlags(databaseFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			url, err := requireDatabaseURL(c)
			if err != nil {
				return err
			}
			return db.Rollback(c.Context, url, os.Stdout)
		},
	}
}
