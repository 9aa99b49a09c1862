package tests

import (
	"testing"
	"time"
)

// TestReplayRejectedAfterAMigrationAddsAnEventType: a message rejected for
// its unknown type is stored by replay-rejected once a migration adds the
// type, at its original stream position, and its sender's sessions are
// derived again (docs/decisions.md, "Bad input").
func TestReplayRejectedAfterAMigrationAddsAnEventType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newScript("x", "bank", "m1", day("2024-11-04 10:00:00"))
	s.action("action_session_start") // opens a session
	s.event("foo_bar", nil)          // rejected today
	s.event("session_started", nil)  // directly follows the action only while foo_bar is missing
	s.user("hello", "rest").bot("hi")
	other := newScript("y", "bank", "m1", day("2024-11-04 11:00:00")).startSession().event("still_unknown", nil).user("yo", "rest")
	b.load(concat(s, other), 2)

	if n := one[int](b, `SELECT count(*)::int FROM "Conversation" WHERE "senderId" = 'x'`); n != 1 {
		t.Fatalf("%d conversations before the replay, want 1", n)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "RejectedEvent" WHERE "reason" = 'unknown_type'`); n != 2 {
		t.Fatalf("%d unknown_type rejections, want 2", n)
	}

	// The migration that adds support.
	b.exec(`ALTER TYPE "ConversationEventType" ADD VALUE 'FOO_BAR'`)
	totals, err := b.replayRejected(1)
	if err != nil {
		t.Fatal(err)
	}
	b.refresh()
	if totals.Examined != 2 || totals.Stored != 1 || totals.StillRejected != 1 {
		t.Errorf("replay totals %+v, want 2 examined, 1 stored, 1 still rejected", totals)
	}

	// Now: action_session_start, FOO_BAR, then session_started, which no
	// longer directly follows the action: it opens a second session.
	convs := map[int64]int{}
	for _, c := range b.conversations() {
		if c.SenderID == "x" {
			convs[c.StartDate.UnixMicro()] = c.Events
		}
	}
	first, second := day("2024-11-04 10:00:00"), day("2024-11-04 10:00:00").Add(20*time.Millisecond)
	if len(convs) != 2 || convs[first.UnixMicro()] != 2 || convs[second.UnixMicro()] != 3 {
		t.Errorf("sender x sessions %v, want 2 events from %v and 3 from %v", convs, first, second)
	}
	if got := one[string](b, `SELECT string_agg("type"::text, ',' ORDER BY "sequenceNumber") FROM "ConversationEvent" WHERE "senderId" = 'x'`); got != "ACTION,FOO_BAR,SESSION_STARTED,USER,BOT" {
		t.Errorf("sender x stream %s: FOO_BAR is not back in its place", got)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "RejectedEvent" WHERE "replayedAt" IS NULL`); n != 1 {
		t.Errorf("%d rejected messages left, want the one still unknown", n)
	}
	sessions := 0
	for _, v := range b.versionStats() {
		sessions += v.TotalSessions
	}
	if sessions != 3 { // x's two (the first, without a user message, on channel "unknown") and y's
		t.Errorf("statistics count %d sessions, want 3", sessions)
	}
	// What ingestion and the replay left equals a recomputation.
	before := b.conversations()
	b.exec(`SELECT analytics.recompute()`)
	after := b.conversations()
	if len(before) != len(after) {
		t.Fatalf("recompute changed the conversations: %d -> %d", len(before), len(after))
	}
	for i := range before {
		if before[i].Events != after[i].Events || before[i].TotalNumberOfUserMessages != after[i].TotalNumberOfUserMessages ||
			!before[i].StartDate.Equal(after[i].StartDate) {
			t.Errorf("conversation %d differs from its recomputation: %+v vs %+v", i, before[i], after[i])
		}
	}

	// Replaying again changes nothing.
	again, err := b.replayRejected(10)
	if err != nil {
		t.Fatal(err)
	}
	if again.Stored != 0 || again.Examined != 1 {
		t.Errorf("second replay %+v, want only the still unknown message examined", again)
	}
}
