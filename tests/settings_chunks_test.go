package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/tests/reference"
)

// TestSettingsChangeRebuildsInChunksBetweenBatches: a loader's refresh
// (p_wait false) rebuilds at most analytics.rebuild_chunk conversations of an
// assistant whose settings changed, remembers how far it got, and the next
// refresh goes on; batches commit in between, and at the end everything
// equals the reference with the new settings.
func TestSettingsChangeRebuildsInChunksBetweenBatches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var msgs [][]byte
	for i := range 10 {
		s := newScript(fmt.Sprintf("chunk-%d", i), "bank", "m1", day("2024-11-04 23:30:00")).startSession().user("hi", "rest").
			bot("hello").action("action_agent")
		msgs = append(msgs, s.msgs...)
	}
	b.load(msgs)
	b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone", "escalationActions") VALUES ('bank', 'Asia/Tokyo', '{action_agent}')`)
	set := reference.DefaultSettings()
	set.Timezone, set.EscalationActions = "Asia/Tokyo", []string{"action_agent"}
	opts := reference.Options{DefaultAssistant: defaultAssistant, Settings: map[string]reference.Settings{"bank": set}}

	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET analytics.rebuild_chunk = 3`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET analytics.rebuild_chunk`)
	refreshes := 0
	for {
		if _, err := conn.Exec(ctx, `SELECT analytics.refresh_statistics(false)`); err != nil {
			t.Fatal(err)
		}
		refreshes++
		if refreshes == 1 && one[int](b, `SELECT count(*)::int FROM analytics."AssistantRebuild" WHERE "afterId" IS NOT NULL`) != 1 {
			t.Fatal("the first refresh did not stop after its chunk")
		}
		// a batch between two chunks
		more := newScript(fmt.Sprintf("between-%d", refreshes), "bank", "m1", day("2024-11-05 10:00:00")).startSession().user("hi", "rest")
		b.write(more.msgs)
		msgs = append(msgs, more.msgs...)
		if one[int](b, `SELECT count(*)::int FROM analytics."AssistantRebuild"`) == 0 {
			break
		}
		if refreshes > 10 {
			t.Fatal("the rebuild did not finish in 10 refreshes")
		}
	}
	if refreshes < 4 { // 10 conversations (and any the batches added above the cursor), 3 at a time
		t.Errorf("the rebuild took %d refreshes, want at least 4 chunks of 3", refreshes)
	}
	b.refresh()
	compareWithReference(t, b, reference.Compute(msgs, opts))
}

// TestRecomputeCommandRebuildsInChunks: `analyticsdb recompute --chunk 7`
// rebuilds the sample's conversations seven at a time, each chunk its own
// transaction, and leaves every row the oracle expects; with --chunk-time a
// chunk that took longer shrinks the next; between two chunks a batch
// commits.
func TestRecomputeCommandRebuildsInChunks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(sampleMessages(t), 1000)
	out := runCLI(t, b, "recompute", "--chunk", "7", "--chunk-time", "0")
	if !strings.Contains(out, "recomputed: 26 chunks of conversations rebuilt") { // 179 conversations, 7 at a time
		t.Errorf("recompute printed %q", out)
	}
	checkAgainstOracle(t, b, readOracle(t))
	// bounded by time, every chunk after the first took longer than 1 ns:
	// the next is as small as can be
	out = runCLI(t, b, "recompute", "--chunk", "7", "--chunk-time", "1ns")
	if !strings.Contains(out, "recomputed: 173 chunks of conversations rebuilt") { // 7, then 172 of one
		t.Errorf("recompute --chunk-time 1ns printed %q", out)
	}
	checkAgainstOracle(t, b, readOracle(t))

	ctx := context.Background()
	var after *[16]byte
	if err := b.pool.QueryRow(ctx, `SELECT analytics.recompute_conversations(NULL, NULL, NULL, 3)`).Scan(&after); err != nil || after == nil {
		t.Fatalf("first chunk: %v, %v", after, err)
	}
	s := newScript("between-chunks", "bank", "m1", day("2024-11-05 10:00:00")).startSession().user("hi", "rest")
	b.write(s.msgs) // a chunk is one transaction: nothing of it holds the next batch
	if err := b.pool.QueryRow(ctx, `SELECT analytics.recompute_conversations(NULL, NULL, $1, 3)`, after).Scan(&after); err != nil || after == nil {
		t.Fatalf("second chunk: %v, %v", after, err)
	}
}

// TestSettingsRebuildChunkIsBoundedByTime: a loader's refresh rebuilds steps
// (the first of 20 conversations, the next sized to the time left) until
// analytics.rebuild_budget_ms have passed (or analytics.rebuild_chunk are
// done): with a budget of 1 ms it stops after the first step, with a
// generous one it does all 150 in one refresh.
func TestSettingsRebuildChunkIsBoundedByTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var msgs [][]byte
	for i := range 150 {
		s := newScript(fmt.Sprintf("budget-%d", i), "bank", "m1", day("2024-11-04 23:30:00")).startSession().user("hi", "rest").bot("hello")
		msgs = append(msgs, s.msgs...)
	}
	b.load(msgs)
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	defer conn.Exec(ctx, `RESET analytics.rebuild_budget_ms`)
	for _, tc := range []struct {
		budget string
		left   int // conversations above the cursor after one refresh
	}{{"1", 130}, {"100000", 0}} {
		b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone") VALUES ('bank', 'Asia/Tokyo')
			ON CONFLICT ("assistantName") DO UPDATE SET "timezone" = CASE WHEN "AssistantSettings"."timezone" = 'UTC' THEN 'Asia/Tokyo' ELSE 'UTC' END`)
		if _, err := conn.Exec(ctx, `SET analytics.rebuild_budget_ms = `+tc.budget); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `SELECT analytics.refresh_statistics(false)`); err != nil {
			t.Fatal(err)
		}
		left := one[int](b, `SELECT count(*)::int FROM "Conversation" AS c, analytics."AssistantRebuild" AS r WHERE c."id" > r."afterId"`)
		if rebuilds := one[int](b, `SELECT count(*)::int FROM analytics."AssistantRebuild"`); left != tc.left || (tc.left == 0) != (rebuilds == 0) {
			t.Errorf("budget %s ms: %d conversations left after one refresh (rebuilds pending %d), want %d", tc.budget, left, rebuilds, tc.left)
		}
		b.refresh()
	}
}
