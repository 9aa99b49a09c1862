package tests

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/tests/reference"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

// TestIncrementalEqualsRecomputeEqualsReference: random event streams, written
// in random batch sizes, leave exactly the rows the Go reference computes;
// recompute() then changes nothing, not even an updatedAt. Seeds: the
// PROPERTY_SEEDS environment variable (default 6, 2 with -short).
func TestIncrementalEqualsRecomputeEqualsReference(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	incrementalEqualsRecomputeEqualsReference(t, testdb.New, propertySeeds(seeds))
}

// propertySeeds is PROPERTY_SEEDS, else def.
func propertySeeds(def int) int {
	if s := os.Getenv("PROPERTY_SEEDS"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return def
}

func incrementalEqualsRecomputeEqualsReference(t *testing.T, newDB newDB, seeds int) {
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 42))
			stream := randomStream(rng)
			b := setupFrom(t, newDB)
			opts := reference.Options{DefaultAssistant: defaultAssistant, Settings: map[string]reference.Settings{}, Criteria: map[string]reference.Criteria{}}
			if rng.IntN(2) == 0 {
				set := reference.DefaultSettings()
				set.Timezone = "America/Los_Angeles"
				set.EscalationActions = append(set.EscalationActions, "action_agent")
				opts.Settings["bank"] = set
				b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone", "escalationActions")
				        VALUES ('bank', 'America/Los_Angeles', '{action_human_handoff,action_handoff_metric,action_agent}')`)
			}
			if rng.IntN(2) == 0 {
				opts.Criteria["insurance"] = reference.Criteria{Included: []string{"file_claim"}, Excluded: []string{"pattern_human_handoff"}}
				b.exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows", "excludedFlows")
				        VALUES ('insurance', '{file_claim}', '{pattern_human_handoff}')`)
			}
			sizes := []int{1 + rng.IntN(5), 1 + rng.IntN(40), 1 + rng.IntN(300), 1 + rng.IntN(3)}
			split := rng.IntN(len(stream) + 1)
			b.load(stream[:split], sizes...)
			// Midway: settings and criteria change, events are deleted; the
			// statistics must follow (sessions move between groups, rows go).
			changeSettingsAndCriteria(rng, b, &opts)
			deleted := deleteSomeEvents(rng, b, stream[:split])
			keep := func(part [][]byte) [][]byte {
				return slices.DeleteFunc(slices.Clone(part), func(m []byte) bool { return deleted[string(m)] })
			}
			rest := keep(stream[split:])
			b.load(rest, sizes...)
			stream = append(keep(stream[:split]), rest...)

			want := reference.Compute(stream, opts)
			compareWithReference(t, b, want)
			checkLatencyExactlyAsPercentileCont(t, b)
			before := b.versionStats()
			beforeFlows := b.flowStats()
			b.exec(`SELECT analytics.recompute()`)
			compareWithReference(t, b, want)
			if after := b.versionStats(); !slices.Equal(stamps(before), stamps(after)) {
				t.Errorf("recompute moved updatedAt of VersionDailyStatistics")
			}
			if after := b.flowStats(); !slices.EqualFunc(beforeFlows, after, func(x, y flowRow) bool { return x.UpdatedAt.Equal(y.UpdatedAt) }) {
				t.Errorf("recompute moved updatedAt of FlowDailyStatistics")
			}
		})
	}
}

