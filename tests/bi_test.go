package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/traffic"
)

// biViews are the views of views/ in file order: the BI contract analysts build on.
var biViews = []string{
	"DailyOverview", "DailyAutomationRate", "DailyEscalationRate", "DailyCsat", "DailyLatency",
	"LatencySamples", "DailyFlows", "TopFlows", "DailyByChannel", "DailyByVersion", "Sessions",
}

// loadTraffic writes a generated stream of about events events through the
// real file loader and refreshes the statistics. acme-bank gets success
// criteria first, so the custom success columns hold numbers for it and NULL
// for acme-insurance.
func loadTraffic(t *testing.T, b *bundle, events int) {
	t.Helper()
	b.exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows") VALUES ('acme-bank', '{transfer_money}')`)
	cfg := traffic.DefaultConfig()
	cfg.Events = events
	var buf bytes.Buffer
	if _, err := traffic.WriteJSONL(context.Background(), cfg, &buf); err != nil {
		t.Fatal(err)
	}
	if _, err := b.replay("traffic.jsonl", &buf, 2000); err != nil {
		t.Fatal(err)
	}
	b.refresh()
}

// TestBIViewsOnGeneratedTraffic: every view answers on realistic traffic, and
// its numbers are the base tables' numbers, recomputed here by hand.
func TestBIViewsOnGeneratedTraffic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	loadTraffic(t, b, 20_000)
	ctx := context.Background()

	views := b.strings(`SELECT viewname::text FROM pg_views WHERE schemaname = 'public' ORDER BY 1`)
	want := slices.Sorted(slices.Values(biViews))
	if !slices.Equal(views, want) {
		t.Errorf("views in schema public %v, want %v", views, want)
	}
	granted := b.strings(`SELECT unnest(analytics.readonly_relations())`)
	for _, v := range views {
		if !slices.Contains(granted, v) {
			t.Errorf("view %s is not in analytics.readonly_relations(): BI roles cannot read it", v)
		}
		if n := one[int](b, `SELECT count(*)::int FROM "`+v+`"`); n == 0 {
			t.Errorf("view %s returns no rows", v)
		}
		if c := one[*string](b, `SELECT obj_description($1::regclass, 'pg_class')`, `"`+v+`"`); c == nil {
			t.Errorf("view %s has no COMMENT", v)
		}
	}

	stats := b.versionStats()
	convs := b.conversations()
	// The busiest day of acme-bank, summed by hand from VersionDailyStatistics.
	type sums struct{ total, automated, escalated, sat, unsat, unanswered, custom int }
	byDay := map[string]*sums{}
	for _, r := range stats {
		if r.AssistantName != "acme-bank" {
			continue
		}
		s := byDay[r.Date]
		if s == nil {
			s = &sums{}
			byDay[r.Date] = s
		}
		s.total += r.TotalSessions
		s.automated += r.AutomatedCount
		s.escalated += r.EscalatedCount
		s.sat += r.CsatSatisfied
		s.unsat += r.CsatUnsatisfied
		s.unanswered += r.CsatUnanswered
		if r.CustomSuccessCount == nil {
			t.Fatalf("acme-bank has success criteria, but %s %s %s has no customSuccessCount", r.Date, r.ChannelName, r.Version)
		}
		s.custom += *r.CustomSuccessCount
	}
	day := ""
	for d, s := range byDay {
		if day == "" || s.total > byDay[day].total || (s.total == byDay[day].total && d < day) {
			day = d
		}
	}
	if day == "" {
		t.Fatal("no statistics for acme-bank")
	}
	s := byDay[day]
	if s.escalated == 0 || s.sat+s.unsat == 0 {
		t.Fatalf("%s: %+v has no escalation or no CSAT rating; pick another seed", day, *s)
	}

	t.Run("DailyOverview", func(t *testing.T) {
		var total, automated, escalated, custom int
		var automation, escalation, score, answered, customRate float64
		if err := b.pool.QueryRow(ctx, `
			SELECT "totalSessions", "automatedCount", "escalatedCount", "automationRate", "escalationRate",
			       "csatScore", "csatAnsweredShare", "customSuccessCount", "customSuccessRate"
			FROM "DailyOverview" WHERE "date" = $1 AND "assistantName" = 'acme-bank'`, day).Scan(
			&total, &automated, &escalated, &automation, &escalation, &score, &answered, &custom, &customRate); err != nil {
			t.Fatal(err)
		}
		if total != s.total || automated != s.automated || escalated != s.escalated || custom != s.custom {
			t.Errorf("%s total/automated/escalated/custom = %d/%d/%d/%d, VersionDailyStatistics sums %d/%d/%d/%d",
				day, total, automated, escalated, custom, s.total, s.automated, s.escalated, s.custom)
		}
		near(t, "automationRate", automation, float64(s.automated)/float64(s.total))
		near(t, "escalationRate", escalation, float64(s.escalated)/float64(s.total))
		near(t, "automation + escalation", automation+escalation, 1)
		near(t, "csatScore", score, float64(s.sat)/float64(s.sat+s.unsat))
		near(t, "csatAnsweredShare", answered, float64(s.sat+s.unsat)/float64(s.sat+s.unsat+s.unanswered))
		near(t, "customSuccessRate", customRate, float64(s.custom)/float64(s.total))

		// The same day from the sessions themselves: default timezone UTC.
		var sessions, withTransfer int
		for _, c := range convs {
			if c.AssistantName == "acme-bank" && c.StartDate.UTC().Format(time.DateOnly) == day {
				sessions++
				if slices.Contains(c.FlowsStarted, "transfer_money") {
					withTransfer++
				}
			}
		}
		if sessions != total || withTransfer != custom {
			t.Errorf("%s: %d sessions, %d with transfer_money; DailyOverview %d and %d", day, sessions, withTransfer, total, custom)
		}
		if n := one[int](b, `SELECT count(*)::int FROM "DailyOverview" WHERE "assistantName" = 'acme-insurance' AND "customSuccessCount" IS NOT NULL`); n != 0 {
			t.Errorf("acme-insurance has no success criteria but %d days with customSuccessCount", n)
		}
	})

	t.Run("rates per group", func(t *testing.T) {
		// Every row of the finest-grain views is its VersionDailyStatistics row.
		rows, err := b.pool.Query(ctx, `
			SELECT a."date"::text, a."assistantName", a."channelName", a."version", a."totalSessions", a."automatedCount",
			       a."automationRate", e."escalatedCount", e."escalationRate", c."csatSatisfied", c."csatUnsatisfied",
			       c."csatUnanswered", c."csatAsked", c."csatScore"
			FROM "DailyAutomationRate" a
			JOIN "DailyEscalationRate" e USING ("date", "assistantName", "channelName", "version")
			JOIN "DailyCsat" c USING ("date", "assistantName", "channelName", "version")
			ORDER BY 1, 2, 3, 4`)
		if err != nil {
			t.Fatal(err)
		}
		type rateRow struct {
			Date, Assistant, Channel, Version         string
			Total, Automated                          int
			AutomationRate                            float64
			Escalated                                 int
			EscalationRate                            float64
			Satisfied, Unsatisfied, Unanswered, Asked int
			Score                                     *float64
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[rateRow])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(stats) {
			t.Fatalf("%d rows, VersionDailyStatistics has %d", len(got), len(stats))
		}
		for i, g := range got {
			w := stats[i]
			if g.Date != w.Date || g.Assistant != w.AssistantName || g.Channel != w.ChannelName || g.Version != w.Version ||
				g.Total != w.TotalSessions || g.Automated != w.AutomatedCount || g.Escalated != w.EscalatedCount ||
				g.Satisfied != w.CsatSatisfied || g.Unsatisfied != w.CsatUnsatisfied || g.Unanswered != w.CsatUnanswered ||
				g.Asked != w.CsatSatisfied+w.CsatUnsatisfied+w.CsatUnanswered {
				t.Errorf("row %d: %+v, VersionDailyStatistics %+v", i, g, w)
				continue
			}
			near(t, "automationRate", g.AutomationRate, float64(w.AutomatedCount)/float64(w.TotalSessions))
			near(t, "escalationRate", g.EscalationRate, float64(w.EscalatedCount)/float64(w.TotalSessions))
			if rated := w.CsatSatisfied + w.CsatUnsatisfied; rated == 0 {
				if g.Score != nil {
					t.Errorf("row %d: csatScore %v without ratings, want NULL", i, *g.Score)
				}
			} else if g.Score == nil {
				t.Errorf("row %d: csatScore NULL with %d ratings", i, rated)
			} else {
				near(t, "csatScore", *g.Score, float64(w.CsatSatisfied)/float64(rated))
			}
		}
	})

	t.Run("breakdowns add up", func(t *testing.T) {
		for _, view := range []string{"DailyByChannel", "DailyByVersion", "DailyAutomationRate"} {
			if n := one[int](b, `
				SELECT count(*)::int FROM (
				  SELECT "date", "assistantName", sum("totalSessions") AS total, sum("automatedCount") AS automated
				  FROM "`+view+`" GROUP BY 1, 2) AS g
				FULL JOIN "DailyOverview" AS o USING ("date", "assistantName")
				WHERE g.total IS DISTINCT FROM o."totalSessions" OR g.automated IS DISTINCT FROM o."automatedCount"`); n != 0 {
				t.Errorf("%s: %d days whose sums differ from DailyOverview", view, n)
			}
		}
		// The 8 channels and 4 models of the generated traffic (plus model ids of pre-3.16 senders).
		if n := one[int](b, `SELECT count(DISTINCT "channelName")::int FROM "DailyByChannel"`); n < 2 {
			t.Errorf("DailyByChannel has %d channels", n)
		}
		if n := one[int](b, `SELECT count(DISTINCT "version")::int FROM "DailyByVersion" WHERE "assistantName" = 'acme-bank'`); n < 2 {
			t.Errorf("DailyByVersion has %d acme-bank versions", n)
		}
	})

	t.Run("DailyLatency", func(t *testing.T) {
		var samples []float64
		for _, c := range convs {
			if c.AssistantName == "acme-bank" && c.StartDate.UTC().Format(time.DateOnly) == day {
				samples = append(samples, c.LatencySamplesMs...)
			}
		}
		if len(samples) < 20 {
			t.Fatalf("%s: only %d latency samples", day, len(samples))
		}
		sort.Float64s(samples)
		mean := 0.0
		for _, v := range samples {
			mean += v
		}
		mean /= float64(len(samples))
		var n int
		var avg, p50, p95, p99 float64
		if err := b.pool.QueryRow(ctx, `
			SELECT "sampleCount", "averageLatencyMs", "p50LatencyMs", "p95LatencyMs", "p99LatencyMs"
			FROM "DailyLatency" WHERE "date" = $1 AND "assistantName" = 'acme-bank'`, day).Scan(&n, &avg, &p50, &p95, &p99); err != nil {
			t.Fatal(err)
		}
		if n != len(samples) {
			t.Errorf("sampleCount %d, want %d", n, len(samples))
		}
		near(t, "averageLatencyMs", avg, mean)
		near(t, "p50LatencyMs", p50, percentileCont(samples, 0.5))
		near(t, "p95LatencyMs", p95, percentileCont(samples, 0.95))
		near(t, "p99LatencyMs", p99, percentileCont(samples, 0.99))
		if p50 > p95 || p95 > p99 {
			t.Errorf("p50 %v, p95 %v, p99 %v out of order", p50, p95, p99)
		}
	})

	t.Run("LatencySamples", func(t *testing.T) {
		// Per statistics group, percentiles over the samples are the stored ones.
		if n := one[int](b, `
			SELECT count(*)::int
			FROM "VersionDailyStatistics" AS v
			JOIN (SELECT "date", "assistantName", "channelName", "version", count(*) AS n,
			             percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95
			      FROM "LatencySamples" GROUP BY 1, 2, 3, 4) AS s
			  USING ("date", "assistantName", "channelName", "version")
			WHERE abs(s.p95 - v."p95LatencyMs") > 1e-6`); n != 0 {
			t.Errorf("%d groups whose p95 over LatencySamples differs from VersionDailyStatistics", n)
		}
		total := 0
		for _, c := range convs {
			total += len(c.LatencySamplesMs)
		}
		if n := one[int](b, `SELECT count(*)::int FROM "LatencySamples"`); n != total {
			t.Errorf("LatencySamples has %d rows, the sessions %d samples", n, total)
		}
	})

	t.Run("flows", func(t *testing.T) {
		flows := b.flowStats()
		totals := map[string]int{} // acme-bank's flows over all days
		for _, f := range flows {
			if f.AssistantName == "acme-bank" {
				totals[f.FlowName] += f.TotalSessions
			}
		}
		top := ""
		for name, n := range totals {
			if top == "" || n > totals[top] {
				top = name
			}
		}
		var flow string
		var sessions, rank int
		var first, last string
		if err := b.pool.QueryRow(ctx, `
			SELECT "flowName", "totalSessions", "rank", "firstDate"::text, "lastDate"::text
			FROM "TopFlows" WHERE "assistantName" = 'acme-bank' ORDER BY "rank", "flowName" LIMIT 1`).Scan(
			&flow, &sessions, &rank, &first, &last); err != nil {
			t.Fatal(err)
		}
		if rank != 1 || sessions != totals[top] || totals[flow] != totals[top] {
			t.Errorf("TopFlows rank 1 of acme-bank: %s with %d sessions (rank %d), want %s with %d", flow, sessions, rank, top, totals[top])
		}
		if first > last {
			t.Errorf("firstDate %s after lastDate %s", first, last)
		}
		if n := one[int](b, `SELECT count(*)::int FROM "TopFlows"`); n != len(totals)+countFlows(flows, "acme-insurance") {
			t.Errorf("TopFlows has %d rows", n)
		}

		// One day's row of a business flow, by hand.
		f, ok := b.flow(day, "acme-bank", "transfer_money")
		if !ok {
			t.Fatalf("no transfer_money on %s", day)
		}
		var total, automated, escalated int
		var pattern bool
		var share, automation float64
		if err := b.pool.QueryRow(ctx, `
			SELECT "totalSessions", "automatedCount", "escalatedCount", "isPattern", "shareOfSessions", "automationRate"
			FROM "DailyFlows" WHERE "date" = $1 AND "assistantName" = 'acme-bank' AND "flowName" = 'transfer_money'`, day).Scan(
			&total, &automated, &escalated, &pattern, &share, &automation); err != nil {
			t.Fatal(err)
		}
		if total != f.TotalSessions || automated != f.AutomatedCount || escalated != f.EscalatedCount || pattern {
			t.Errorf("DailyFlows transfer_money %d/%d/%d pattern=%v, FlowDailyStatistics %+v", total, automated, escalated, pattern, f)
		}
		near(t, "shareOfSessions", share, float64(f.TotalSessions)/float64(s.total))
		near(t, "automationRate", automation, float64(f.AutomatedCount)/float64(f.TotalSessions))
		if !one[bool](b, `SELECT "isPattern" FROM "DailyFlows" WHERE "flowName" = 'pattern_completed' LIMIT 1`) {
			t.Error("pattern_completed is not a pattern")
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		rows, err := b.pool.Query(ctx, `
			SELECT "id", "day"::text, "durationSeconds", "numberOfEvents", "escalated", "automated", "csatRating",
			       "latencySampleCount", "averageLatencyMs", "flowsStarted", "totalNumberOfUserMessages"
			FROM "Sessions"`)
		if err != nil {
			t.Fatal(err)
		}
		type sessionRow struct {
			ID             [16]byte
			Day            string
			Duration       float64
			Events         int
			Escalated      bool
			Automated      bool
			Csat           *string
			Samples        int
			AverageLatency *float64
			Flows          string
			UserMessages   int
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[sessionRow])
		if err != nil {
			t.Fatal(err)
		}
		byID := map[[16]byte]sessionRow{}
		for _, r := range got {
			byID[r.ID] = r
		}
		if len(byID) != len(convs) {
			t.Fatalf("Sessions has %d rows, Conversation %d", len(byID), len(convs))
		}
		for _, c := range convs {
			r := byID[c.ID]
			var diffs []string
			check := func(col string, g, w any) {
				if fmt.Sprint(g) != fmt.Sprint(w) {
					diffs = append(diffs, fmt.Sprintf("%s %v, want %v", col, g, w))
				}
			}
			check("day", r.Day, c.StartDate.UTC().Format(time.DateOnly))
			if want := c.LastEventAt.Sub(c.StartDate).Seconds(); math.Abs(r.Duration-want) > 1e-6 {
				diffs = append(diffs, fmt.Sprintf("durationSeconds %v, want %v", r.Duration, want))
			}
			check("numberOfEvents", r.Events, c.Events)
			check("escalated", r.Escalated, c.EscalatedAt != nil)
			check("automated", r.Automated, c.EscalatedAt == nil)
			check("csatRating", deref(r.Csat), deref(c.CsatRating))
			check("latencySampleCount", r.Samples, len(c.LatencySamplesMs))
			check("flowsStarted", r.Flows, strings.Join(c.FlowsStarted, ", "))
			check("totalNumberOfUserMessages", r.UserMessages, c.TotalNumberOfUserMessages)
			if len(c.LatencySamplesMs) == 0 {
				check("averageLatencyMs", r.AverageLatency == nil, true)
			} else if r.AverageLatency != nil {
				sum := 0.0
				for _, v := range c.LatencySamplesMs {
					sum += v
				}
				if want := sum / float64(len(c.LatencySamplesMs)); math.Abs(*r.AverageLatency-want) > 1e-9*math.Max(1, want) {
					diffs = append(diffs, fmt.Sprintf("averageLatencyMs %v, want %v", *r.AverageLatency, want))
				}
			}
			if len(diffs) > 0 {
				t.Errorf("session %s: %s", c.SenderID, strings.Join(diffs, "; "))
			}
		}
	})
}

