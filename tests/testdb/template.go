package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/jackc/pgx/v5"

	"github.com/openrasa/analyticsdb/db"
)

const (
	templatePrefix = "analyticsdb_tmpl_"
	// templateLockKey is the advisory lock that serialises template creation
	// between test processes sharing a server. Its bytes spell "tmpl" "adb!".
	templateLockKey int64 = 0x746d706c_61646221
)

// template returns the name of the migrated template database, creating it
// on first use.
func (s *server) template() (string, error) {
	s.templateOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		s.templateName, s.templateErr = s.ensureTemplate(ctx)
	})
	return s.templateName, s.templateErr
}

// templateName names the template after the migration files, so that a
// change to any of them gets a new template.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash embedded migrations: %w", err)
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// ensureTemplate creates and migrates the template unless another process
// already did. A database of that name that is not a template yet is a
// leftover of a failed attempt (kept for inspection until now) and is rebuilt.
func (s *server) ensureTemplate(ctx context.Context) (_ string, err error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	// A session lock on a connection of our own: it must not outlive this
	// function in a pooled connection.
	conn, err := pgx.Connect(ctx, s.adminURL)
	if err != nil {
		return "", fmt.Errorf("template %s: connect to %s: %w", name, redact(s.adminURL), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", fmt.Errorf("template %s: take advisory lock: %w", name, err)
	}
	defer func() {
		_, unlockErr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockKey)
		if unlockErr != nil {
			err = errors.Join(err, fmt.Errorf("template %s: release advisory lock: %w", name, unlockErr))
		}
	}()

	var isTemplate bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate:
		return name, nil
	case err == nil:
		if _, err := conn.Exec(ctx, "DROP DATABASE "+quote(name)+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("template %s: drop unfinished copy: %w", name, err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("template %s: look it up: %w", name, err)
	}

	if _, err := conn.Exec(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE template0"); err != nil {
		return "", fmt.Errorf("template %s: create: %w", name, err)
	}
	if err := db.Migrate(ctx, withDatabase(s.adminURL, name), io.Discard); err != nil {
		return "", fmt.Errorf("template %s: apply migrations of db/migrations: %w", name, err)
	}
	// CREATE DATABASE ... TEMPLATE fails while anyone is connected to the
	// template: refuse new connections and end any the migration left behind.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+quote(name)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return "", fmt.Errorf("template %s: mark as template: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		return "", fmt.Errorf("template %s: disconnect sessions: %w", name, err)
	}
	return name, nil
}