// changeSettingsAndCriteria changes, at random, bank's settings and the
// SuccessCriteria of either assistant (created, changed or removed), in the
// database and in opts.
func changeSettingsAndCriteria(rng *rand.Rand, b *bundle, opts *reference.Options) {
	if rng.IntN(2) == 0 {
		set := reference.DefaultSettings()
		set.Timezone = []string{"UTC", "Asia/Tokyo", "America/Los_Angeles"}[rng.IntN(3)]
		set.EscalationFlows = append(set.EscalationFlows, "file_claim")
		opts.Settings["bank"] = set
		b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone", "escalationFlows", "escalationActions")
		        VALUES ('bank', $1, '{pattern_human_handoff,file_claim}', NULL)
		        ON CONFLICT ("assistantName") DO UPDATE SET "timezone" = excluded."timezone",
		          "escalationFlows" = excluded."escalationFlows", "escalationActions" = NULL`, set.Timezone)
	}
	for _, assistant := range []string{"bank", "insurance"} {
		switch rng.IntN(4) {
		case 0:
			delete(opts.Criteria, assistant)
			b.exec(`DELETE FROM "SuccessCriteria" WHERE "assistantName" = $1`, assistant)
		case 1:
			crit := reference.Criteria{Included: []string{flowIDs[rng.IntN(len(flowIDs))]}, Excluded: []string{"pattern_human_handoff"}}
			opts.Criteria[assistant] = crit
			b.exec(`INSERT INTO "SuccessCriteria" ("assistantName", "includedFlows", "excludedFlows") VALUES ($1, $2, $3)
			        ON CONFLICT ("assistantName") DO UPDATE SET "includedFlows" = excluded."includedFlows",
			          "excludedFlows" = excluded."excludedFlows"`, assistant, crit.Included, crit.Excluded)
		}
	}
}

// deleteSomeEvents deletes a few stored events of loaded whose removal leaves
// the sessions as they are (not the first event of a session, nothing that
// opens one) and returns their messages: the reference leaves them out, and
// so must the rest of the stream.
func deleteSomeEvents(rng *rand.Rand, b *bundle, loaded [][]byte) map[string]bool {
	deleted := map[string]bool{}
	if rng.IntN(2) == 0 {
		return deleted
	}
	byID := map[[16]byte][]byte{}
	for _, m := range loaded {
		byID[uuid.NewSHA1(uuid.NameSpaceURL, m)] = m
	}
	// Neither next to an event that opens a session: "directly before" and
	// "directly after" must mean the same without it.
	ids := all(b, pgx.RowTo[[16]byte], `
		WITH event AS MATERIALIZED (  -- read once: Citus plans the rest on the coordinator
		  SELECT e."id", e."conversationId", e."senderId", e."sequenceNumber", e."type", e."name"
		  FROM "ConversationEvent" AS e
		),
		stream AS (
		  SELECT e.*, lag(e."type"::text || coalesce(e."name", '')) OVER w AS "before",
		         lead(e."type"::text || coalesce(e."name", '')) OVER w AS "after"
		  FROM event AS e
		  WINDOW w AS (PARTITION BY e."senderId" ORDER BY e."sequenceNumber")
		)
		SELECT e."id" FROM stream AS e
		WHERE e."type" IN ('USER', 'BOT', 'FLOW_STARTED', 'FLOW_COMPLETED', 'SLOT', 'ACTION')
		  AND coalesce(e."name", '') NOT IN ('action_session_start', 'session_started_metadata')
		  AND coalesce(e."before", '') NOT IN ('ACTIONaction_session_start', 'SESSION_STARTED', 'SLOTsession_started_metadata')
		  AND coalesce(e."after", '') NOT IN ('ACTIONaction_session_start', 'SESSION_STARTED', 'SLOTsession_started_metadata')
		  AND e."sequenceNumber" > (SELECT min(f."sequenceNumber") FROM event AS f
		                            WHERE f."conversationId" = e."conversationId")
		ORDER BY e."id"`)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(len(ids), 1+rng.IntN(8))]
	b.exec(`DELETE FROM "ConversationEvent" WHERE "id" = ANY ($1)`, ids)
	for _, id := range ids {
		deleted[string(byID[id])] = true
	}
	return deleted
}

// checkLatencyExactlyAsPercentileCont: the incremental mean and percentiles
// are exactly what avg and percentile_cont give over the groups' samples in
// "Conversation", to the last bit.
func checkLatencyExactlyAsPercentileCont(t *testing.T, b *bundle) {
	t.Helper()
	diffs := b.strings(`
		WITH direct AS (
		  SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion",
		         avg(ms::numeric)::double precision AS "average",
		         percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS p
		  FROM "Conversation" AS c, unnest(c."latencySamplesMs") AS ms
		  GROUP BY 1, 2, 3, 4
		)
		SELECT concat_ws(' ', v."date", v."assistantName", v."channelName", v."version",
		                 v."averageLatencyMs", v."p50LatencyMs", v."p95LatencyMs", v."p99LatencyMs", '<>',
		                 d."average", d.p[1], d.p[2], d.p[3])
		FROM "VersionDailyStatistics" AS v
		FULL JOIN direct AS d ON (d."assistantName", d."statisticsDate", d."channelName", d."assistantVersion")
		                         = (v."assistantName", v."date", v."channelName", v."version")
		WHERE (v."averageLatencyMs", v."p50LatencyMs", v."p95LatencyMs", v."p99LatencyMs")
		      IS DISTINCT FROM (d."average", d.p[1], d.p[2], d.p[3])
		  AND (d."average" IS NOT NULL OR v."averageLatencyMs" IS NOT NULL)`)
	for _, d := range diffs {
		t.Errorf("latency differs from avg/percentile_cont: %s", d)
	}
}

func stamps(rows []versionRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.CreatedAt.String() + r.UpdatedAt.String()
	}
	return out
}

func compareWithReference(t *testing.T, b *bundle, want reference.Result) {
	t.Helper()
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`); n != want.Stored {
		t.Errorf("%d events stored, reference %d", n, want.Stored)
	}
	got := b.conversations()
	if len(got) != len(want.Conversations) {
		t.Fatalf("%d conversations, reference %d", len(got), len(want.Conversations))
	}
	wantByID := map[[16]byte]reference.Conversation{}
	for _, c := range want.Conversations {
		wantByID[c.ID] = c
	}
	for _, g := range got {
		key := fmt.Sprintf("%s (%s|%s|%d)", uuidString(g.ID), g.AssistantName, g.SenderID, g.StartDate.UnixMicro())
		w, ok := wantByID[g.ID]
		if !ok {
			t.Errorf("conversation %s not in the reference", key)
			continue
		}
		diff := func(col string, a, b any) {
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("conversation %s %s: %v, reference %v", key, col, a, b)
			}
		}
		diff("assistantName", g.AssistantName, w.AssistantName)
		diff("startDate", g.StartDate.UnixMicro(), w.StartDate.UnixMicro())
		diff("assistantVersion", g.AssistantVersion, w.AssistantVersion)
		diff("channelName", g.ChannelName, w.ChannelName)
		diff("userId", deref(g.UserID), deref(w.UserID))
		diff("lastEventAt", g.LastEventAt.UnixMicro(), w.LastEventAt.UnixMicro())
		diff("totalNumberOfUserMessages", g.TotalNumberOfUserMessages, w.TotalNumberOfUserMessages)
		diff("ingested", g.Ingested, w.Ingested)
		diff("escalatedAt", micros(g.EscalatedAt), micros(w.EscalatedAt))
		diff("csatRating", deref(g.CsatRating), deref(w.CSATRating))
		diff("events", g.Events, w.Events)
		diff("flowsStarted", g.FlowsStarted, w.FlowsStarted)
		if !floatsEqual(g.LatencySamplesMs, w.LatencySamplesMs) {
			t.Errorf("conversation %s latency %v, reference %v", key, g.LatencySamplesMs, w.LatencySamplesMs)
		}
	}

	gotV := b.versionStats()
	if len(gotV) != len(want.VersionStats) {
		t.Errorf("%d VersionDailyStatistics rows, reference %d", len(gotV), len(want.VersionStats))
	}
	for i := 0; i < min(len(gotV), len(want.VersionStats)); i++ {
		g, w := gotV[i], want.VersionStats[i]
		same := g.Date == w.Date && g.AssistantName == w.AssistantName && g.ChannelName == w.ChannelName &&
			g.Version == w.Version && g.TotalSessions == w.TotalSessions && g.AutomatedCount == w.AutomatedCount &&
			g.EscalatedCount == w.EscalatedCount && g.CsatSatisfied == w.CSATSatisfied &&
			g.CsatUnsatisfied == w.CSATUnsatisfied && g.CsatUnanswered == w.CSATUnanswered &&
			sameFloat(g.AverageLatencyMs, w.AverageLatencyMs) && sameFloat(g.P50, w.P50) &&
			sameFloat(g.P95, w.P95) && sameFloat(g.P99, w.P99) &&
			fmt.Sprint(deref(g.CustomSuccessCount), deref(g.CustomFailureCount)) == fmt.Sprint(deref(w.CustomSuccessCount), deref(w.CustomFailureCount)) &&
			g.HasCriteria == (w.CustomSuccessCount != nil)
		if !same {
			t.Errorf("VersionDailyStatistics row %d:\n got %s\n ref %s", i, fmtVersion(g), fmtRefVersion(w))
		}
	}

	gotF := b.flowStats()
	if len(gotF) != len(want.FlowStats) {
		t.Errorf("%d FlowDailyStatistics rows, reference %d", len(gotF), len(want.FlowStats))
	}
	for i := 0; i < min(len(gotF), len(want.FlowStats)); i++ {
		g, w := gotF[i], want.FlowStats[i]
		if g.Date != w.Date || g.AssistantName != w.AssistantName || g.FlowName != w.FlowName ||
			g.TotalSessions != w.TotalSessions || g.AutomatedCount != w.AutomatedCount || g.EscalatedCount != w.EscalatedCount {
			t.Errorf("FlowDailyStatistics row %d: got %+v, reference %+v", i, g, w)
		}
	}
}

