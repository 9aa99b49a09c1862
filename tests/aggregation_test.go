package tests

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/tests/reference"
)

// Hand-computed fixtures, one per metric rule (docs/decisions.md, "Metrics"). Every expected
// number below was worked out from the SPEC by hand, not taken from the code.

func TestEscalationViaFlowAndAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := newScript("a", "bank", "m1", day("2024-11-04 10:00:00")).startSession().
		user("send money", "rest").bot("sure").flow("started", "transfer_money").
		user("a human please", "rest").flow("started", "pattern_human_handoff")
	escalationA := a.at.Add(-10 * time.Millisecond)
	a.action("action_handoff_metric").bot("no agent available")
	bb := newScript("b", "bank", "m1", day("2024-11-04 11:00:00")).startSession().
		user("balance", "rest").flow("started", "check_balance").flow("completed", "check_balance").
		action("action_human_handoff")
	escalationB := bb.at.Add(-10 * time.Millisecond)
	c := newScript("c", "bank", "m1", day("2024-11-04 12:00:00")).startSession().
		user("block my card", "rest").flow("started", "block_card").flow("completed", "block_card").bot("blocked")
	d := newScript("d", "bank", "m1", day("2024-11-04 13:00:00")).startSession().
		user("hello", "rest").event("pause", nil).event("session_paused", map[string]any{"reason": "Widget closed"})
	b.load(concat(a, bb, c, d), 7)

	convs := b.conversations()
	want := map[string]*time.Time{"a": &escalationA, "b": &escalationB, "c": nil, "d": nil}
	for _, conv := range convs {
		w := want[conv.SenderID]
		if (conv.EscalatedAt == nil) != (w == nil) || (w != nil && !conv.EscalatedAt.Equal(*w)) {
			t.Errorf("sender %s escalatedAt %v, want %v", conv.SenderID, conv.EscalatedAt, w)
		}
	}
	vds := b.versionStats()
	if len(vds) != 1 || vds[0].TotalSessions != 4 || vds[0].EscalatedCount != 2 || vds[0].AutomatedCount != 2 {
		t.Fatalf("VersionDailyStatistics %+v, want one row 4 sessions, 2 escalated, 2 automated", vds)
	}
	for flow, counts := range map[string][3]int{
		"transfer_money":        {1, 0, 1}, // active when the handoff started
		"pattern_human_handoff": {1, 0, 1}, // the escalation flow is active at its own start
		"check_balance":         {1, 1, 0}, // completed before the handoff action: completed without escalation
		"block_card":            {1, 1, 0},
	} {
		r, ok := b.flow("2024-11-04", "bank", flow)
		if !ok || [3]int{r.TotalSessions, r.AutomatedCount, r.EscalatedCount} != counts {
			t.Errorf("flow %s: %+v, want total/automated/escalated %v", flow, r, counts)
		}
	}
	if n := len(b.flowStats()); n != 4 {
		t.Errorf("%d flow rows, want 4", n)
	}
}

func TestCSATRating(t *testing.T) {
	t.Parallel()
	b := setup(t)
	start := day("2024-11-04 09:00:00")
	csat := func(sender string, steps func(s *script)) *script {
		s := newScript(sender, "bank", "m1", start).startSession().user("hi", "rest")
		steps(s)
		start = start.Add(time.Minute)
		return s
	}
	const flow, slot = "pattern_customer_satisfaction", "csat_score"
	scripts := []*script{
		csat("s1", func(s *script) { s.flow("started", flow) }),                           // asked, never answered
		csat("s2", func(s *script) { s.flow("started", flow).slot(slot, "satisfied") }),   // satisfied
		csat("s3", func(s *script) { s.slot(slot, "Thumbs_Down") }),                       // compared in lower case
		csat("s4", func(s *script) { s.slot(slot, json.Number("4.0")) }),                  // "4.0" is not "4"
		csat("s5", func(s *script) { s.slot(slot, 4) }),                                   // 4 is satisfied
		csat("s6", func(s *script) { s.slot(slot, "satisfied").slot(slot, nil) }),         // null is no signal
		csat("s7", func(s *script) { s.slot(slot, "unsatisfied").flow("started", flow) }), // the last signal wins
		csat("s8", func(s *script) {}),                                                    // no signal: NULL
		csat("s9", func(s *script) { s.slot(slot, "great") }),                             // any other value
		csat("s10", func(s *script) { s.slot(slot, true) }),                               // JSON true
		csat("s11", func(s *script) { s.slot("other_slot", "satisfied") }),                // not the CSAT slot
	}
	b.load(concat(scripts...), 1) // one event per batch: every rule must hold across batches
	want := map[string]any{"s1": "UNANSWERED", "s2": "SATISFIED", "s3": "UNSATISFIED", "s4": "UNANSWERED",
		"s5": "SATISFIED", "s6": "SATISFIED", "s7": "UNANSWERED", "s8": nil, "s9": "UNANSWERED",
		"s10": "SATISFIED", "s11": nil}
	for _, c := range b.conversations() {
		if fmt.Sprint(deref(c.CsatRating)) != fmt.Sprint(want[c.SenderID]) {
			t.Errorf("sender %s csatRating %v, want %v", c.SenderID, deref(c.CsatRating), want[c.SenderID])
		}
	}
	v := b.versionStats()
	if len(v) != 1 || v[0].CsatSatisfied != 4 || v[0].CsatUnsatisfied != 1 || v[0].CsatUnanswered != 4 {
		t.Errorf("csat counts %+v, want 4 satisfied, 1 unsatisfied, 4 unanswered", v)
	}
}

func TestCustomSuccessAndCriteriaChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := day("2024-11-04 09:00:00")
	s := func(sender string, flows ...string) *script {
		sc := newScript(sender, "bank", "m1", at).startSession().user("hi", "rest")
		for _, f := range flows {
			sc.flow("started", f)
		}
		at = at.Add(time.Minute)
		return sc
	}
	ins := newScript("i1", "insurance", "m9", day("2024-11-04 09:30:00")).startSession().user("hi", "rest").flow("started", "file_claim")
	b.exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows", "excludedFlows")
	        VALUES ('bank', '{transfer_money}', '{pattern_human_handoff}')`)
	b.load(concat(
		s("s1", "transfer_money"),                          // success
		s("s2", "transfer_money", "pattern_human_handoff"), // an excluded flow started
		s("s3", "check_balance"),                           // the included flow never started
		s("s4"),                                            // nothing started
		ins,
	), 4)
	counts := func() map[string]string {
		out := map[string]string{}
		for _, v := range b.versionStats() {
			out[v.AssistantName] = fmt.Sprintf("%v/%v/%v", deref(v.CustomSuccessCount), deref(v.CustomFailureCount), v.HasCriteria)
		}
		return out
	}
	if got := counts(); got["bank"] != "1/3/true" || got["insurance"] != "<nil>/<nil>/false" {
		t.Errorf("custom success/failure/criteria %v, want bank 1/3/true and insurance without criteria", got)
	}

	b.exec(`UPDATE "SuccessCriteria" SET "excludedFlows" = '{}' WHERE "assistantName" = 'bank'`)
	b.refresh()
	if got := counts(); got["bank"] != "2/2/true" {
		t.Errorf("after dropping the excluded flow: %v, want bank 2/2/true", got)
	}
	b.exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows") VALUES ('insurance', '{file_claim}')`)
	b.exec(`DELETE FROM "SuccessCriteria" WHERE "assistantName" = 'bank'`)
	b.refresh()
	if got := counts(); got["bank"] != "<nil>/<nil>/false" || got["insurance"] != "1/0/true" {
		t.Errorf("after moving criteria: %v, want bank none and insurance 1/0/true", got)
	}
}

func TestSessionsCountOnTheDayTheyStartInTheAssistantsTimezone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	late := newScript("late", "bank", "m1", day("2024-11-04 23:59:50")).startSession()
	late.at = day("2024-11-04 23:59:55")
	late.user("still up?", "rest")
	late.at = day("2024-11-05 00:00:02")
	late.bot("always") // the reply is on the 5th, 7 s later
	early := newScript("early", "bank", "m1", day("2024-11-05 03:00:00")).startSession().user("morning", "rest")
	b.load(concat(late, early), 2)
	byDay := func() map[string]int {
		out := map[string]int{}
		for _, v := range b.versionStats() {
			out[v.Date] += v.TotalSessions
		}
		return out
	}
	if got := byDay(); got["2024-11-04"] != 1 || got["2024-11-05"] != 1 {
		t.Errorf("sessions per day in UTC %v, want one on each of 11-04 and 11-05", got)
	}
	v := b.versionStats()[0]
	if v.Date != "2024-11-04" || v.AverageLatencyMs == nil || *v.AverageLatencyMs != 7000 {
		t.Errorf("the midnight session's latency counts on its start day: %+v", v)
	}

	// New York is UTC-5 after 2024-11-03: 03:00 UTC on the 5th is 22:00 on the 4th.
	b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone") VALUES ('bank', 'America/New_York')`)
	b.refresh()
	if got := byDay(); len(got) != 1 || got["2024-11-04"] != 2 {
		t.Errorf("sessions per day in New York %v, want both on 11-04 and no row for 11-05", got)
	}
}

