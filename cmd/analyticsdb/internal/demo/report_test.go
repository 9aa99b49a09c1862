package demo

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/testdb"
	"github.com/openrasa/analyticsdb/traffic"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestSummaryEqualsTheTables: the demo's summary, read from the BI views,
// says what the statistics tables and the conversations' latency samples say
// when summed here by hand; and the report prints it before the tables.
func TestSummaryEqualsTheTables(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	cfg := traffic.DefaultConfig()
	cfg.Events = 6000
	var jsonl bytes.Buffer
	if _, err := traffic.WriteJSONL(ctx, cfg, &jsonl); err != nil {
		t.Fatal(err)
	}
	l, err := loader.New(ctx, loader.Config{DatabaseURL: db.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Replay(ctx, "traffic", &jsonl); err != nil { // refreshes the statistics at the end
		t.Fatal(err)
	}

	got, err := summarize(ctx, db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	want := summaryByHand(t, ctx, db)
	if len(got.Lines) != 3 { // two assistants and all
		t.Fatalf("summary has %d lines, want 3: %+v", len(got.Lines), got)
	}
	if got.From != want.From || got.To != want.To {
		t.Errorf("summary covers %s to %s, the tables %s to %s", got.From, got.To, want.From, want.To)
	}
	for i, g := range got.Lines {
		w := want.Lines[i]
		if g.Assistant != w.Assistant || g.Sessions != w.Sessions || g.Automated != w.Automated || g.Escalated != w.Escalated ||
			g.Satisfied != w.Satisfied || g.Rated != w.Rated || !slices.Equal(g.TopFlows, w.TopFlows) {
			t.Errorf("summary line\n%+v\nthe tables say\n%+v", g, w)
		}
		if g.P95LatencyMs == nil || math.Abs(*g.P95LatencyMs-*w.P95LatencyMs) > 1e-6 {
			t.Errorf("%q: p95 latency %v, the samples say %v", g.Assistant, g.P95LatencyMs, *w.P95LatencyMs)
		}
		if g.Sessions == 0 || g.Rated == 0 || (g.Assistant != "" && len(g.TopFlows) != topFlows) {
			t.Errorf("%q: the traffic should give sessions, ratings and flows: %+v", g.Assistant, g)
		}
	}

	var out strings.Builder
	if err := report(ctx, db.Pool, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	all := want.Lines[2]
	line := fmt.Sprintf("all %d %.1f%% %.1f%% %.0f ms %.1f%% of %d rated -", all.Sessions,
		100*float64(all.Automated)/float64(all.Sessions), 100*float64(all.Escalated)/float64(all.Sessions),
		*all.P95LatencyMs, 100*float64(all.Satisfied)/float64(all.Rated), all.Rated)
	if !strings.Contains(strings.Join(strings.Fields(text), " "), line) {
		t.Errorf("the report lacks the line %q:\n%s", line, text)
	}
	if s, v := strings.Index(text, "Summary, "+want.From+" to "+want.To), strings.Index(text, "VersionDailyStatistics"); s < 0 || v < s {
		t.Errorf("the summary does not come first:\n%s", text)
	}
}

// summaryByHand sums the statistics tables (not the views) and computes the
// percentile from Conversation's samples as percentile_cont does.
func summaryByHand(t *testing.T, ctx context.Context, db *testdb.DB) Summary {
	t.Helper()
	byName := map[string]*SummaryLine{"": {}}
	line := func(name string) *SummaryLine {
		if byName[name] == nil {
			byName[name] = &SummaryLine{Assistant: name}
		}
		return byName[name]
	}
	var sum Summary
	rows, err := db.Pool.Query(ctx, `SELECT "date"::text, "assistantName", "totalSessions", "automatedCount", "escalatedCount",
		"csatSatisfied", "csatUnsatisfied" FROM "VersionDailyStatistics"`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var day, name string
		var sessions, automated, escalated, satisfied, unsatisfied int64
		if err := rows.Scan(&day, &name, &sessions, &automated, &escalated, &satisfied, &unsatisfied); err != nil {
			t.Fatal(err)
		}
		for _, l := range []*SummaryLine{line(name), byName[""]} {
			l.Sessions += sessions
			l.Automated += automated
			l.Escalated += escalated
			l.Satisfied += satisfied
			l.Rated += satisfied + unsatisfied
		}
		if sum.From == "" || day < sum.From {
			sum.From = day
		}
		sum.To = max(sum.To, day)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}

	samples := map[string][]float64{}
	rows, err = db.Pool.Query(ctx, `SELECT "assistantName", "latencySamplesMs" FROM "Conversation"`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var ms []float64
		if err := rows.Scan(&name, &ms); err != nil {
			t.Fatal(err)
		}
		samples[name] = append(samples[name], ms...)
		samples[""] = append(samples[""], ms...)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for name, s := range samples {
		slices.Sort(s)
		pos := 0.95 * float64(len(s)-1)
		lo := int(math.Floor(pos))
		p95 := s[lo]
		if lo+1 < len(s) {
			p95 += (pos - float64(lo)) * (s[lo+1] - s[lo])
		}
		line(name).P95LatencyMs = &p95
	}

	flows := map[string]map[string]int64{}
	rows, err = db.Pool.Query(ctx, `SELECT "assistantName", "flowName", "totalSessions" FROM "FlowDailyStatistics"`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, flow string
		var n int64
		if err := rows.Scan(&name, &flow, &n); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(flow, "pattern_") {
			continue
		}
		if flows[name] == nil {
			flows[name] = map[string]int64{}
		}
		flows[name][flow] += n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for name, byFlow := range flows {
		var all []FlowSessions
		for f, n := range byFlow {
			all = append(all, FlowSessions{f, n})
		}
		slices.SortFunc(all, func(a, b FlowSessions) int {
			return cmp.Or(cmp.Compare(b.Sessions, a.Sessions), strings.Compare(a.Flow, b.Flow))
		})
		line(name).TopFlows = all[:min(topFlows, len(all))]
	}

	var names []string
	for name := range byName {
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range append(names, "") {
		sum.Lines = append(sum.Lines, *byName[name])
	}
	return sum
}