func fmtVersion(v versionRow) string {
	return fmt.Sprintf("%s %s %s %s n=%d a=%d e=%d lat=%v/%v/%v/%v csat=%d/%d/%d custom=%v/%v",
		v.Date, v.AssistantName, v.ChannelName, v.Version, v.TotalSessions, v.AutomatedCount, v.EscalatedCount,
		deref(v.AverageLatencyMs), deref(v.P50), deref(v.P95), deref(v.P99), v.CsatSatisfied, v.CsatUnsatisfied,
		v.CsatUnanswered, deref(v.CustomSuccessCount), deref(v.CustomFailureCount))
}

func fmtRefVersion(v reference.VersionStats) string {
	return fmt.Sprintf("%s %s %s %s n=%d a=%d e=%d lat=%v/%v/%v/%v csat=%d/%d/%d custom=%v/%v",
		v.Date, v.AssistantName, v.ChannelName, v.Version, v.TotalSessions, v.AutomatedCount, v.EscalatedCount,
		deref(v.AverageLatencyMs), deref(v.P50), deref(v.P95), deref(v.P99), v.CSATSatisfied, v.CSATUnsatisfied,
		v.CSATUnanswered, deref(v.CustomSuccessCount), deref(v.CustomFailureCount))
}

func floatsEqual(a, b []float64) bool {
	return len(a) == len(b) && slices.EqualFunc(a, b, func(x, y float64) bool { return math.Abs(x-y) < 1e-6 })
}

