package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/urfave/cli/v2"
)

func eraseCommand() *cli.Command {
	return &cli.Command{
		Name: "erase",
		Usage: "erase everything stored of one sender (right to erasure): their conversations and events, " +
			"rejected messages and session state; the statistics then count as if they had never written",
		Flags: withFlags(databaseFlags(), logFlags(), []cli.Flag{
			&cli.StringFlag{Name: "sender", Required: true, Usage: "the sender_id to erase (never logged)"},
		}),
		Action: func(c *cli.Context) error {
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
				var events, conversations, rejected int64
				if err := pool.QueryRow(ctx, `SELECT * FROM analytics.erase_sender($1)`, c.String("sender")).
					Scan(&events, &conversations, &rejected); err != nil {
					return err
				}
				if _, err := pool.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
					return fmt.Errorf("refresh statistics: %w", err)
				}
				// Counts only: nothing of the sender's, not even the id, goes to the output.
				fmt.Printf("erased %d events, %d conversations and %d rejected messages; statistics refreshed\n",
					events, conversations, rejected)
				return nil
			})
		},
	}
}