func TestTwoAssistantsSharingAVersionString(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bank := newScript("u1", "bank", "m1", day("2024-11-04 10:00:00"))
	bank.meta["model_name"] = "20241101-shared"
	ins := newScript("u2", "insurance", "m2", day("2024-11-04 10:05:00"))
	ins.meta["model_name"] = "20241101-shared"
	bank.startSession().user("hi", "rest")
	ins.startSession().user("hi", "rest").flow("started", "pattern_human_handoff")
	b.load(concat(bank, ins))
	v := b.versionStats()
	if len(v) != 2 || v[0].AssistantName != "bank" || v[1].AssistantName != "insurance" ||
		v[0].Version != "20241101-shared" || v[1].Version != "20241101-shared" ||
		v[0].EscalatedCount != 0 || v[1].EscalatedCount != 1 {
		t.Errorf("rows %+v, want one per assistant with the shared version", v)
	}
}

func TestSessionOpeningRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newScript("x", "bank", "m1", day("2024-11-04 08:00:00")).
		user("hello?", "rest").bot("hi") // before any session start: an implicit session
	implicitStart := day("2024-11-04 08:00:00")
	s.wait(time.Hour)
	second := s.at
	s.startSession().user("one", "rest") // action_session_start + session_started: one session
	s.wait(time.Hour)
	third := s.at
	s.event("session_started", nil).user("two", "rest") // session_started alone opens one too
	s.wait(time.Hour)
	fourth := s.at
	s.startSession().user("three", "rest").event("session_ended", map[string]any{"metadata": map[string]any{"_reason": "user"}})
	b.load(s.msgs, 3)
	convs := b.conversations()
	var starts []time.Time
	for _, c := range convs {
		starts = append(starts, c.StartDate)
	}
	want := []time.Time{implicitStart, second, third, fourth}
	if !slices.EqualFunc(starts, want, time.Time.Equal) {
		t.Fatalf("session starts %v, want %v", starts, want)
	}
	wantEvents := []int{2, 4, 2, 5}
	for i, c := range convs {
		if c.Events != wantEvents[i] || c.TotalNumberOfUserMessages != 1 {
			t.Errorf("session %d has %d events and %d user messages, want %d and 1", i, c.Events, c.TotalNumberOfUserMessages, wantEvents[i])
		}
		if c.Ingested != (i == 3) {
			t.Errorf("session %d ingested %v", i, c.Ingested)
		}
	}
	if v := b.versionStats(); len(v) != 1 || v[0].TotalSessions != 4 {
		t.Errorf("VersionDailyStatistics %+v, want 4 sessions, the implicit one included", v)
	}
}

