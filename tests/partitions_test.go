package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/reference"
)

// TestLoaderCopiesIntoTheLeavesThatHoldTheRows: with a leaf per day for all
// days of a random stream but (in some seeds) one, batches of random sizes
// that cross midnights leave exactly the rows the reference computes; only
// the rows of the day without a leaf go through the partitioned table (a
// statement trigger on it counts them), into the default partition.
func TestLoaderCopiesIntoTheLeavesThatHoldTheRows(t *testing.T) {
	for seed := 1; seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			stream := randomStream(rng)
			b := setup(t)
			b.exec(`UPDATE analytics."EventPartitionSettings" SET "interval" = 'day'`)
			days := eventDays(stream)
			if len(days) < 2 {
				t.Fatalf("the stream spans %d days: no batch crosses a boundary", len(days))
			}
			gap := time.Time{}
			if seed > 1 {
				gap = days[rng.IntN(len(days))]
			}
			for _, d := range days {
				if !d.Equal(gap) {
					b.exec(`SELECT analytics.create_event_partition($1)`, d)
				}
			}
			countCopiesThroughParent(b)
			b.load(stream, 1+rng.IntN(5), 1+rng.IntN(40), 1+rng.IntN(300), 1+rng.IntN(3))

			compareWithReference(t, b, reference.Compute(stream, reference.Options{DefaultAssistant: defaultAssistant}))
			inDefault := one[int](b, `SELECT count(*)::int FROM "ConversationEvent_default"`)
			throughParent := one[int](b, `SELECT coalesce(sum(n), 0)::int FROM parent_copies`)
			onGap := one[int](b, `SELECT count(*)::int FROM "ConversationEvent" WHERE "timestamp" >= $1 AND "timestamp" < $1 + interval '1 day'`, gap)
			if throughParent != inDefault || inDefault != onGap {
				t.Errorf("%d rows went through the partitioned table, %d are in the default partition, %d are on the day without a leaf; want all equal",
					throughParent, inDefault, onGap)
			}
			if gap.IsZero() && inDefault != 0 {
				t.Errorf("%d rows in the default partition although every day has a leaf", inDefault)
			}
			if inLeaves := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`) - inDefault; inLeaves == 0 {
				t.Error("no row in a leaf")
			}
		})
	}
}

// TestLeafWithoutTheTriggerGetsItsRowsThroughTheParent: a leaf made by hand,
// without the insert trigger, is not COPYed into directly (the merge would
// not run): its rows go through the partitioned table, whose trigger fires,
// and the result equals the reference.
func TestLeafWithoutTheTriggerGetsItsRowsThroughTheParent(t *testing.T) {
	t.Parallel()
	stream := randomStream(rand.New(rand.NewPCG(5, 7)))
	b := setup(t)
	b.exec(`CREATE TABLE "ConversationEvent_by_hand" PARTITION OF "ConversationEvent"
	        FOR VALUES FROM ('2024-11-01') TO ('2024-12-01')`)
	countCopiesThroughParent(b)
	b.load(stream, 29)
	compareWithReference(t, b, reference.Compute(stream, reference.Options{DefaultAssistant: defaultAssistant}))
	inLeaf := one[int](b, `SELECT count(*)::int FROM "ConversationEvent_by_hand"`)
	if through := one[int](b, `SELECT coalesce(sum(n), 0)::int FROM parent_copies`); inLeaf == 0 || through != inLeaf {
		t.Errorf("%d rows in the leaf without the trigger, %d went through the partitioned table; want all of them", inLeaf, through)
	}
}

// TestDefaultPartitionRowsMoveIntoLeavesOfTheirOwn: events stored while no
// leaf held them wait in the default partition; maintenance gives them
// leaves of their own, moving them without firing a trigger (Conversation
// and the statistics stay as they were, updatedAt included), each leaf with
// the insert trigger, after which ingestion goes on into those leaves and
// the result still equals the reference.
func TestDefaultPartitionRowsMoveIntoLeavesOfTheirOwn(t *testing.T) {
	t.Parallel()
	stream := randomStream(rand.New(rand.NewPCG(4, 7)))
	half := len(stream) / 2
	b := setup(t)
	b.exec(`UPDATE analytics."EventPartitionSettings" SET "interval" = 'day'`)
	b.load(stream[:half], 50)
	stored := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`)
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent_default"`); n != stored || n == 0 {
		t.Fatalf("%d of %d events in the default partition before any leaf exists", n, stored)
	}
	before := tablesSnapshot(b)

	made := one[int](b, `SELECT analytics.ensure_event_partitions('2024-11-04', '2024-11-05')`)
	if want := len(eventDays(stream[:half])); made < want {
		t.Errorf("%d leaves made, want at least one for each of the %d days with events", made, want)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent_default"`); n != 0 {
		t.Errorf("%d events left in the default partition", n)
	}
	if after := tablesSnapshot(b); !slices.Equal(after, before) {
		t.Errorf("moving the events changed the tables: first difference %s", firstDifference(after, before))
	}
	checkEveryLeafHasTheInsertTrigger(t, b)

	countCopiesThroughParent(b)
	b.load(stream[half:], 37)
	compareWithReference(t, b, reference.Compute(stream, reference.Options{DefaultAssistant: defaultAssistant}))
	if n := one[int](b, `SELECT coalesce(sum(n), 0)::int FROM parent_copies`); n != one[int](b, `SELECT count(*)::int FROM "ConversationEvent_default"`) {
		t.Errorf("%d rows went through the partitioned table, not all into the default partition", n)
	}
}

