// Package db embeds the dbmate migrations under db/migrations so the binary can
// apply exactly the files a DBA runs with `dbmate --env-file dbmate.env up`,
// and lays a migrated database out on Citus (Distribute, db/citus).
package db

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/url"

	"github.com/amacneil/dbmate/v2/pkg/dbmate"
	_ "github.com/amacneil/dbmate/v2/pkg/driver/postgres" // registers postgres:// URLs
	"github.com/openrasa/analyticsdb/internal/pgurl"
)

// Migrations holds every dbmate migration file, in the directory "migrations".
//
//go:embed migrations/*.sql
var Migrations embed.FS

// newDBMate configures dbmate to read the embedded files and never write schema.sql:
// the dump is a developer artefact, refreshed with `dbmate dump` (see README).
func newDBMate(databaseURL string, log io.Writer) (*dbmate.DB, error) {
	if err := pgurl.CheckLibPQEnv(); err != nil {
		return nil, err
	}
	u, err := url.Parse(pgurl.ForLibPQ(databaseURL))
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", pgurl.RedactError(err, databaseURL)) // url.Error repeats the whole string
	}
	m := dbmate.New(u)
	m.FS = Migrations
	m.MigrationsDir = []string{"migrations"}
	m.AutoDumpSchema = false
	m.Log = log
	return m, nil
}

// Migrate applies every pending migration.
func Migrate(_ context.Context, databaseURL string, log io.Writer) error {
	m, err := newDBMate(databaseURL, log)
	if err != nil {
		return err
	}
	if err := m.Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Rollback undoes the most recently applied migration.
func Rollback(_ context.Context, databaseURL string, log io.Writer) error {
	m, err := newDBMate(databaseURL, log)
	if err != nil {
		return err
	}
	if err := m.Rollback(); err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// DumpSchema returns what dbmate writes to db/schema.sql for the database:
// pg_dump --schema-only plus the applied migration versions.
func DumpSchema(_ context.Context, databaseURL string) ([]byte, error) {
	m, err := newDBMate(databaseURL, io.Discard)
	if err != nil {
		return nil, err
	}
	drv, err := m.Driver()
	if err != nil {
		return nil, err
	}
	sqlDB, err := drv.Open()
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	schema, err := drv.DumpSchema(sqlDB)
	if err != nil {
		return nil, err
	}
	return withoutRestrictKeys(schema), nil
}

// withoutRestrictKeys drops the \restrict and \unrestrict lines pg_dump
// writes since its August 2025 releases: they carry a random key, which would
// make every dump differ from the last.
func withoutRestrictKeys(schema []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(schema, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("\\restrict ")) || bytes.HasPrefix(line, []byte("\\unrestrict ")) {
			continue
		}
		out = append(out, line...)
	}
	return bytes.TrimLeft(out, "\n")
}

// Pending lists the migration files not yet applied, oldest first.
func Pending(_ context.Context, databaseURL string) ([]string, error) {
	m, err := newDBMate(databaseURL, io.Discard)
	if err != nil {
		return nil, err
	}
	all, err := m.FindMigrations()
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, mig := range all {
		if !mig.Applied {
			pending = append(pending, mig.FileName)
		}
	}
	return pending, nil
}
