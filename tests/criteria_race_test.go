package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
)

// A SuccessCriteria change and a merge that overlap in time: each sees the
// other uncommitted. Whatever the order of their commits and of the
// refreshes in between, customSuccessCount ends counted against the criteria
// (docs/decisions.md, "Success criteria changes"). These orders broke the
// trigger that listed the assistant's groups from "Conversation" in the
// DBA's transaction: TestSettingsEditedDuringIngest found it about one run
// in four.
func TestCriteriaChangeOverlappingAMerge(t *testing.T) {
	t.Parallel()
	at := day("2024-11-04 09:00:00")
	criteria := `INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows") VALUES ('bank', '{transfer_money}')`
	// a line the loader rejects: its RejectedEvent insert comes after the COPY
	// and its merge, so a lock on that table holds the merge uncommitted
	rejected := []byte(`not json`)

	for _, tc := range []struct {
		name string
		run  func(t *testing.T, b *bundle)
	}{
		{"criteria open while the merge commits and is folded", func(t *testing.T, b *bundle) {
			// the group is created and folded against no criteria, then the
			// criteria commit: their trigger could not see the group
			tx, err := b.pool.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(context.Background())
			if _, err := tx.Exec(context.Background(), criteria); err != nil {
				t.Fatal(err)
			}
			b.write(newScript("s1", "bank", "m1", at).startSession().user("hi", "rest").flow("started", "transfer_money").msgs)
			b.refresh()
			if err := tx.Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
		}},
		{"merge open while the criteria commit", func(t *testing.T, b *bundle) {
			// the merge counts against no criteria and commits after them
			release := b.holdMergeUncommitted(t, append(newScript("s1", "bank", "m1", at).startSession().user("hi", "rest").
				flow("started", "transfer_money").msgs, rejected))
			b.exec(criteria)
			b.refresh()
			release()
		}},
		{"merge open on an existing group while the criteria commit and are refreshed", func(t *testing.T, b *bundle) {
			// the group exists; the merge only adds a flow to its session, which
			// changes no count against no criteria, and commits after a refresh
			// rebuilt the group against the criteria
			s := newScript("s1", "bank", "m1", at).startSession().user("hi", "rest")
			b.load(s.msgs)
			s.msgs = nil
			release := b.holdMergeUncommitted(t, append(s.flow("started", "transfer_money").msgs, rejected))
			b.exec(criteria)
			b.refresh()
			release()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tc.run(t, b)
			b.refresh()
			var got []string
			for _, v := range b.versionStats() {
				got = append(got, fmt.Sprintf("%s %d sessions, custom success %v of criteria %v", v.AssistantName, v.TotalSessions,
					deref(v.CustomSuccessCount), v.HasCriteria))
			}
			if want := "bank 1 sessions, custom success 1 of criteria true"; len(got) != 1 || got[0] != want {
				t.Errorf("statistics %q, want [%q]", got, want)
			}
			if n := one[int](b, `SELECT count(*)::int FROM analytics."VersionStatisticsDelta"`); n != 0 {
				t.Errorf("%d version deltas left after the refresh", n)
			}
		})
	}
}

// holdMergeUncommitted writes msgs through the loader in the background and
// returns once their merge ran and the batch waits, uncommitted, to insert
// its rejected lines (msgs must hold one); release lets it commit and waits
// for that.
func (b *bundle) holdMergeUncommitted(t *testing.T, msgs [][]byte) (release func()) {
	t.Helper()
	lock, err := b.pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(context.Background(), `LOCK TABLE "RejectedEvent" IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	batch := loader.Batch{}
	for i, m := range msgs {
		batch.Messages = append(batch.Messages, loader.Message{Value: m, Pos: loader.Position{File: "held.jsonl", Line: int64(i + 1)}})
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.loader.Write(context.Background(), &batch)
		done <- err
	}()
	waitFor(t, time.Minute, "the batch to wait on RejectedEvent", func() bool {
		n, _ := tryOne[int](b, `SELECT count(*)::int FROM pg_locks AS l
			WHERE l.relation = '"RejectedEvent"'::regclass AND NOT l.granted`)
		return n > 0
	})
	return func() {
		t.Helper()
		_ = lock.Rollback(context.Background())
		if err := <-done; err != nil {
			t.Fatalf("held batch: %v", err)
		}
	}
}