// TestPartitionMaintenance: maintenance makes the leaves of the current
// interval and intervalsAhead more, and nothing on a second run; one run at
// a time (a second returns at once); it gives up with lock_not_available
// rather than wait behind a reader; with keepEvents set it drops the leaves
// older than that and records them; a running loader's refresher runs it.
func TestPartitionMaintenance(t *testing.T) {
	t.Parallel()
	b := setupWith(t, loader.Config{RefreshInterval: 200 * time.Millisecond})
	ctx := context.Background()
	maintain := func() (created, dropped int) {
		t.Helper()
		if err := b.pool.QueryRow(ctx, `SELECT "created", "dropped" FROM analytics.maintain_event_partitions()`).Scan(&created, &dropped); err != nil {
			t.Fatal(err)
		}
		return created, dropped
	}
	if c, d := maintain(); c != 3 || d != 0 {
		t.Errorf("first run created %d and dropped %d leaves, want 3 and 0 (this week and two ahead)", c, d)
	}
	if !one[bool](b, `SELECT min("from") = date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
	                      AND max("to") >= now() + interval '2 weeks' AND bool_and("to" - "from" = interval '7 days')
	                  FROM analytics.event_partitions()`) {
		t.Errorf("leaves %v are not this week's and two ahead", b.strings(`SELECT "partition" FROM analytics.event_partitions()`))
	}
	if c, d := maintain(); c != 0 || d != 0 {
		t.Errorf("second run created %d and dropped %d leaves, want none", c, d)
	}
	checkEveryLeafHasTheInsertTrigger(t, b)

	// One at a time: a run that finds another under way returns at once,
	// having done nothing (here: the two more leaves intervalsAhead 4 asks for).
	b.exec(`UPDATE analytics."EventPartitionSettings" SET "intervalsAhead" = 4`)
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM analytics."EventPartitionSettings" FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if c, d := maintain(); c != 0 || d != 0 || time.Since(start) > 5*time.Second {
		t.Errorf("a run beside another created %d and dropped %d leaves in %s, want nothing at once", c, d, time.Since(start))
	}
	_ = tx.Rollback(ctx)

	// A reader holding the table keeps maintenance from attaching leaves: it
	// gives up after a second instead of queueing writers behind it.
	reader, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Exec(ctx, `LOCK TABLE "ConversationEvent" IN ACCESS SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	_, err = b.pool.Exec(ctx, `SELECT * FROM analytics.maintain_event_partitions()`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" || time.Since(start) > 10*time.Second {
		t.Errorf("maintenance behind a reader: %v after %s, want lock_not_available (55P03) within a few seconds", err, time.Since(start))
	}
	_ = reader.Rollback(ctx)
	if c, _ := maintain(); c != 2 {
		t.Errorf("after the reader left, %d leaves made, want the two more intervalsAhead asks for", c)
	}

	// Retention, when keepEvents is set.
	old := one[string](b, `SELECT analytics.create_event_partition(now() - interval '200 days')`)
	b.exec(`UPDATE analytics."EventPartitionSettings" SET "keepEvents" = '90 days'`)
	if _, d := maintain(); d != 1 {
		t.Errorf("maintenance with keepEvents 90 days dropped %d leaves, want 1 (%s)", d, old)
	}
	if got := b.strings(`SELECT "partition" FROM analytics."DroppedEventRange"`); !slices.Equal(got, []string{old}) {
		t.Errorf("dropped ranges %v, want [%s]", got, old)
	}

	// A running loader's refresher maintains the partitions.
	b2 := setupWith(t, loader.Config{RefreshInterval: 200 * time.Millisecond})
	c := newCluster(t, 1)
	b2.consume(t, c, "maintenance", loader.BatchLimits{MaxMessages: 10, MaxWait: 50 * time.Millisecond})
	deadline := time.Now().Add(30 * time.Second)
	for one[int](b2, `SELECT count(*)::int FROM analytics.event_partitions()`) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("a running loader made no leaves within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPartitioningMigrationKeepsAFilledDatabase: a database filled before
// ConversationEvent was partitioned (rolled back to then, with its rows) is
// migrated: every event, conversation and statistics row is as it was
// (updatedAt included: no trigger fired), each week with events has its
// leaf with the insert trigger, the triggers, views and a BI role's grant
// carry over, and ingestion goes on to the reference's result.
func TestPartitioningMigrationKeepsAFilledDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 7))
	earlier := newScript("a-week-before", "bank", "m1", day("2024-10-21 09:00:00")).startSession().user("hi", "rest").bot("hello")
	stream := append(append(randomStream(rng), sampleMessages(t)...), earlier.msgs...)
	later := newScript("after-migration", "bank", "m1", day("2024-12-02 09:00:00")).startSession().user("hi", "rest").bot("hello")
	b := setup(t)
	b.load(stream, 1+rng.IntN(200))
	bi := readOnlyConn(t, b)

	for range migrationsSince(t, "20261202013400") {
		if err := db.Rollback(ctx, b.db.URL, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if kind := one[string](b, `SELECT relkind::text FROM pg_class WHERE oid = 'public."ConversationEvent"'::regclass`); kind != "r" {
		t.Fatalf("rolled back, ConversationEvent has relkind %s, want an ordinary table (r)", kind)
	}
	before := tablesSnapshot(b)
	sessions := b.strings(`SELECT concat_ws('|', "id", "numberOfEvents") FROM "Sessions" ORDER BY 1`)

	if err := db.Migrate(ctx, b.db.URL, io.Discard); err != nil {
		t.Fatal(err)
	}
	if kind := one[string](b, `SELECT relkind::text FROM pg_class WHERE oid = 'public."ConversationEvent"'::regclass`); kind != "p" {
		t.Fatalf("migrated, ConversationEvent has relkind %s, want a partitioned table (p)", kind)
	}
	if after := tablesSnapshot(b); !slices.Equal(after, before) {
		t.Errorf("the migration changed rows: %d vs %d, first difference %s", len(after), len(before), firstDifference(after, before))
	}
	if got := b.strings(`SELECT concat_ws('|', "id", "numberOfEvents") FROM "Sessions" ORDER BY 1`); !slices.Equal(got, sessions) {
		t.Errorf("Sessions differs after the migration: %s", firstDifference(got, sessions))
	}
	weeks := b.strings(`SELECT DISTINCT 'ConversationEvent_p' || to_char(date_trunc('week', "timestamp" AT TIME ZONE 'UTC'), 'YYYYMMDD')
	                    FROM "ConversationEvent" ORDER BY 1`)
	if leaves := b.strings(`SELECT "partition" FROM analytics.event_partitions()`); !slices.Equal(leaves, weeks) || len(weeks) < 2 {
		t.Errorf("leaves %v, want one per week with events %v", leaves, weeks)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent_default"`); n != 0 {
		t.Errorf("%d events in the default partition", n)
	}
	checkEveryLeafHasTheInsertTrigger(t, b)
	if got := b.strings(`SELECT tgname::text || ' ' || tgenabled::text FROM pg_trigger
	                      WHERE tgrelid = 'public."ConversationEvent"'::regclass AND NOT tgisinternal ORDER BY 1`); !slices.Equal(got,
		[]string{"conversation_event_after_delete O", "conversation_event_after_insert A", "conversation_event_after_update O"}) {
		t.Errorf("triggers of ConversationEvent: %v", got)
	}
	var n int
	if err := bi.QueryRow(ctx, `SELECT count(*)::int FROM "ConversationEvent"`).Scan(&n); err != nil || n == 0 {
		t.Errorf("the BI role reads %d events after the migration: %v", n, err)
	}

	b.exec(`SELECT analytics.ensure_event_partitions('2024-12-02', '2024-12-03')`)
	b.load(later.msgs, 2)
	compareWithReference(t, b, reference.Compute(append(stream, later.msgs...), reference.Options{DefaultAssistant: defaultAssistant}))
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent_p20241202"`); n != len(later.msgs) {
		t.Errorf("%d events in the leaf of the week of 2024-12-02, want the %d loaded after the migration", n, len(later.msgs))
	}
}

