package tests

import (
	"context"
	"fmt"
	"testing"
)

// TestRefreshCostStaysProportionalToTheDirtyGroups: with 60,000 sessions of
// history stored, refreshing two weeks of dirty statistics groups reads
// "Conversation" through its indexes only, never with a sequential scan,
// whose cost would grow with the history (docs/decisions.md, "Targets": flat cost per
// event). The planner used to flatten the refresh's per-group LATERAL lookups
// into a hash join over the whole table once enough groups were dirty.
// Counted in the transaction's own statistics.
func TestRefreshCostStaysProportionalToTheDirtyGroups(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// History: 60,000 sessions over 600 days of two assistants.
	b.exec(`
		INSERT INTO "Conversation" ("id", "startDate", "lastEventAt", "senderId", "assistantName",
		                            "assistantVersion", "channelName", "statisticsDate", "flowsStarted")
		SELECT md5('history' || i)::uuid, d, d, 'old-' || i, a, 'unknown', 'rest', d::date, '{transfer_money}'
		FROM generate_series(1, 60000) AS i,
		     LATERAL (SELECT timestamptz '2022-01-01 10:00+00' + (i % 600) * interval '1 day' AS d,
		                     CASE WHEN i % 2 = 0 THEN 'bank' ELSE 'shop' END AS a) AS x`)
	// This week's sessions, driven through the real merge, then the week
	// marked dirty as a busy stream would leave it.
	var week [][]byte
	for d := range 7 {
		s := newScript(fmt.Sprintf("now-%d", d), "bank", "m1", day("2024-10-27 10:00:00").AddDate(0, 0, d))
		week = append(week, s.startSession().user("hi", "rest").bot("hello").flow("started", "transfer_money").msgs...)
	}
	b.write(week)
	b.exec(`ANALYZE "Conversation"`)
	b.exec(`INSERT INTO analytics."DirtyVersionStatistics" SELECT DISTINCT "assistantName", "statisticsDate", "channelName", "assistantVersion"
		FROM "Conversation" WHERE "statisticsDate" >= '2024-10-27' OR "statisticsDate" < '2022-01-08' ON CONFLICT DO NOTHING`)
	b.exec(`INSERT INTO analytics."DirtyFlowStatistics" SELECT DISTINCT "assistantName", "statisticsDate", f
		FROM "Conversation", unnest("flowsStarted") AS f WHERE "statisticsDate" >= '2024-10-27' OR "statisticsDate" < '2022-01-08' ON CONFLICT DO NOTHING`)

	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// The counts before the refresh: PostgreSQL 15 adds a session's counts
	// not yet flushed (the history's statements above) to the transaction's.
	scans := func() (seq, index int64) {
		if err := tx.QueryRow(ctx, `SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables
			WHERE relid = '"Conversation"'::regclass`).Scan(&seq, &index); err != nil {
			t.Fatal(err)
		}
		return seq, index
	}
	seqBefore, indexBefore := scans()
	if _, err := tx.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
		t.Fatal(err)
	}
	seqScans, indexScans := scans()
	seqScans, indexScans = seqScans-seqBefore, indexScans-indexBefore
	if seqScans != 0 {
		t.Errorf("the refresh of two weeks of dirty groups scanned all of Conversation %d times (%d index scans)", seqScans, indexScans)
	}
	var weekSessions int
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum("totalSessions"), 0)::int FROM "FlowDailyStatistics"
		WHERE "assistantName" = 'bank' AND "flowName" = 'transfer_money' AND "date" >= '2024-10-27'`).Scan(&weekSessions); err != nil {
		t.Fatal(err)
	}
	if weekSessions != 7 {
		t.Errorf("FlowDailyStatistics counts %d sessions of transfer_money this week, want 7", weekSessions)
	}
}
