package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

const (
	sampleStream   = "fixtures/sample/rasa-events-small.jsonl"
	sampleExpected = "fixtures/sample/rasa-events-small.expected.json"
)

// oracle is the part of the sample's expected results the tests compare.
type oracle struct {
	Events struct {
		Stored, Duplicates, Rejected int
		ByType                       map[string]int
	}
	Conversations []struct {
		AssistantName, SenderID, AssistantVersion, ChannelName string
		ConversationID                                         *string
		UserID                                                 *string
		StartUs                                                int64
		TotalNumberOfUserMessages, EventCount                  int
		Ingested                                               bool
		EscalatedAtUs                                          *int64
		CsatRating                                             *string
		ReviewState                                            string
	}
	VersionDailyStatistics []struct {
		Date, AssistantName, ChannelName, Version                  string
		TotalSessions, AutomatedCount, EscalatedCount              int
		AverageLatencyMs, P50LatencyMs, P95LatencyMs, P99LatencyMs *float64
		CsatSatisfied, CsatUnsatisfied, CsatUnanswered             int
		CustomSuccessCount, CustomFailureCount                     *int
	}
	FlowDailyStatistics []struct {
		Date, AssistantName, FlowName                 string
		TotalSessions, AutomatedCount, EscalatedCount int
	}
	Probes []struct {
		Line      int
		SenderID  string
		Type      string
		Timestamp string
		Path      []string
		Kind      string
		Expect    *string
	}
}

func readOracle(t *testing.T) oracle {
	t.Helper()
	raw, err := os.ReadFile(sampleExpected)
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestSampleStreamThroughReplay is the acceptance test: the shared sample
// stream, replayed through the real file path, gives every row and column the
// independent oracle expects.
func TestSampleStreamThroughReplay(t *testing.T) {
	t.Parallel()
	sampleStreamThroughReplay(t, testdb.New)
}

func sampleStreamThroughReplay(t *testing.T, newDB newDB) {
	b := setupFrom(t, newDB)
	f, err := os.Open(sampleStream)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	totals, err := b.replay(sampleStream, f, 1000)
	if err != nil {
		t.Fatal(err)
	}
	b.refresh()
	o := readOracle(t)
	if int(totals.Stored) != o.Events.Stored || int(totals.Duplicates) != o.Events.Duplicates || int(totals.Rejected) != o.Events.Rejected {
		t.Errorf("replay stored/duplicates/rejected = %d/%d/%d, oracle %d/%d/%d",
			totals.Stored, totals.Duplicates, totals.Rejected, o.Events.Stored, o.Events.Duplicates, o.Events.Rejected)
	}
	checkAgainstOracle(t, b, o)
	runComparePy(t, b)
}

// TestSampleStreamWithEveryStartSlotEndingABatch cuts the sample right after
// every session_started_metadata slot, so each slot is stored before the
// action_session_start that makes it open a session: the slot must move to
// that session. Every other batch starts with a cold sender cache, so the
// slot is found in analytics."SenderSession" as well as in memory.
func TestSampleStreamWithEveryStartSlotEndingABatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw, err := os.ReadFile(sampleStream)
	if err != nil {
		t.Fatal(err)
	}
	var batches []loader.Batch
	batch := loader.Batch{}
	slots := 0
	for i, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		batch.Messages = append(batch.Messages, loader.Message{Value: []byte(line), Pos: loader.Position{File: sampleStream, Line: int64(i + 1)}})
		var ev struct{ Event, Name string }
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Event == "slot" && ev.Name == "session_started_metadata" {
			batches, batch = append(batches, batch), loader.Batch{}
			slots++
		}
	}
	batches = append(batches, batch)
	if slots < 10 {
		t.Fatalf("the sample has %d start slots; the test needs them", slots)
	}
	l := b.loader
	for i := range batches {
		if i%2 == 1 { // a new loader: its sender cache is cold
			l = b.newLoader(t, b.cfg)
		}
		if _, err := l.Write(context.Background(), &batches[i]); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	if n := one[int](b, `SELECT count(*)::int FROM analytics."DirtyConversation"`); n == 0 {
		t.Error("no slot was moved across batches: the test does not test what it says")
	}
	b.refresh()
	checkAgainstOracle(t, b, readOracle(t))
	runComparePy(t, b)
}