// TestRetentionKeepsConversationsAndStatistics: dropping the leaves before a
// day leaves every Conversation and statistics row exactly as it was, and a
// refresh, a recompute of the kept days and a settings change keep the
// sessions whose events went as they are; recompute refuses the days whose
// events are gone (SQLSTATE 55000, in SQL and in the CLI) and, without
// --from, starts after them.
func TestRetentionKeepsConversationsAndStatistics(t *testing.T) {
	t.Parallel()
	stream := randomStream(rand.New(rand.NewPCG(3, 7)))
	b := setup(t)
	b.exec(`UPDATE analytics."EventPartitionSettings" SET "interval" = 'day'`)
	b.exec(`SELECT analytics.ensure_event_partitions('2024-11-04', '2024-11-10')`)
	b.load(stream, 23)
	cutoff := day("2024-11-05 00:00:00")
	early := one[int](b, `SELECT count(*)::int FROM "ConversationEvent" WHERE "timestamp" < $1`, cutoff)
	kept := one[int](b, `SELECT count(*)::int FROM "ConversationEvent" WHERE "timestamp" >= $1`, cutoff)
	frozen := one[int](b, `SELECT count(*)::int FROM "Conversation" WHERE "startDate" < $1`, cutoff)
	if early == 0 || kept == 0 || frozen == 0 || frozen == one[int](b, `SELECT count(*)::int FROM "Conversation"`) {
		t.Fatalf("%d events before the cutoff, %d after, %d of the conversations started before it: the test proves nothing", early, kept, frozen)
	}
	before := derivedSnapshot(b)

	type dropped struct {
		Partition string
		From, To  time.Time
		Events    int
	}
	got := all(b, pgx.RowToStructByPos[dropped], `SELECT * FROM analytics.drop_event_partitions($1)`, cutoff)
	if len(got) != 1 || got[0].Partition != "ConversationEvent_p20241104" || got[0].Events != early || !got[0].To.Equal(cutoff) {
		t.Errorf("dropped %+v, want ConversationEvent_p20241104 with %d events", got, early)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`); n != kept {
		t.Errorf("%d events left, want the %d after the cutoff", n, kept)
	}
	if !one[bool](b, `SELECT analytics.events_dropped_before() = $1`, cutoff) {
		t.Error("events_dropped_before() is not the cutoff")
	}
	if after := derivedSnapshot(b); !slices.Equal(after, before) {
		t.Errorf("retention changed rows: first difference %s", firstDifference(after, before))
	}
	b.refresh()
	if after := derivedSnapshot(b); !slices.Equal(after, before) {
		t.Errorf("a refresh after retention changed rows: first difference %s", firstDifference(after, before))
	}

	// recompute: the days of sessions that started before the cutoff are refused...
	firstKept := one[time.Time](b, `SELECT analytics.recompute_from(NULL, NULL)`)
	if firstKept.Before(cutoff) {
		t.Errorf("first day recompute may rebuild: %s, before the cutoff %s", firstKept, cutoff)
	}
	for _, args := range [][2]any{{"2024-11-04", nil}, {nil, "2024-11-04"}, {firstKept.AddDate(0, 0, -1), nil}} {
		_, err := b.pool.Exec(context.Background(), `SELECT analytics.recompute($1::date, $2::date)`, args[0], args[1])
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55000" || !strings.Contains(pgErr.Message, "retention dropped the events") {
			t.Errorf("recompute(%v, %v): %v, want object_not_in_prerequisite_state (55000)", args[0], args[1], err)
		}
	}
	out := runCLIFailing(t, b, "recompute", "--from", "2024-11-04")
	if !strings.Contains(out, "cannot recompute days before "+firstKept.Format(time.DateOnly)) || !strings.Contains(out, "Recompute from") {
		t.Errorf("recompute --from 2024-11-04 printed %q", out)
	}
	// ...and without a start, it starts after them, and changes nothing.
	b.exec(`SELECT analytics.recompute($1::date, NULL)`, firstKept)
	if out := runCLI(t, b, "recompute"); !strings.Contains(out, "recomputing from "+firstKept.Format(time.DateOnly)) {
		t.Errorf("recompute printed %q", out)
	}
	b.exec(`SELECT analytics.recompute()`)
	if after := derivedSnapshot(b); !slices.Equal(after, before) {
		t.Errorf("recompute of the kept days changed rows: first difference %s", firstDifference(after, before))
	}

	// A settings change rebuilds the assistant's sessions, but those whose
	// events are gone stay as they were.
	frozenRows := b.strings(`SELECT to_jsonb(c)::text FROM "Conversation" AS c WHERE "startDate" < $1 ORDER BY "id"`, cutoff)
	b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone") VALUES ('bank', 'Asia/Tokyo'), ('insurance', 'Asia/Tokyo')`)
	b.refresh()
	if got := b.strings(`SELECT to_jsonb(c)::text FROM "Conversation" AS c WHERE "startDate" < $1 ORDER BY "id"`, cutoff); !slices.Equal(got, frozenRows) {
		t.Errorf("a settings change rebuilt sessions whose events retention dropped: %s", firstDifference(got, frozenRows))
	}
}

