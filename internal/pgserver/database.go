package pgserver

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CreateDatabase creates database name on the server at serverURL as a copy
// of database template, or of the server's default template if template is "".
func CreateDatabase(ctx context.Context, serverURL, name, template string) error {
	sql := "CREATE DATABASE " + quoteIdent(name)
	if template != "" {
		sql += " TEMPLATE " + quoteIdent(template)
	}
	if err := execOn(ctx, serverURL, sql); err != nil {
		return fmt.Errorf("create database %s from template %q: %w", quoteIdent(name), template, err)
	}
	return nil
}

// DropDatabase drops database name, if it exists, disconnecting its sessions
// first (PostgreSQL 13 or later).
func DropDatabase(ctx context.Context, serverURL, name string) error {
	if err := execOn(ctx, serverURL, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", quoteIdent(name), err)
	}
	return nil
}

// execOn runs one statement on its own connection, outside any transaction
// as CREATE and DROP DATABASE require.
func execOn(ctx context.Context, serverURL, sql string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// quoteIdent quotes a database name for SQL.
func quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }
