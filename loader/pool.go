package loader

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/pgurl"
)

// defaultAssistantSetting is the session setting the triggers read for
// sessions whose events carry no metadata.assistant_id.
const defaultAssistantSetting = "analytics.default_assistant_name"

// connections is how many connections a loader with the given number of
// writers uses: one per writer, one for the statistics refresh, one for
// reading offsets at assignment.
func connections(writers int) int32 { return int32(writers + 2) }

// openPool connects to PostgreSQL the way the loader needs: the enum type
// registered for binary COPY and the default assistant name set on every
// connection. With cfg.WaitAtStart a database that does not answer (or is
// not migrated yet) is waited for. Errors never contain the password.
func openPool(ctx context.Context, c Config, maxConns int32) (*pgxpool.Pool, error) {
	databaseURL, defaultAssistant := c.DatabaseURL, c.AssistantName
	if err := pgurl.Check(databaseURL); err != nil {
		return nil, err // pgx would misread the password, and print part of it
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL %s: %w", pgurl.Redact(databaseURL), pgurl.RedactError(err, databaseURL))
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.RuntimeParams[defaultAssistantSetting] = defaultAssistant
	// A batch's transition table (the COPYed rows, for the insert trigger)
	// then stays in memory instead of spilling to a temporary file.
	cfg.ConnConfig.RuntimeParams["work_mem"] = "64MB"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "analyticsdb"
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		t, err := conn.LoadType(ctx, `"ConversationEventType"`)
		if err != nil {
			return fmt.Errorf("load type ConversationEventType (is the database migrated?): %w", err)
		}
		conn.TypeMap().RegisterType(t)
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", pgurl.Redact(databaseURL), pgurl.RedactError(err, databaseURL))
	}
	ping := func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("connect to %s: %w", pgurl.Redact(databaseURL), pgurl.RedactError(err, databaseURL))
		}
		return nil
	}
	if c.WaitAtStart {
		err = waitFor(ctx, c.Log, "PostgreSQL", c.StartTimeout, ping)
	} else {
		err = ping(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