// TestRetentionCommand: `analyticsdb retention --keep-events 90d` drops the
// leaves that hold only events older than 90 days and says what it dropped;
// --save makes it the maintenance's setting; less than a day is refused.
func TestRetentionCommand(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.exec(`UPDATE analytics."EventPartitionSettings" SET "interval" = 'day'`)
	now := time.Now().UTC()
	old := newScript("old", "bank", "m1", now.AddDate(0, 0, -100)).startSession().user("hi", "rest").bot("hello")
	recent := newScript("recent", "bank", "m1", now.AddDate(0, 0, -10)).startSession().user("hi", "rest").bot("hello")
	b.exec(`SELECT analytics.create_event_partition($1)`, now.AddDate(0, 0, -100))
	b.exec(`SELECT analytics.create_event_partition($1)`, now.AddDate(0, 0, -10))
	b.load(concat(old, recent), 3)
	conversations := b.strings(`SELECT to_jsonb(c)::text FROM "Conversation" AS c ORDER BY "id"`)

	out := runCLI(t, b, "retention", "--keep-events", "90d", "--save")
	leaf := "ConversationEvent_p" + now.AddDate(0, 0, -100).Format("20060102")
	if want := fmt.Sprintf("dropped %s: %s to %s, %d events", leaf, now.AddDate(0, 0, -100).Format(time.DateOnly),
		now.AddDate(0, 0, -99).Format(time.DateOnly), len(old.msgs)); !strings.Contains(out, want) {
		t.Errorf("retention printed %q, want %q", out, want)
	}
	if !strings.Contains(out, fmt.Sprintf("dropped 1 partitions, %d events older than 90d", len(old.msgs))) {
		t.Errorf("retention printed %q", out)
	}
	if got := b.strings(`SELECT "senderId" FROM "ConversationEvent" GROUP BY 1`); !slices.Equal(got, []string{"recent"}) {
		t.Errorf("events left of senders %v, want [recent]", got)
	}
	if got := b.strings(`SELECT to_jsonb(c)::text FROM "Conversation" AS c ORDER BY "id"`); !slices.Equal(got, conversations) {
		t.Errorf("retention changed conversations: %s", firstDifference(got, conversations))
	}
	if got := one[string](b, `SELECT "keepEvents"::text FROM analytics."EventPartitionSettings"`); got != "90 days" {
		t.Errorf("keepEvents %s after --save, want 90 days", got)
	}
	if out := runCLI(t, b, "retention", "--keep-events", "90d"); !strings.Contains(out, "dropped 0 partitions, 0 events") {
		t.Errorf("a second run printed %q", out)
	}
	if out := runCLIFailing(t, b, "retention", "--keep-events", "2h"); !strings.Contains(out, "retention keeps at least the last day") {
		t.Errorf("retention --keep-events 2h printed %q", out)
	}
	// status estimates a partitioned table's rows from its leaves, an
	// ordinary table's from itself
	b.exec(`ANALYZE`)
	out = runCLI(t, b, "status")
	for _, want := range []string{fmt.Sprintf(" ConversationEvent %d;", len(recent.msgs)), " Conversation 2;"} {
		if !strings.Contains(out, want) {
			t.Errorf("status printed %q, want %q", out, want)
		}
	}
}

