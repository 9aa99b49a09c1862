package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/sqlobject"
	"github.com/urfave/cli/v2"
)

func sqlCommand() *cli.Command {
	root := &cli.StringFlag{Name: "root", Value: ".", Usage: "repository root holding functions/, views/, triggers/ and db/migrations/"}
	return &cli.Command{
		Name:  "sql",
		Usage: "keep db/migrations in step with the SQL object files (for developers and DBAs)",
		Subcommands: []*cli.Command{{
			Name:  "generate",
			Usage: "write a new migration for every function, view or trigger file that changed",
			Flags: []cli.Flag{root, &cli.StringFlag{Name: "name", Value: "sql_objects", Usage: "migration name suffix"}},
			Action: func(c *cli.Context) error {
				dir := c.String("root")
				changes, err := sqlobject.Plan(dir, os.DirFS(filepath.Join(dir, "db", "migrations")))
				if err != nil {
					return err
				}
				if len(changes) == 0 {
					fmt.Println("no changes: db/migrations already deploy every SQL object file")
					return nil
				}
				text, err := sqlobject.Migration(changes)
				if err != nil {
					return err
				}
				path := filepath.Join(dir, "db", "migrations", sqlobject.FileName(time.Now(), c.String("name")))
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					return err
				}
				for _, ch := range changes {
					fmt.Println("  ", ch.Path)
				}
				fmt.Println("wrote", path)
				return nil
			},
		}, {
			Name:  "dump-schema",
			Usage: "write db/schema.sql from a migrated database, as `dbmate dump` does",
			Flags: withFlags(databaseFlags(), []cli.Flag{root}),
			Action: func(c *cli.Context) error {
				url, err := requireMigrationURL(c)
				if err != nil {
					return err
				}
				schema, err := db.DumpSchema(c.Context, url)
				if err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(c.String("root"), "db", "schema.sql"), schema, 0o644)
			},
		}, {
			Name:  "check",
			Usage: "fail when a function, view or trigger file differs from what db/migrations deploy",
			Flags: []cli.Flag{root},
			Action: func(c *cli.Context) error {
				dir := c.String("root")
				changes, err := sqlobject.Plan(dir, os.DirFS(filepath.Join(dir, "db", "migrations")))
				if err != nil {
					return err
				}
				for _, ch := range changes {
					fmt.Println("changed:", ch.Path)
				}
				if len(changes) > 0 {
					return cli.Exit("SQL object files changed: run `analyticsdb sql generate`", 1)
				}
				return nil
			},
		}},
	}
}
