package tests

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/reference"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestTwoGroupsOnOnePartitionStoreEverythingOnce: two loaders pointed at the
// same topic by mistake, in different consumer groups (so each reads every
// partition), each with its own pool and store, write into one database. The
// offsets' compare-and-set lets one of them win each stretch of a partition;
// every event is stored once and the statistics equal recompute() and the
// reference.
func TestTwoGroupsOnOnePartitionStoreEverythingOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := setupOn(t, b.db, defaultAssistant)
	c := newClusterWith(t, 2)
	p := generate(t, trafficConfig(41, 5000))
	recs := p.records
	limits := loader.BatchLimits{MaxMessages: 120, MaxWait: 20 * time.Millisecond}
	produceRecords(t, c, recs[:len(recs)/3])
	one := b.startSource(t, c, sourceOptions{group: "team-a", limits: limits})
	two := other.startSource(t, c, sourceOptions{group: "team-b", limits: limits})
	produceSlowly(t, c, recs[len(recs)/3:], 100, 10*time.Millisecond)
	waitFor(t, 2*time.Minute, "every offset stored", func() bool {
		for _, s := range []*source{one, two} {
			if exited, err := s.exited(); exited {
				t.Fatalf("a loader stopped: %v\n%s", err, tail(s.logs.String(), 3000))
			}
		}
		return b.storedOffsets() >= p.endOffsets()
	})
	for _, s := range []*source{one, two} {
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	}
	t1, t2 := one.loader.Totals(), two.loader.Totals()
	conflicts := one.logs.count("stored offsets moved") + two.logs.count("stored offsets moved")
	t.Logf("messages written: %d and %d (of %d); offset conflicts that made a loader re-read: %d", t1.Messages, t2.Messages, len(recs), conflicts)
	if t1.Messages+t2.Messages < int64(len(recs)) {
		t.Errorf("the loaders wrote %d messages together, fewer than the %d produced", t1.Messages+t2.Messages, len(recs))
	}
	b.finish(t, p)
}

// TestRecomputeWhileIngesting runs analytics.recompute() and
// refresh_statistics() over and over, from other sessions, while the loader
// ingests (with its own refresher); the end state equals recompute() and the
// reference.
func TestRecomputeWhileIngesting(t *testing.T) {
	t.Parallel()
	b := setupFault(t)
	c := newClusterWith(t, 3)
	p := generate(t, trafficConfig(42, 5000))
	recs := p.records
	produceRecords(t, c, recs[:len(recs)/4])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 150, MaxWait: 20 * time.Millisecond},
		refreshInterval: 100 * time.Millisecond})
	var recomputes atomic.Int64
	var stops []func() error
	for _, sql := range []string{`SELECT analytics.recompute()`, `SELECT analytics.refresh_statistics(true)`} {
		stops = append(stops, repeatInBackground(t, noPause, func() error {
			_, err := b.pool.Exec(context.Background(), sql)
			recomputes.Add(1)
			return err
		}))
	}
	produceSlowly(t, c, recs[len(recs)/4:], 100, 15*time.Millisecond)
	b.waitStored(t, src, p.endOffsets(), 2*time.Minute)
	for _, stop := range stops {
		if err := stop(); err != nil {
			t.Fatalf("concurrent recompute: %v", err)
		}
	}
	if err := src.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d recomputes and refreshes ran during ingestion", recomputes.Load())
	b.finish(t, p)
}