// checkAgainstOracle compares every table with the oracle.
func checkAgainstOracle(t *testing.T, b *bundle, o oracle) {
	t.Helper()
	if n := one[int](b, `SELECT count(*)::int FROM "RejectedEvent"`); n != o.Events.Rejected {
		t.Errorf("RejectedEvent has %d rows, oracle %d", n, o.Events.Rejected)
	}
	byType := map[string]int{}
	rows, _ := b.pool.Query(context.Background(), `SELECT "type"::text, count(*)::int FROM "ConversationEvent" GROUP BY 1`)
	for rows.Next() {
		var typ string
		var n int
		if err := rows.Scan(&typ, &n); err != nil {
			t.Fatal(err)
		}
		byType[typ] = n
	}
	if fmt.Sprint(byType) != fmt.Sprint(o.Events.ByType) {
		t.Errorf("events by type:\n got %v\nwant %v", byType, o.Events.ByType)
	}

	convs := map[string]conversationRow{}
	for _, c := range b.conversations() {
		convs[fmt.Sprintf("%s|%s|%d", c.AssistantName, c.SenderID, c.StartDate.UnixMicro())] = c
	}
	if len(convs) != len(o.Conversations) {
		t.Errorf("%d conversations, oracle %d", len(convs), len(o.Conversations))
	}
	for _, want := range o.Conversations {
		key := fmt.Sprintf("%s|%s|%d", want.AssistantName, want.SenderID, want.StartUs)
		got, ok := convs[key]
		if !ok {
			t.Errorf("conversation %s missing", key)
			continue
		}
		var diffs []string
		check := func(col string, g, w any) {
			if fmt.Sprint(g) != fmt.Sprint(w) {
				diffs = append(diffs, fmt.Sprintf("%s %v, want %v", col, g, w))
			}
		}
		check("assistantVersion", got.AssistantVersion, want.AssistantVersion)
		check("channelName", got.ChannelName, want.ChannelName)
		check("userId", deref(got.UserID), deref(want.UserID))
		check("totalNumberOfUserMessages", got.TotalNumberOfUserMessages, want.TotalNumberOfUserMessages)
		check("ingested", got.Ingested, want.Ingested)
		check("escalatedAt", micros(got.EscalatedAt), deref(want.EscalatedAtUs))
		check("csatRating", deref(got.CsatRating), deref(want.CsatRating))
		check("reviewState", got.ReviewState, want.ReviewState)
		check("events", got.Events, want.EventCount)
		if want.ConversationID != nil {
			check("id", uuidString(got.ID), *want.ConversationID)
		}
		if len(diffs) > 0 {
			t.Errorf("conversation %s: %s", key, strings.Join(diffs, "; "))
		}
	}

	vds := map[string]versionRow{}
	for _, v := range b.versionStats() {
		vds[v.Date+"|"+v.AssistantName+"|"+v.ChannelName+"|"+v.Version] = v
	}
	if len(vds) != len(o.VersionDailyStatistics) {
		t.Errorf("%d VersionDailyStatistics rows, oracle %d", len(vds), len(o.VersionDailyStatistics))
	}
	for _, w := range o.VersionDailyStatistics {
		key := w.Date + "|" + w.AssistantName + "|" + w.ChannelName + "|" + w.Version
		g, ok := vds[key]
		switch {
		case !ok:
			t.Errorf("VersionDailyStatistics %s missing", key)
		case g.TotalSessions != w.TotalSessions || g.AutomatedCount != w.AutomatedCount || g.EscalatedCount != w.EscalatedCount ||
			g.CsatSatisfied != w.CsatSatisfied || g.CsatUnsatisfied != w.CsatUnsatisfied || g.CsatUnanswered != w.CsatUnanswered ||
			!sameFloat(g.AverageLatencyMs, w.AverageLatencyMs) || !sameFloat(g.P50, w.P50LatencyMs) ||
			!sameFloat(g.P95, w.P95LatencyMs) || !sameFloat(g.P99, w.P99LatencyMs) ||
			fmt.Sprint(deref(g.CustomSuccessCount)) != fmt.Sprint(deref(w.CustomSuccessCount)) ||
			fmt.Sprint(deref(g.CustomFailureCount)) != fmt.Sprint(deref(w.CustomFailureCount)):
			t.Errorf("VersionDailyStatistics %s:\n got %+v\nwant %+v", key, g, w)
		}
	}

	fds := map[string]flowRow{}
	for _, f := range b.flowStats() {
		fds[f.Date+"|"+f.AssistantName+"|"+f.FlowName] = f
	}
	if len(fds) != len(o.FlowDailyStatistics) {
		t.Errorf("%d FlowDailyStatistics rows, oracle %d", len(fds), len(o.FlowDailyStatistics))
	}
	for _, w := range o.FlowDailyStatistics {
		key := w.Date + "|" + w.AssistantName + "|" + w.FlowName
		g, ok := fds[key]
		if !ok || g.TotalSessions != w.TotalSessions || g.AutomatedCount != w.AutomatedCount || g.EscalatedCount != w.EscalatedCount {
			t.Errorf("FlowDailyStatistics %s: got %+v, want %+v", key, g, w)
		}
	}

	for _, p := range o.Probes {
		ts, err := time.Parse(time.RFC3339Nano, p.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		var kind, text *string
		err = b.pool.QueryRow(context.Background(), `
			SELECT jsonb_typeof("rawData" #> $1), "rawData" #>> $1 FROM "ConversationEvent"
			WHERE "senderId" = $2 AND "type"::text = $3 AND "timestamp" = $4`, p.Path, p.SenderID, p.Type, ts).Scan(&kind, &text)
		if err != nil {
			t.Errorf("probe line %d: %v", p.Line, err)
			continue
		}
		switch p.Kind {
		case "null":
			if deref(kind) != "null" {
				t.Errorf("probe line %d %v: %v, want JSON null", p.Line, p.Path, deref(kind))
			}
		case "digits":
			if deref(text) != deref(p.Expect) {
				t.Errorf("probe line %d %v: %v, want %v", p.Line, p.Path, deref(text), deref(p.Expect))
			}
		}
	}
}

// runComparePy runs the oracle's own checker when python3 and psql are here.
func runComparePy(t *testing.T, b *bundle) {
	t.Helper()
	for _, tool := range []string{"python3", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("compare.py not run: %s not installed", tool)
			return
		}
	}
	args := []string{filepath.Join("fixtures", "sample", "compare.py"), sampleExpected, b.db.URL}
	if b.isCitus() {
		// compare.py's probe query (a lateral join of VALUES with the events)
		// is one Citus cannot plan over a distributed table: it reads a plain
		// copy of the stored events instead, found first on its search_path.
		b.exec(`CREATE SCHEMA compare_plain`)
		b.exec(`CREATE TABLE compare_plain."ConversationEvent" AS SELECT * FROM public."ConversationEvent"`)
		args = append(args, "--schema", "compare_plain")
	}
	cmd := exec.Command("python3", args...)
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		t.Errorf("compare.py: %v\n%s", err, out)
		return
	}
	t.Logf("compare.py: %s", lines[len(lines)-1])
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func micros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-6*math.Max(1, math.Abs(*b))
}

func uuidString(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