// randomStream writes the events of random conversations, interleaved across
// senders, with the edge cases the SPEC names: implicit sessions, session_id
// and derived sessions for one sender, repeated flows, escalations by flow and
// by action, CSAT signals of every kind, session-start triggers, external
// messages, equal and backwards timestamps, missing metadata, exact duplicates.
func randomStream(rng *rand.Rand) [][]byte {
	var scripts []*script
	base := day("2024-11-04 20:00:00")
	for i := 0; i < 4+rng.IntN(10); i++ {
		assistant := []string{"bank", "insurance"}[rng.IntN(2)]
		s := newScript(fmt.Sprintf("sender-%d", i), assistant, fmt.Sprintf("model-%d", rng.IntN(3)),
			base.Add(time.Duration(rng.IntN(30*3600))*time.Second))
		switch rng.IntN(6) {
		case 0:
			s.meta = nil // very old Rasa: no metadata at all
		case 1:
			s.meta["model_name"] = "named-" + assistant
			s.top = map[string]any{"user_id": fmt.Sprintf("user-%d", i)}
		}
		for session := 0; session < 1+rng.IntN(3); session++ {
			if rng.IntN(3) == 0 {
				s.sessionID = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, session)
			} else {
				s.sessionID = ""
			}
			switch rng.IntN(4) {
			case 0: // implicit, or joining the sender's current session
			case 1:
				s.event("session_started", nil)
			case 2: // the channel sent metadata: Rasa sets this slot just before the session starts
				s.slot("session_started_metadata", map[string]any{"locale": "en"}).startSession()
			default:
				s.startSession()
			}
			for step := 0; step < rng.IntN(25); step++ {
				randomStep(rng, s)
			}
			s.wait(time.Duration(rng.IntN(20)) * time.Hour)
		}
		scripts = append(scripts, s)
	}
	// Interleave senders, keeping each sender's order; sometimes repeat a message.
	var out [][]byte
	for {
		var live []*script
		for _, s := range scripts {
			if len(s.msgs) > 0 {
				live = append(live, s)
			}
		}
		if len(live) == 0 {
			return out
		}
		s := live[rng.IntN(len(live))]
		out = append(out, s.msgs[0])
		if rng.IntN(40) == 0 {
			out = append(out, s.msgs[0])
		}
		s.msgs = s.msgs[1:]
	}
}