func TestLatencyMessagesAndChannel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	t0 := day("2024-11-04 10:00:00")
	s := newScript("lat", "bank", "m1", t0).startSession()
	// The channel's session-start trigger: not a message, but it names the channel.
	s.event("user", map[string]any{"text": "/session_start", "input_channel": "socketio",
		"parse_data": map[string]any{"commands": []any{map[string]any{"command": "session start"}}}})
	s.at = t0.Add(time.Minute)
	s.user("first", "rest")
	s.at = t0.Add(time.Minute + time.Second)
	s.user("second", "rest")
	s.at = t0.Add(time.Minute + 3*time.Second)
	s.bot("answer to both") // samples 3000 and 2000
	s.bot("and more")
	s.at = t0.Add(2 * time.Minute)
	s.event("user", map[string]any{"text": "EXTERNAL: reminder", "input_channel": "rest",
		"metadata": map[string]any{"is_external": true}}) // external: neither a message nor a sample
	s.at = t0.Add(3 * time.Minute)
	s.user("third", "rest")
	s.at = t0.Add(3 * time.Minute) // a bot at the same instant: 0 ms
	s.bot("instant")
	s.at = t0.Add(4 * time.Minute)
	s.user("fourth", "rest")
	s.at = t0.Add(4*time.Minute + 5*time.Second)
	s.bot("five seconds later") // written in a later batch than the message
	s.at = t0.Add(5 * time.Minute)
	s.user("never answered", "rest")
	b.load(s.msgs, len(s.msgs)-2, 2)

	c := b.conversations()[0]
	if c.ChannelName != "socketio" || c.TotalNumberOfUserMessages != 5 {
		t.Errorf("channel %q, %d user messages; want socketio (the trigger's) and 5", c.ChannelName, c.TotalNumberOfUserMessages)
	}
	if want := []float64{3000, 2000, 0, 5000}; !slices.Equal(c.LatencySamplesMs, want) {
		t.Errorf("latency samples %v, want %v", c.LatencySamplesMs, want)
	}
	v := b.versionStats()[0]
	// samples sorted: 0 2000 3000 5000; percentile_cont at q*(n-1)
	for name, got := range map[string]*float64{"avg": v.AverageLatencyMs, "p50": v.P50, "p95": v.P95, "p99": v.P99} {
		want := map[string]float64{"avg": 2500, "p50": 2500, "p95": 4700, "p99": 4940}[name]
		if got == nil || math.Abs(*got-want) > 1e-9*want {
			t.Errorf("%s latency %v, want %v", name, deref(got), want)
		}
	}
	if v.ChannelName != "socketio" {
		t.Errorf("statistics channel %q", v.ChannelName)
	}
}

func TestFlowsActiveAtEscalation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newScript("f", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").
		flow("started", "a").
		flow("started", "b").flow("interrupted", "a"). // interrupted: a stays active
		flow("completed", "b").
		flow("started", "c").flow("cancelled", "c").                      // cancelled before the escalation
		flow("started", "d").flow("completed", "d").flow("started", "d"). // started again: active, counted once
		action("action_human_handoff").
		flow("started", "e") // after the escalation
	b.load(s.msgs, 2)
	want := map[string][3]int{
		// b completed before the escalation: automated (SPEC revision of 2026-12-01)
		"a": {1, 0, 1}, "b": {1, 1, 0}, "c": {1, 0, 0}, "d": {1, 0, 1}, "e": {1, 0, 0},
	}
	for flow, w := range want {
		r, ok := b.flow("2024-11-04", "bank", flow)
		if !ok || [3]int{r.TotalSessions, r.AutomatedCount, r.EscalatedCount} != w {
			t.Errorf("flow %s %+v, want total/automated/escalated %v", flow, r, w)
		}
	}
}

func TestStatisticsRowsKeepCreatedAtAndMoveUpdatedAtOnlyOnChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newScript("m", "bank", "m1", day("2024-11-04 10:00:00")).startSession() // no user message yet: channel unknown
	other := newScript("o", "bank", "m1", day("2024-11-04 11:00:00")).startSession().user("hi", "slack")
	b.load(concat(s, other))
	before := b.versionStats()
	if len(before) != 2 || before[1].ChannelName != "unknown" {
		t.Fatalf("rows %+v, want slack and unknown", before)
	}
	// More events that change no statistic: no row is rewritten.
	b.load(newScript("o", "bank", "m1", day("2024-11-04 11:05:00")).event("stack", map[string]any{"update": "[]"}).msgs)
	if after := b.versionStats(); after[0].UpdatedAt != before[0].UpdatedAt || after[1].UpdatedAt != before[1].UpdatedAt {
		t.Errorf("updatedAt moved without a change: %v -> %v", before, after)
	}
	// The first session's first user message names its channel: it moves from
	// the unknown group, whose row goes, to rest.
	b.load(newScript("m", "bank", "m1", day("2024-11-04 10:10:00")).user("late hello", "rest").msgs)
	after := b.versionStats()
	channels := []string{}
	for _, v := range after {
		channels = append(channels, v.ChannelName)
	}
	if !slices.Equal(channels, []string{"rest", "slack"}) {
		t.Fatalf("channels %v, want rest and slack (unknown deleted)", channels)
	}
	if after[1].CreatedAt != before[0].CreatedAt || after[1].UpdatedAt != before[0].UpdatedAt {
		t.Errorf("untouched slack row changed: %+v -> %+v", before[0], after[1])
	}
}

