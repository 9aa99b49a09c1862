package main

import (
	"os"

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
			return db.Migrate(c.Context, url, os.Stdout)
		},
	}
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