// eventDays are the UTC days the messages' timestamps fall on, in order.
func eventDays(msgs [][]byte) []time.Time {
	seen := map[time.Time]bool{}
	for _, m := range msgs {
		var ev struct {
			Timestamp float64 `json:"timestamp"`
		}
		if json.Unmarshal(m, &ev) != nil || ev.Timestamp == 0 {
			continue
		}
		seen[time.Unix(int64(ev.Timestamp), 0).UTC().Truncate(24*time.Hour)] = true
	}
	days := make([]time.Time, 0, len(seen))
	for d := range seen {
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	return days
}

// countCopiesThroughParent adds a statement trigger on the partitioned table
// that records the rows of each statement whose target it is (a statement
// trigger fires for the table a statement names, not for the leaves its rows
// are routed to, nor for a statement on a leaf).
func countCopiesThroughParent(b *bundle) {
	b.exec(`CREATE TABLE parent_copies (n integer)`)
	b.exec(`CREATE FUNCTION count_parent_copy() RETURNS trigger LANGUAGE plpgsql AS $$
	        BEGIN INSERT INTO parent_copies SELECT count(*) FROM new_rows; RETURN NULL; END $$`)
	b.exec(`CREATE TRIGGER count_parent_copy AFTER INSERT ON "ConversationEvent"
	        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_parent_copy()`)
	b.exec(`ALTER TABLE "ConversationEvent" ENABLE ALWAYS TRIGGER count_parent_copy`)
}

// checkEveryLeafHasTheInsertTrigger: every leaf carries the parent's insert
// trigger, firing always (the loader writes as a replica).
func checkEveryLeafHasTheInsertTrigger(t *testing.T, b *bundle) {
	t.Helper()
	missing := b.strings(`SELECT p."partition" FROM analytics.event_partitions() AS p
		WHERE NOT EXISTS (SELECT 1 FROM pg_trigger AS t
		                  WHERE t.tgrelid = format('public.%I', p."partition")::regclass
		                    AND t.tgname = 'conversation_event_after_insert' AND t.tgenabled = 'A'
		                    AND pg_get_triggerdef(t.oid) = replace(
		                      (SELECT pg_get_triggerdef(pt.oid) FROM pg_trigger AS pt
		                       WHERE pt.tgrelid = 'public."ConversationEvent"'::regclass AND pt.tgname = 'conversation_event_after_insert'),
		                      'public."ConversationEvent"', format('public.%I', p."partition")))`)
	if len(missing) > 0 {
		t.Errorf("leaves without the insert trigger: %v", missing)
	}
}

// tablesSnapshot is every row of ConversationEvent, Conversation and the
// daily statistics, every column.
func tablesSnapshot(b *bundle) []string {
	return rowsOf(b, `"ConversationEvent"`, `"Conversation"`, `"VersionDailyStatistics"`, `"FlowDailyStatistics"`)
}

// derivedSnapshot is tablesSnapshot without the events.
func derivedSnapshot(b *bundle) []string {
	return rowsOf(b, `"Conversation"`, `"VersionDailyStatistics"`, `"FlowDailyStatistics"`)
}

func rowsOf(b *bundle, tables ...string) []string {
	var out []string
	for _, table := range tables {
		for _, row := range b.strings(`SELECT to_jsonb(t)::text FROM ` + table + ` AS t ORDER BY 1`) {
			out = append(out, table+" "+row)
		}
	}
	return out
}