// TestSettingsEditedDuringIngest edits AssistantSettings (escalation flows and
// actions, CSAT values, timezone) and SuccessCriteria of both assistants at
// random while the loader ingests with its refresher running; then sets a
// final configuration and streams the rest. The end state equals recompute()
// and the reference computed with the final settings.
func TestSettingsEditedDuringIngest(t *testing.T) {
	t.Parallel()
	b := setupFault(t)
	c := newClusterWith(t, 3)
	p := generate(t, trafficConfig(43, 5000))
	recs := p.records
	produceRecords(t, c, recs[:len(recs)/4])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 150, MaxWait: 20 * time.Millisecond},
		refreshInterval: 100 * time.Millisecond})

	timezones := []string{"UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"}
	flows := map[string][]string{"acme-bank": {"transfer_money", "check_balance", "block_card", "talk_to_agent"},
		"acme-insurance": {"file_claim", "get_quote", "cancel_policy", "check_claim_status"}}
	exec := func(sql string, args ...any) {
		if _, err := b.pool.Exec(context.Background(), sql, args...); err != nil {
			t.Errorf("%s: %v", sql, err) // not Fatal: this runs on another goroutine
		}
	}
	edit := func(rng *rand.Rand) {
		asst := []string{"acme-bank", "acme-insurance"}[rng.IntN(2)]
		f := flows[asst]
		switch rng.IntN(4) {
		case 0:
			exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone", "escalationActions", "escalationFlows")
				VALUES ($1, $2, $3, $4)
				ON CONFLICT ("assistantName") DO UPDATE SET "timezone" = excluded."timezone",
				  "escalationActions" = excluded."escalationActions", "escalationFlows" = excluded."escalationFlows"`,
				asst, timezones[rng.IntN(len(timezones))],
				[]string{"action_human_handoff", "action_listen"}[:1+rng.IntN(2)],
				[]string{"pattern_human_handoff", f[rng.IntN(len(f))]}[:1+rng.IntN(2)])
		case 1:
			exec(`INSERT INTO "AssistantSettings" ("assistantName", "csatSatisfiedValues", "csatUnsatisfiedValues")
				VALUES ($1, $2, $3)
				ON CONFLICT ("assistantName") DO UPDATE SET "csatSatisfiedValues" = excluded."csatSatisfiedValues",
				  "csatUnsatisfiedValues" = excluded."csatUnsatisfiedValues"`,
				asst, []string{"5", "4", "satisfied"}[:1+rng.IntN(3)], []string{"1", "2", "3"}[:1+rng.IntN(3)])
		case 2:
			exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows", "excludedFlows") VALUES ($1, $2, $3)
				ON CONFLICT ("assistantName") DO UPDATE SET "includedFlows" = excluded."includedFlows", "excludedFlows" = excluded."excludedFlows"`,
				asst, []string{f[rng.IntN(len(f))]}, []string{"pattern_human_handoff"}[:rng.IntN(2)])
		default:
			if rng.IntN(2) == 0 {
				exec(`DELETE FROM "SuccessCriteria" WHERE "assistantName" = $1`, asst)
			} else {
				exec(`DELETE FROM "AssistantSettings" WHERE "assistantName" = $1`, asst)
			}
		}
	}
	rng := rand.New(rand.NewPCG(43, 1))
	edits := 0
	stopEditing := repeatInBackground(t, func() time.Duration { return time.Duration(20+rng.IntN(60)) * time.Millisecond },
		func() error { edit(rng); edits++; return nil })
	half := len(recs) / 4 * 3
	produceSlowly(t, c, recs[len(recs)/4:half], 100, 15*time.Millisecond)
	_ = stopEditing()

	// The final configuration, then the rest of the stream.
	b.exec(`DELETE FROM "AssistantSettings" WHERE "assistantName" <> '*'`)
	b.exec(`DELETE FROM "SuccessCriteria"`)
	b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone", "escalationActions", "csatSatisfiedValues", "csatUnsatisfiedValues")
		VALUES ('acme-bank', 'Asia/Kolkata', '{action_human_handoff,action_check_balance}', '{5,4}', '{1,2,3}')`)
	b.exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows", "excludedFlows")
		VALUES ('acme-insurance', '{file_claim}', '{pattern_human_handoff}')`)
	produceSlowly(t, c, recs[half:], 100, 15*time.Millisecond)
	b.waitStored(t, src, p.endOffsets(), 2*time.Minute)
	if err := src.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d settings and criteria edits during ingestion", edits)

	bank := reference.DefaultSettings()
	bank.Timezone = "Asia/Kolkata"
	bank.EscalationActions = []string{"action_human_handoff", "action_check_balance"}
	bank.Satisfied, bank.Unsatisfied = []string{"5", "4"}, []string{"1", "2", "3"}
	want := reference.Compute(p.values(), reference.Options{DefaultAssistant: defaultAssistant,
		Settings: map[string]reference.Settings{"acme-bank": bank},
		Criteria: map[string]reference.Criteria{"acme-insurance": {Included: []string{"file_claim"}, Excluded: []string{"pattern_human_handoff"}}}})
	checkExactlyOnce(t, b, p, want)
	b.refresh()
	compareWithReference(t, b, want)
	checkStatsEqualRecompute(t, b)
	if !strings.Contains(strings.Join(b.strings(`SELECT DISTINCT "assistantName" FROM "VersionDailyStatistics" WHERE "successCriteriaId" IS NOT NULL`), ","), "acme-insurance") {
		t.Error("acme-insurance's statistics do not name its success criteria")
	}
}