var flowIDs = []string{"transfer_money", "check_balance", "file_claim", "pattern_human_handoff",
	"pattern_customer_satisfaction", "pattern_completed"}

func randomStep(rng *rand.Rand, s *script) {
	switch rng.IntN(8) {
	case 0: // clocks are not perfect: same instant, or a little back
		s.at = s.at.Add(-time.Duration(rng.IntN(3)) * 10 * time.Millisecond)
	case 1:
		s.wait(time.Duration(rng.IntN(8000)) * time.Millisecond)
	}
	channel := []string{"rest", "socketio", "slack"}[rng.IntN(3)]
	switch rng.IntN(15) {
	case 0, 1, 2:
		s.user("hello", channel)
	case 3:
		s.event("user", map[string]any{"text": "/session_start", "input_channel": channel,
			"parse_data": map[string]any{"commands": []any{map[string]any{"command": "session start"}}}})
	case 4:
		s.event("user", map[string]any{"text": "EXTERNAL: x", "metadata": map[string]any{"is_external": true}})
	case 5, 6, 7:
		s.bot("answer")
	case 8:
		s.flow([]string{"started", "started", "completed", "cancelled", "interrupted", "resumed"}[rng.IntN(6)], flowIDs[rng.IntN(len(flowIDs))])
	case 9:
		s.action([]string{"action_listen", "action_human_handoff", "action_handoff_metric", "action_agent", "utter_greet"}[rng.IntN(5)])
	case 10:
		values := []any{"satisfied", "unsatisfied", "Thumbs_Up", 3, 1, json.Number("4.0"), nil, true, "meh"}
		s.slot([]string{"csat_score", "csat_score", "other", "session_started_metadata"}[rng.IntN(4)], values[rng.IntN(len(values))])
	case 11:
		s.event([]string{"session_ended", "conversation_inactive", "stack", "pause", "session_paused", "restart"}[rng.IntN(6)], nil)
	case 12:
		s.event("action", map[string]any{"name": "action_session_start"})
	case 13:
		s.event("flow_started", map[string]any{"flow_id": "pattern_human_handoff"})
	case 14: // a flow that escalated while active and completed afterwards: escalated, not automated
		flow := flowIDs[rng.IntN(len(flowIDs))]
		s.flow("started", flow).action("action_human_handoff").flow("completed", flow)
	}
}
