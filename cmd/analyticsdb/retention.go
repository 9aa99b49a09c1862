package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/urfave/cli/v2"
)

func retentionCommand() *cli.Command {
	return &cli.Command{
		Name: "retention",
		Usage: "drop the raw events (the partitions of ConversationEvent) older than --keep-events; " +
			"conversations and daily statistics stay as they are (docs/operations.md, \"Retention\")",
		Flags: withFlags(databaseFlags(), logFlags(), []cli.Flag{
			&cli.StringFlag{Name: "keep-events", EnvVars: []string{"KEEP_EVENTS"}, Required: true,
				Usage: "how long raw events are kept, a PostgreSQL interval of at least a day: 90d, 12w, 6mon"},
			&cli.BoolFlag{Name: "save", EnvVars: []string{"KEEP_EVENTS_SAVE"},
				Usage: "also store it as the setting the loaders' partition maintenance applies from now on"},
		}),
		Action: func(c *cli.Context) error {
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
				return retention(ctx, pool, c.String("keep-events"), c.Bool("save"))
			})
		},
	}
}

// retention drops, in one transaction, the leaves of ConversationEvent
// older than keep (analytics.drop_event_partitions), and prints them.
func retention(ctx context.Context, pool *pgxpool.Pool, keep string, save bool) error {
	type dropped struct {
		Partition string
		From, To  time.Time
		Events    int64
	}
	var gone []dropped
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Each DROP takes an ACCESS EXCLUSIVE lock on ConversationEvent: do not
		// queue loaders and readers behind it for long.
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
			return err
		}
		if save {
			if _, err := tx.Exec(ctx, `UPDATE analytics."EventPartitionSettings" SET "keepEvents" = $1::interval, "updatedAt" = now()`, keep); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT "partition", "from", "to", "events" FROM analytics.drop_event_partitions(now() - $1::interval)`, keep)
		if err != nil {
			return err
		}
		gone, err = pgx.CollectRows(rows, pgx.RowToStructByPos[dropped])
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return cli.Exit("retention: ConversationEvent stayed locked for 10 s (a long query?); nothing was dropped, try again", 1)
	}
	if err != nil {
		return err
	}
	var events int64
	for _, d := range gone {
		fmt.Printf("dropped %s: %s to %s, %d events\n", d.Partition, d.From.UTC().Format(time.DateOnly), d.To.UTC().Format(time.DateOnly), d.Events)
		events += d.Events
	}
	fmt.Printf("dropped %d partitions, %d events older than %s; conversations and daily statistics are unchanged\n", len(gone), events, keep)
	if save {
		fmt.Printf("saved: the loaders' partition maintenance keeps %s of events from now on\n", keep)
	}
	return nil
}
