package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/pgurl"
)

const maxRows = 40

// report prints the daily statistics tables the database computed.
func report(ctx context.Context, pool *pgxpool.Pool, w io.Writer) error {
	fmt.Fprintln(w, "\nVersionDailyStatistics (one row per day, assistant, channel and model version)")
	if err := table(ctx, pool, w, `
		SELECT "date"::text, "assistantName", "channelName", "version", "totalSessions", "automatedCount",
		       "escalatedCount", coalesce(round("p50LatencyMs")::text, '-'), coalesce(round("p95LatencyMs")::text, '-'),
		       coalesce(round("p99LatencyMs")::text, '-'), "csatSatisfied", "csatUnsatisfied", "csatUnanswered"
		FROM "VersionDailyStatistics" ORDER BY 1, 2, 3, 4`,
		"DATE", "ASSISTANT", "CHANNEL", "VERSION", "SESSIONS", "AUTOMATED", "ESCALATED", "P50 MS", "P95 MS", "P99 MS",
		"CSAT +", "CSAT -", "CSAT ?"); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nFlowDailyStatistics, all days summed, most started flows first")
	return table(ctx, pool, w, `
		SELECT "assistantName", "flowName", sum("totalSessions"), sum("automatedCount"), sum("escalatedCount")
		FROM "FlowDailyStatistics" GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
		"ASSISTANT", "FLOW", "SESSIONS", "AUTOMATED", "ESCALATED")
}

func table(ctx context.Context, pool *pgxpool.Pool, w io.Writer, sql string, header ...string) error {
	rows, err := pool.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	n := 0
	for rows.Next() {
		n++
		if n > maxRows {
			continue
		}
		values, err := rows.Values()
		if err != nil {
			return err
		}
		cells := make([]string, len(values))
		for i, v := range values {
			cells[i] = fmt.Sprint(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n > maxRows {
		fmt.Fprintf(w, "... and %d more rows\n", n-maxRows)
	}
	return nil
}

// connectHelp says how to look at what the demo built.
func connectHelp(w io.Writer, url string, brokers []string, topic string, o Options) {
	fmt.Fprintln(w, "\nConnect a BI tool (Metabase, Grafana, Tableau) with a read-only role:")
	fmt.Fprintf(w, "  DATABASE_URL=%q analyticsdb grant-readonly --role metabase --password <choose one>\n", pgurl.Redact(url))
	fmt.Fprintln(w, "  then use host, port and database of that URL with user metabase; see docs/bi-tools.md.")
	if o.Loader.DatabaseURL == "" && !o.Keep {
		fmt.Fprintln(w, "This database is thrown away now; run `analyticsdb demo --keep` to keep it (and Kafka) running.")
	}
	if len(o.Loader.Kafka.Brokers) == 0 && o.Keep {
		fmt.Fprintf(w, "Point Rasa's Kafka event broker at %s, topic %s, to see your own traffic.\n", strings.Join(brokers, ","), topic)
	}
}
