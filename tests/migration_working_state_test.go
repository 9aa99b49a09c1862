package tests

import (
	"context"
	"io"
	"testing"

	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/tests/reference"
)

// TestWorkingStateMigrationCarriesSessions: sessions half loaded, whose
// message instants and active flows the rollback carries back into
// Conversation, go on after the migration that moves them to
// analytics."ConversationState" exactly as if the stream had been loaded in
// one go (latency samples pair a user message
// stored before the migration with a bot message after it).
func TestWorkingStateMigrationCarriesSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	// sessions interleaved, so that many are open at the split
	cfg := trafficConfig(7, 6000)
	cfg.TimeOrdered = true
	var msgs [][]byte
	for _, r := range generate(t, cfg).records {
		msgs = append(msgs, r.Value)
	}
	half := len(msgs) / 2
	// The first half stored today, then the schema rolled back to before the
	// move (its rollback carries the state back into Conversation).
	b.write(msgs[:half], 300)
	for range migrationsSince(t, "20261202012100") {
		if err := db.Rollback(ctx, b.db.URL, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if n := one[int](b, `SELECT count(*)::int FROM "Conversation" WHERE cardinality("userMessageAt") > 0 AND cardinality("flowsActive") > 0`); n == 0 {
		t.Fatal("no session holds message instants and active flows before the migration: the test proves nothing")
	}
	if err := db.Migrate(ctx, b.db.URL, io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := one[int](b, `SELECT count(*)::int FROM information_schema.columns
	                     WHERE table_name = 'Conversation' AND column_name IN ('userMessageAt', 'botMessageAt', 'flowsActive')`); n != 0 {
		t.Fatalf("Conversation still has %d working-state columns", n)
	}
	b.write(msgs[half:], 300)
	b.refresh()
	compareWithReference(t, b, reference.Compute(msgs, reference.Options{DefaultAssistant: defaultAssistant}))
}