func countFlows(flows []flowRow, assistant string) int {
	names := map[string]bool{}
	for _, f := range flows {
		if f.AssistantName == assistant {
			names[f.FlowName] = true
		}
	}
	return len(names)
}

// percentileCont is PostgreSQL's percentile_cont over sorted values.
func percentileCont(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	lo, hi := math.Floor(pos), math.Ceil(pos)
	return sorted[int(lo)] + (pos-lo)*(sorted[int(hi)]-sorted[int(lo)])
}

// near fails unless got equals want up to floating-point rounding.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

const dashboardFile = "../deploy/grafana/dashboards/conversation-analytics.json"

// grafanaDashboard is the part of a Grafana dashboard JSON model the test reads.
type grafanaDashboard struct {
	Panels     []grafanaPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string            `json:"name"`
			Type       string            `json:"type"`
			Query      json.RawMessage   `json:"query"`
			Datasource grafanaDatasource `json:"datasource"`
			Multi      bool              `json:"multi"`
			IncludeAll bool              `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
}

type grafanaPanel struct {
	ID         int               `json:"id"`
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Datasource grafanaDatasource `json:"datasource"`
	Targets    []struct {
		RefID      string            `json:"refId"`
		RawSQL     string            `json:"rawSql"`
		RawQuery   bool              `json:"rawQuery"`
		Format     string            `json:"format"`
		Datasource grafanaDatasource `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // of a collapsed row
}

type grafanaDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// The time range the dashboard queries run with: the generated traffic's month.
var (
	grafanaFrom = time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
	grafanaTo   = time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
)

var (
	grafanaMacro    = regexp.MustCompile(`\$(__\w+)\(([^)]*)\)`) // Grafana's own pattern: no ')' inside
	grafanaVariable = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)
)

// expandGrafana does to sql what Grafana's PostgreSQL data source does before
// sending it: the macros this dashboard uses, then the template variables
// (a multi-value variable becomes a list of quoted values). Anything else
// starting with $ is an error.
func expandGrafana(sql string, vars map[string][]string) (string, error) {
	var err error
	fail := func(format string, args ...any) string {
		if err == nil {
			err = fmt.Errorf(format, args...)
		}
		return ""
	}
	from, to := grafanaFrom.Format(time.RFC3339Nano), grafanaTo.Format(time.RFC3339Nano)
	sql = grafanaMacro.ReplaceAllStringFunc(sql, func(m string) string {
		g := grafanaMacro.FindStringSubmatch(m)
		var args []string
		if strings.TrimSpace(g[2]) != "" {
			for _, a := range strings.Split(g[2], ",") {
				args = append(args, strings.TrimSpace(a))
			}
		}
		switch {
		case g[1] == "__timeFilter" && len(args) == 1:
			return fmt.Sprintf("%s BETWEEN '%s' AND '%s'", args[0], from, to)
		case g[1] == "__timeFrom" && len(args) == 0:
			return "'" + from + "'"
		case g[1] == "__timeTo" && len(args) == 0:
			return "'" + to + "'"
		}
		return fail("unsupported macro %s", m)
	})
	sql = grafanaVariable.ReplaceAllStringFunc(sql, func(m string) string {
		g := grafanaVariable.FindStringSubmatch(m)
		name := g[1] + g[2]
		values, ok := vars[name]
		if !ok {
			return fail("unknown variable or macro %s", m)
		}
		quoted := make([]string, len(values))
		for i, v := range values {
			quoted[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		return strings.Join(quoted, ",")
	})
	return sql, err
}

// TestGrafanaDashboardQueriesRun runs every panel and template-variable query
// of the provisioned dashboard, as Grafana would with a read-only role, on
// generated traffic: with every variable at "All", and at a single value.
func TestGrafanaDashboardQueriesRun(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash grafanaDashboard
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	b := setup(t)
	loadTraffic(t, b, 20_000)
	conn := readOnlyConn(t, b)
	ctx := context.Background()

	query := func(sql string) (pgx.Rows, error) { return conn.Query(ctx, sql) }
	checkDatasource := func(where string, ds grafanaDatasource) {
		if ds.UID != "analyticsdb" || ds.Type != "grafana-postgresql-datasource" {
			t.Errorf("%s: datasource %+v, want uid analyticsdb of type grafana-postgresql-datasource", where, ds)
		}
	}

	// Template variables, in order: each may use the ones before it.
	all := map[string][]string{}
	single := map[string][]string{}
	if len(dash.Templating.List) == 0 {
		t.Error("the dashboard has no template variables")
	}
	for _, v := range dash.Templating.List {
		where := "variable " + v.Name
		checkDatasource(where, v.Datasource)
		if v.Type != "query" || !v.Multi || !v.IncludeAll {
			t.Errorf("%s: type %s multi=%v includeAll=%v, want a multi-value query variable with All", where, v.Type, v.Multi, v.IncludeAll)
		}
		var sql string
		if err := json.Unmarshal(v.Query, &sql); err != nil {
			var obj struct{ Query string }
			if err := json.Unmarshal(v.Query, &obj); err != nil {
				t.Fatalf("%s: query %s", where, v.Query)
			}
			sql = obj.Query
		}
		expanded, err := expandGrafana(sql, all)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		rows, err := query(expanded)
		if err != nil {
			t.Fatalf("%s: %v\n%s", where, err, expanded)
		}
		values, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v\n%s", where, err, expanded)
		}
		if len(values) == 0 {
			t.Fatalf("%s: no values", where)
		}
		all[v.Name], single[v.Name] = values, values[:1]
	}
	if len(all["assistant"]) != 2 || len(all["channel"]) < 2 {
		t.Errorf("variables: %v, want both assistants and their channels", all)
	}

	var panels []grafanaPanel
	for _, p := range dash.Panels {
		panels = append(panels, p)
		panels = append(panels, p.Panels...)
	}
	queries := 0
	for _, p := range panels {
		if p.Type == "row" {
			continue
		}
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		checkDatasource(where, p.Datasource)
		if len(p.Targets) == 0 {
			t.Errorf("%s has no query", where)
		}
		for _, target := range p.Targets {
			where := where + " query " + target.RefID
			checkDatasource(where, target.Datasource)
			if strings.TrimSpace(target.RawSQL) == "" || !target.RawQuery {
				t.Errorf("%s: no raw SQL", where)
				continue
			}
			for i, vars := range []map[string][]string{all, single} {
				expanded, err := expandGrafana(target.RawSQL, vars)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					break
				}
				rows, err := query(expanded)
				if err != nil {
					t.Errorf("%s: %v\n%s", where, err, expanded)
					continue
				}
				var columns []string
				for _, f := range rows.FieldDescriptions() {
					columns = append(columns, f.Name)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil {
					t.Errorf("%s: %v\n%s", where, err, expanded)
					continue
				}
				queries++
				switch target.Format {
				case "time_series":
					if len(columns) == 0 || columns[0] != "time" {
						t.Errorf("%s: a time series query must return the column time first, not %v", where, columns)
					}
				case "table":
				default:
					t.Errorf("%s: format %q, want time_series or table", where, target.Format)
				}
				if n == 0 && i == 0 {
					t.Errorf("%s returns no rows for every assistant and channel", where)
				}
			}
		}
	}
	if queries == 0 {
		t.Error("no panel query ran")
	}
}
