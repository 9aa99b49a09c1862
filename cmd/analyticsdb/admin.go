package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/openrasa/analyticsdb/internal/recompute"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

// withPool runs fn with a connection pool to the configured database.
func withPool(c *cli.Context, fn func(ctx context.Context, pool *pgxpool.Pool) error) error {
	url, err := requireDatabaseURL(c)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(c.Context, url)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", pgurl.Redact(url), pgurl.RedactError(err, url))
	}
	defer pool.Close()
	return pgurl.RedactError(fn(c.Context, pool), url)
}

func refreshCommand() *cli.Command {
	return &cli.Command{
		Name:  "refresh",
		Usage: "recompute the dirty statistics groups now (loaders do this every second)",
		Flags: withFlags(databaseFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
				var work int
				if err := pool.QueryRow(ctx, `SELECT analytics.refresh_statistics(true)`).Scan(&work); err != nil {
					return err
				}
				fmt.Printf("refreshed: %d conversations rebuilt and groups recomputed\n", work)
				return nil
			})
		},
	}
}

func recomputeCommand() *cli.Command {
	return &cli.Command{
		Name: "recompute",
		Usage: "rebuild conversations and daily statistics from ConversationEvent (all days, or --from/--to), " +
			"in chunks so that loaders keep committing meanwhile",
		Flags: withFlags(databaseFlags(), logFlags(), []cli.Flag{
			&cli.TimestampFlag{Name: "from", EnvVars: []string{"RECOMPUTE_FROM"}, Layout: time.DateOnly, Usage: "first day (YYYY-MM-DD)"},
			&cli.TimestampFlag{Name: "to", EnvVars: []string{"RECOMPUTE_TO"}, Layout: time.DateOnly, Usage: "last day (YYYY-MM-DD)"},
			&cli.IntFlag{Name: "chunk", EnvVars: []string{"RECOMPUTE_CHUNK"}, Value: 1000, Usage: "most conversations rebuilt per transaction"},
			&cli.DurationFlag{Name: "chunk-time", EnvVars: []string{"RECOMPUTE_CHUNK_TIME"}, Value: recompute.DefaultChunkTime,
				Usage: "size each transaction to take about this long, since it holds off the loaders' inserts (0: always --chunk)"},
		}),
		Action: func(c *cli.Context) error {
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
				start := time.Now()
				from, to := c.Timestamp("from"), c.Timestamp("to")
				// Days whose sessions lost events to retention are refused, or
				// skipped when no --from was given (analytics.recompute_from).
				var first *time.Time
				if err := pool.QueryRow(ctx, `SELECT analytics.recompute_from($1::date, $2::date)`, from, to).Scan(&first); err != nil {
					return withHint(err)
				}
				if from == nil && first != nil {
					fmt.Printf("recomputing from %s on: retention dropped the events of earlier sessions, whose conversations and statistics stay as they are\n",
						first.Format(time.DateOnly))
				}
				from = first
				chunks, err := recompute.Conversations(ctx, pool, from, to, recompute.Chunks{Max: c.Int("chunk"), Target: c.Duration("chunk-time")})
				if err != nil {
					return err
				}
				var work int
				if err := pool.QueryRow(ctx, `SELECT analytics.recompute_statistics($1::date, $2::date)`, from, to).Scan(&work); err != nil {
					return err
				}
				fmt.Printf("recomputed: %d chunks of conversations rebuilt, then %d statistics groups, in %s\n",
					chunks, work, time.Since(start).Round(time.Millisecond))
				return nil
			})
		},
	}
}

// withHint adds a PostgreSQL error's hint to its message.
func withHint(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Hint != "" {
		return fmt.Errorf("%w\n%s", err, pgErr.Hint)
	}
	return err
}