// TestOffsetConflictKeepsStreamOrder: when a batch loses the offsets'
// compare-and-set (another loader stored the partition meanwhile), the
// loader re-reads the partition from the stored offset; messages it had
// already polled from the old position must not be written with the new
// expected offset, or the partition's messages are stored out of stream
// order (and the stored offset can move backwards). Deterministic: a lock
// holds the first batch while more messages are polled, then "another
// loader" stores offset 3.
func TestOffsetConflictKeepsStreamOrder(t *testing.T) {
	t.Parallel()
	b := setupFault(t)
	c := newClusterWith(t, 1)
	s := newScript("ordered", "bank", "m1", day("2024-11-04 10:00:00"))
	for i := 0; i < 8; i++ {
		s.startSession().user("hi", "rest").bot("hello")
	}
	msgs := s.msgs // 40 messages, a session every 5
	var recs []*kgo.Record
	for _, m := range msgs {
		recs = append(recs, &kgo.Record{Key: []byte("ordered"), Value: m})
	}
	lock, release := b.holdOffsetsLockTx(t)
	produceRecords(t, c, recs[:10])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 1000, MaxWait: 700 * time.Millisecond}})
	b.waitLoaderWaitsOnLock(t) // the first batch, offsets 0-9, waits on the lock
	produceRecords(t, c, recs[10:20])
	time.Sleep(100 * time.Millisecond) // polled into the next, still open batch
	// Another loader stored the partition up to offset 3 meanwhile.
	ctx := context.Background()
	if _, err := lock.Exec(ctx, `INSERT INTO "KafkaOffset" ("topic", "partition", "nextOffset", "consumerGroup") VALUES ($1, 0, 3, 'other')`, topic); err != nil {
		t.Fatal(err)
	}
	release()
	time.Sleep(100 * time.Millisecond)
	produceRecords(t, c, recs[20:21]) // wakes the poll loop, which handles the conflict
	produceRecords(t, c, recs[21:])
	b.waitStored(t, src, int64(len(recs)), time.Minute)
	if err := src.stop(); err != nil {
		t.Fatal(err)
	}
	var got []int64
	offsetOf := map[[16]byte]int64{}
	for _, r := range recs {
		offsetOf[eventID(r.Value)] = r.Offset
	}
	for _, id := range b.eventIDs() {
		got = append(got, offsetOf[id])
	}
	if !slices.IsSorted(got) {
		t.Errorf("offsets of the stored events in stream (sequence) order: %v; want increasing", got)
	}
	if len(got) != len(recs)-3 {
		t.Errorf("%d events stored, want %d (offsets 3 to %d)", len(got), len(recs)-3, len(recs)-1)
	}
	if got := b.storedOffsets(); got != int64(len(recs)) {
		t.Errorf("stored offset %d, want %d", got, len(recs))
	}
}
