package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/tests/reference"
)

// TestNoBILockStopsIngestionOrTheRefresh: a BI role made by grant-readonly
// holds every lock it can take, in one open transaction: every table and
// view it may read locked in the strongest mode its rights allow, its rows
// read with the strongest row lock allowed, and the advisory keys around the
// one the refresh used to take. Batches still commit and the statistics
// still refresh, each within seconds.
func TestNoBILockStopsIngestionOrTheRefresh(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	bi := readOnlyConn(t, b)
	tx, err := bi.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	held := 0
	relations, err := pgx.CollectRows(must(tx.Query(ctx, `
		SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'analytics') AND c.relkind IN ('r', 'v', 'p')
		  AND has_table_privilege(c.oid, 'SELECT')`)), pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range relations {
		for _, mode := range []string{"ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE", "SHARE UPDATE EXCLUSIVE", "ROW EXCLUSIVE", "ROW SHARE", "ACCESS SHARE"} {
			if try(ctx, tx, fmt.Sprintf(`LOCK TABLE %s IN %s MODE NOWAIT`, rel, mode)) {
				held++
				break
			}
		}
		for _, lock := range []string{"UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE"} {
			if try(ctx, tx, fmt.Sprintf(`SELECT 1 FROM %s FOR %s`, rel, lock)) {
				held++
				break
			}
		}
	}
	if !try(ctx, tx, `SELECT pg_advisory_lock(k) FROM generate_series(7236114650000000, 7236114650000010) AS k`) {
		t.Fatal("the BI role could not take advisory locks: the test no longer holds what it says")
	}
	if held == 0 {
		t.Fatal("the BI role held no lock at all")
	}

	s := newScript("during-bi-locks", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").bot("hello")
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.load(s.msgs)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("a batch and a refresh did not finish within 20 s while the BI role held its locks")
	}
	compareWithReference(t, b, reference.Compute(s.msgs, reference.Options{DefaultAssistant: defaultAssistant}))
	if n := one[int](b, `SELECT analytics.refresh_statistics(false)`); n < 0 {
		t.Error("a refresh without waiting found another refresh running: the BI role blocks it")
	}
}

// try runs sql in a savepoint of tx and reports whether it succeeded.
func try(ctx context.Context, tx pgx.Tx, sql string) bool {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false
	}
	if _, err := sp.Exec(ctx, sql); err != nil {
		_ = sp.Rollback(ctx)
		return false
	}
	return sp.Commit(ctx) == nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