func reviewCommand() *cli.Command {
	return &cli.Command{
		Name:      "review",
		Usage:     "set a conversation's review state (UNREVIEWED, PARTIALLY_REVIEWED or REVIEWED)",
		ArgsUsage: "CONVERSATION_ID STATE",
		Flags:     withFlags(databaseFlags(), logFlags()),
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usagef(c, "needs CONVERSATION_ID and STATE")
			}
			var id pgtype.UUID
			if err := id.Scan(c.Args().Get(0)); err != nil {
				return usagef(c, "CONVERSATION_ID %q is not a uuid", c.Args().Get(0))
			}
			if states := []string{"UNREVIEWED", "PARTIALLY_REVIEWED", "REVIEWED"}; !slices.Contains(states, c.Args().Get(1)) {
				return usagef(c, "STATE %q: want one of %s", c.Args().Get(1), strings.Join(states, ", "))
			}
			return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
				var found bool
				if err := pool.QueryRow(ctx, `SELECT analytics.review_conversation($1::uuid, $2::"ReviewState")`,
					c.Args().Get(0), c.Args().Get(1)).Scan(&found); err != nil {
					return err
				}
				if !found {
					return cli.Exit("no conversation "+c.Args().Get(0), 1)
				}
				return nil
			})
		},
	}
}

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "stored offsets and lag per partition, rejected messages, last refresh, table sizes",
		Flags: withFlags(databaseFlags(), kafkaFlags(), logFlags()),
		Action: loaderAction(quietLogger, nil, func(c *cli.Context, l *loader.Loader, _ *slog.Logger) error {
			st, err := l.Status(c.Context)
			if err != nil {
				return err
			}
			lagNote := ""
			switch {
			case c.String("kafka-brokers") == "":
				lagNote = "lag unknown: set KAFKA_BROKERS to see it"
			case st.LagError != nil:
				lagNote = "lag unknown: " + st.LagError.Error()
			}
			return printStatus(os.Stdout, st, lagNote)
		}),
	}
}

// printStatus writes the status report to w. It is built whole, then
// redacted: group names and the Kafka error are not ours to trust.
func printStatus(w io.Writer, st loader.Status, lagNote string) error {
	out := &strings.Builder{}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tPARTITION\tSTORED NEXT OFFSET\tEND OFFSET\tLAG\tGROUP\tUPDATED")
	for _, p := range st.Partitions {
		end, lag := "?", "?"
		if p.EndOffset >= 0 {
			end, lag = fmt.Sprint(p.EndOffset), fmt.Sprint(p.Lag)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", p.Topic, p.Partition, p.NextOffset, end, lag, p.ConsumerGroup, p.UpdatedAt.Format(time.RFC3339))
	}
	tw.Flush()
	if len(st.Partitions) == 0 {
		fmt.Fprintln(out, "no Kafka offsets stored yet")
	}
	if lagNote != "" {
		fmt.Fprintln(out, lagNote)
	}
	fmt.Fprintln(out)
	if len(st.Rejected) == 0 {
		fmt.Fprintln(out, "rejected messages waiting: none")
	} else {
		reasons := make([]string, 0, len(st.Rejected))
		for r := range st.Rejected {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		fmt.Fprintln(out, "rejected messages waiting (table RejectedEvent; `analyticsdb replay-rejected` after a fix):")
		for _, r := range reasons {
			fmt.Fprintf(out, "  %-16s %d\n", r, st.Rejected[r])
		}
	}
	if st.LastRefreshAt != nil {
		fmt.Fprintf(out, "last statistics refresh: %s (%s ago); groups waiting: %d\n",
			st.LastRefreshAt.Format(time.RFC3339), time.Since(*st.LastRefreshAt).Round(time.Second), st.DirtyGroups)
	} else {
		fmt.Fprintln(out, "statistics never refreshed yet")
	}
	if len(st.Quarantined) > 0 {
		fmt.Fprintln(out, "statistics groups quarantined (not refreshed; SELECT analytics.release_quarantined_group(key) after a fix):")
		for _, q := range st.Quarantined {
			fmt.Fprintf(out, "  %s %s %s since %s: %s %s\n", q.Key, q.Kind, q.Group, q.At.Format(time.RFC3339), q.SQLState, q.Error)
		}
	}
	names := make([]string, 0, len(st.Rows))
	for n := range st.Rows {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprint(out, "rows (estimates):")
	for _, n := range names {
		fmt.Fprintf(out, " %s %d;", n, st.Rows[n])
	}
	fmt.Fprintln(out)
	_, err := io.WriteString(w, pgurl.Redact(out.String()))
	return err
}