func TestReviewStateBelongsToReviewers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(newScript("r", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").msgs)
	id := b.conversations()[0].ID
	if !one[bool](b, `SELECT analytics.review_conversation($1, 'REVIEWED')`, id) {
		t.Fatal("review_conversation found no conversation")
	}
	b.load(newScript("r", "bank", "m1", day("2024-11-04 10:05:00")).user("more", "rest").bot("ok").msgs)
	b.exec(`SELECT analytics.recompute()`)
	c := b.conversations()[0]
	if c.ReviewState != "REVIEWED" || c.TotalNumberOfUserMessages != 2 {
		t.Errorf("reviewState %s with %d messages, want REVIEWED kept through ingestion and recompute", c.ReviewState, c.TotalNumberOfUserMessages)
	}
	if !one[bool](b, `SELECT "lastReviewedAt" IS NOT NULL FROM "Conversation"`) {
		t.Error("lastReviewedAt not set")
	}
}

func TestSettingsChangeRecomputesTheAssistant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(newScript("h", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("agent", "rest").
		action("action_talk_to_human").msgs)
	if v := b.versionStats()[0]; v.EscalatedCount != 0 {
		t.Fatalf("escalated %d before the setting", v.EscalatedCount)
	}
	b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "escalationActions") VALUES ('bank', '{action_talk_to_human}')`)
	b.refresh()
	if v := b.versionStats()[0]; v.EscalatedCount != 1 {
		t.Errorf("escalated %d after adding the action, want 1", v.EscalatedCount)
	}
	b.exec(`UPDATE "AssistantSettings" SET "escalationActions" = NULL WHERE "assistantName" = 'bank'`)
	b.refresh()
	if v := b.versionStats()[0]; v.EscalatedCount != 0 {
		t.Errorf("escalated %d back on the defaults, want 0", v.EscalatedCount)
	}
}

func TestExactDuplicatesAreStoredOnceBeforeSessionsAreDerived(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newScript("dup", "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest")
	msgs := s.msgs
	// A producer retry of action_session_start right after it, and a replay of
	// the whole conversation in a later batch: neither opens a session.
	withRetry := append([][]byte{msgs[0], msgs[0]}, msgs[1:]...)
	b.load(withRetry)
	b.load(msgs)
	convs := b.conversations()
	if len(convs) != 1 || convs[0].Events != len(msgs) {
		t.Fatalf("%d conversations (%+v), want one with %d events", len(convs), convs, len(msgs))
	}
}

// TestIdentifiersComeFromTheFirstEventCarryingOne: an identifier field whose
// first value in a session is no identifier (a number, an empty string,
// true) counts as absent, and the session takes the first one that is, in
// the same batch or a later one.
func TestIdentifiersComeFromTheFirstEventCarryingOne(t *testing.T) {
	t.Parallel()
	s := newScript("ids", "bank", "m1", day("2024-11-04 10:00:00"))
	s.meta = map[string]any{"assistant_id": 42, "model_name": "", "model_id": true}
	s.event("user", map[string]any{"text": "hi", "input_channel": 7, "user_id": ""})
	s.bot("hello")
	s.meta = map[string]any{"assistant_id": "", "model_name": 1.5}
	s.event("user", map[string]any{"text": "still there?", "input_channel": "", "user_id": []any{"alice"}})
	s.meta = map[string]any{"assistant_id": "bank", "model_name": "v2", "model_id": "m1"}
	s.event("user", map[string]any{"text": "again", "input_channel": "rest", "user_id": "alice"})
	s.bot("yes")
	s.meta = map[string]any{"assistant_id": "other", "model_name": "v3", "model_id": "m2"}
	s.event("user", map[string]any{"text": "later", "input_channel": "socketio", "user_id": "bob"})
	for name, sizes := range map[string][]int{"one batch": nil, "event by event": {1}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.load(s.msgs, sizes...)
			c := b.conversations()
			if len(c) != 1 || c[0].AssistantName != "bank" || c[0].AssistantVersion != "v2" || c[0].ChannelName != "rest" ||
				c[0].UserID == nil || *c[0].UserID != "alice" {
				t.Fatalf("conversations %+v, want one of bank, v2, rest and alice", c)
			}
			if got := b.strings(`SELECT "modelId" || ' ' || coalesce("modelName", '-') || ' ' || "assistantName" FROM "MachineLearningModel" ORDER BY 1`); !slices.Equal(got, []string{"m1 v2 bank", "m2 v3 other"}) {
				t.Errorf("models %q", got)
			}
			compareWithReference(t, b, reference.Compute(s.msgs, reference.Options{DefaultAssistant: defaultAssistant}))
		})
	}
}
