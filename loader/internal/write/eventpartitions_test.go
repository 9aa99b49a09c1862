package write

import (
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"math/rand/v2"
	"testing"
	"time"
)

// TestCopyGroups: a batch is cut into as few COPYs as its tables need, every
// event goes to the table that holds its time (the partitioned table when no
// leaf does), and each conversation's events reach the COPYs in stream
// order, which is what the insert trigger's merge needs.
func TestCopyGroups(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 11, d, 0, 0, 0, 0, time.UTC) }
	leaves := []eventLeaf{{"ConversationEvent_p20241104", day(4), day(5)}, {"ConversationEvent_p20241105", day(5), day(6)}}
	ev := func(conv byte, at time.Time) *decode.Event {
		e := &decode.Event{Timestamp: at}
		e.ConversationID[0] = conv
		return e
	}
	before, late, next, far := day(5).Add(-time.Second), day(4).Add(time.Hour), day(5).Add(time.Second), day(9)

	one := []*decode.Event{ev(1, late), ev(2, before), ev(1, before)}
	if g := copyGroups(one, leaves); len(g) != 1 || g[0].table != `"ConversationEvent_p20241104"` || len(g[0].events) != 3 {
		t.Errorf("a batch within one leaf: %+v", g)
	}
	// Across midnight: two COPYs; a conversation back before midnight after
	// crossing it needs a third, after the second.
	batch := []*decode.Event{ev(1, before), ev(2, next), ev(3, before), ev(2, before), ev(4, far)}
	g := copyGroups(batch, leaves)
	want := []struct {
		table string
		n     int
	}{{`"ConversationEvent_p20241104"`, 2}, {`"ConversationEvent_p20241105"`, 1}, {`"ConversationEvent_p20241104"`, 1}, {`"ConversationEvent"`, 1}}
	if len(g) != len(want) {
		t.Fatalf("%d COPYs, want %d: %+v", len(g), len(want), g)
	}
	for i, w := range want {
		if g[i].table != w.table || len(g[i].events) != w.n {
			t.Errorf("COPY %d: %d events into %s, want %d into %s", i, len(g[i].events), g[i].table, w.n, w.table)
		}
	}

	// Random batches: every event exactly once, in its table, each
	// conversation in stream order across the COPYs.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var batch []*decode.Event
		for range 1 + rng.IntN(60) {
			batch = append(batch, ev(byte(rng.IntN(6)), day(3).Add(time.Duration(rng.IntN(4*24))*time.Hour)))
		}
		seen, order := 0, map[*decode.Event]int{}
		for i, e := range batch {
			order[e] = i
		}
		last := map[decode.UUID]int{}
		for _, g := range copyGroups(batch, leaves) {
			for _, e := range g.events {
				seen++
				if g.table != tableFor(e.Timestamp, leaves) {
					t.Fatalf("event at %s COPYed into %s", e.Timestamp, g.table)
				}
				if prev, ok := last[e.ConversationID]; ok && prev > order[e] {
					t.Fatalf("a conversation's events reach the COPYs out of stream order")
				}
				last[e.ConversationID] = order[e]
			}
		}
		if seen != len(batch) {
			t.Fatalf("%d events COPYed, batch of %d", seen, len(batch))
		}
	}
}

func TestIsEventKey(t *testing.T) {
	for name, want := range map[string]bool{
		"ConversationEvent_pkey": true, "ConversationEvent_p20241104_pkey": true, "ConversationEvent_default_pkey": true,
		"RejectedEvent_pkey": false, "ConversationEvent_conversationId_fkey": false,
	} {
		if isEventKey(name) != want {
			t.Errorf("isEventKey(%q) = %v", name, !want)
		}
	}
}
