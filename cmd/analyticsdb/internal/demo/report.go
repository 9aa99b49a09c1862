package demo

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/pgurl"
)

const maxRows = 40

// report prints the summary, then the daily statistics tables the database
// computed.
func report(ctx context.Context, pool *pgxpool.Pool, w io.Writer) error {
	sum, err := summarize(ctx, pool)
	if err != nil {
		return err
	}
	printSummary(w, sum)
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

// Summary is the whole period at a glance: one line per assistant, then one
// for all of them.
type Summary struct {
	From, To string // the first and last day with sessions
	Lines    []SummaryLine
}

// SummaryLine is one assistant's period, or all assistants' (Assistant "").
type SummaryLine struct {
	Assistant                      string
	Sessions, Automated, Escalated int64
	// CSAT: sessions that rated satisfied, and all that rated.
	Satisfied, Rated int64
	P95LatencyMs     *float64 // nil without answered messages
	TopFlows         []FlowSessions
}

// FlowSessions is a business flow and the sessions that started it.
type FlowSessions struct {
	Flow     string
	Sessions int64
}

// topFlows is how many business flows (patterns aside) a summary line names.
const topFlows = 3

// summarize reads the summary from the views BI tools use: "DailyOverview"
// summed over every day, the 95th percentile over every sample of
// "LatencySamples" (percentiles of days cannot be combined), and "TopFlows".
func summarize(ctx context.Context, pool *pgxpool.Pool) (Summary, error) {
	var sum Summary
	rows, err := pool.Query(ctx, `
		WITH overview AS (
		  SELECT "assistantName", min("date") AS "from", max("date") AS "to", sum("totalSessions")::bigint AS sessions,
		         sum("automatedCount")::bigint AS automated, sum("escalatedCount")::bigint AS escalated,
		         sum("csatSatisfied")::bigint AS satisfied, sum("csatSatisfied" + "csatUnsatisfied")::bigint AS rated
		  FROM "DailyOverview" GROUP BY ROLLUP ("assistantName")
		), latency AS (
		  SELECT "assistantName", percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95
		  FROM "LatencySamples" GROUP BY ROLLUP ("assistantName")
		), flows AS (
		  SELECT "assistantName", (array_agg("flowName" ORDER BY "totalSessions" DESC, "flowName"))[:$1] AS names,
		         (array_agg("totalSessions"::bigint ORDER BY "totalSessions" DESC, "flowName"))[:$1] AS sessions
		  FROM "TopFlows" WHERE NOT "isPattern" GROUP BY "assistantName"
		)
		SELECT coalesce(o."assistantName", ''), o."from"::text, o."to"::text, o.sessions, o.automated, o.escalated,
		       o.satisfied, o.rated, l.p95, coalesce(f.names, '{}'), coalesce(f.sessions, '{}')
		FROM overview AS o
		LEFT JOIN latency AS l ON l."assistantName" IS NOT DISTINCT FROM o."assistantName"
		LEFT JOIN flows AS f ON f."assistantName" = o."assistantName"
		ORDER BY o."assistantName" IS NULL, o."assistantName"`, topFlows)
	if err != nil {
		return sum, err
	}
	defer rows.Close()
	for rows.Next() {
		var l SummaryLine
		var from, to string
		var names []string
		var sessions []int64
		if err := rows.Scan(&l.Assistant, &from, &to, &l.Sessions, &l.Automated, &l.Escalated, &l.Satisfied, &l.Rated,
			&l.P95LatencyMs, &names, &sessions); err != nil {
			return sum, err
		}
		for i := range names {
			l.TopFlows = append(l.TopFlows, FlowSessions{names[i], sessions[i]})
		}
		if l.Assistant == "" {
			sum.From, sum.To = from, to
		}
		sum.Lines = append(sum.Lines, l)
	}
	return sum, rows.Err()
}

// printSummary writes the summary as a small table: rates in percent of the
// sessions, CSAT as the satisfied share of the sessions that rated.
func printSummary(w io.Writer, sum Summary) {
	if len(sum.Lines) == 0 {
		fmt.Fprintln(w, "\nSummary: no sessions")
		return
	}
	fmt.Fprintf(w, "\nSummary, %s to %s\n", sum.From, sum.To)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSISTANT\tSESSIONS\tAUTOMATED\tESCALATED\tP95 LATENCY\tCSAT\tTOP FLOWS (SESSIONS)")
	for _, l := range sum.Lines {
		name := cmp.Or(l.Assistant, "all")
		p95 := "-"
		if l.P95LatencyMs != nil {
			p95 = fmt.Sprintf("%.0f ms", *l.P95LatencyMs)
		}
		csat := "-"
		if l.Rated > 0 {
			csat = fmt.Sprintf("%s of %d rated", percent(l.Satisfied, l.Rated), l.Rated)
		}
		flows := make([]string, len(l.TopFlows))
		for i, f := range l.TopFlows {
			flows[i] = fmt.Sprintf("%s %d", f.Flow, f.Sessions)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", name, l.Sessions, percent(l.Automated, l.Sessions),
			percent(l.Escalated, l.Sessions), p95, csat, cmp.Or(strings.Join(flows, ", "), "-"))
	}
	tw.Flush()
}

func percent(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
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
