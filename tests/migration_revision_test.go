package tests

import (
	"context"
	"io"
	"io/fs"
	"path"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/db"
)

// TestRevisionMigrationCorrectsRowsStoredBefore: a database holding the sample
// as the rules before the SPEC revision of 2026-12-01 stored it (start slots
// in the session before them, actionText from action_text, flow rows that
// count any escalation against a flow) is migrated, and then holds exactly
// what loading the sample today gives: the same conversation ids and rows,
// sender states, statistics and actionText, with a reviewer's state carried
// to the session's new id.
func TestRevisionMigrationCorrectsRowsStoredBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A sender whose stream so far ends with a start slot: its state must say so.
	trailing := newScript("trailing", "bank", "m1", day("2024-11-05 10:00:00")).startSession().user("hi", "rest").
		slot("session_started_metadata", map[string]any{"locale": "en"})
	msgs := append(sampleMessages(t), trailing.msgs...)
	fresh, old := setup(t), setup(t)
	fresh.load(msgs, 500)
	old.load(msgs, 500)

	// Re-derive the old sessions: each start slot back into the session before
	// it, the rest of its session under the id its action gave it.
	moves, renamed := legacySessions(t, old)
	if len(moves) == 0 {
		t.Fatal("the sample has no start slot to move back")
	}
	var ids, to [][16]byte
	for id, conv := range moves {
		ids, to = append(ids, id), append(to, conv)
	}
	err := pgx.BeginFunc(ctx, old.pool, func(tx pgx.Tx) error {
		// one transaction: the sessions the events move to exist once rebuilt
		if _, err := tx.Exec(ctx, `SELECT analytics.move_events($1, $2)`, ids, to); err != nil {
			return err
		}
		for now, before := range renamed {
			if _, err := tx.Exec(ctx, `UPDATE analytics."SenderSession" SET "conversationId" = $2 WHERE "conversationId" = $1`, now, before); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `SELECT analytics.refresh_statistics(true)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var reviewedNow, reviewedBefore [16]byte
	for reviewedNow, reviewedBefore = range renamed {
		break
	}
	old.exec(`SELECT analytics.review_conversation($1, 'REVIEWED')`, reviewedBefore)

	// Back to the schema and functions before the revision, where the old
	// logic recomputes everything.
	for range migrationsSince(t, "20261201") {
		if err := db.Rollback(ctx, old.db.URL, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	old.exec(`ALTER TABLE "ConversationEvent" DISABLE TRIGGER conversation_event_after_update`)
	old.exec(`UPDATE "ConversationEvent" SET "actionText" =
	            CASE WHEN jsonb_typeof("rawData" -> 'action_text') = 'string' THEN "rawData" ->> 'action_text' END`)
	old.exec(`ALTER TABLE "ConversationEvent" ENABLE TRIGGER conversation_event_after_update`)
	old.exec(`SELECT analytics.recompute()`)
	if slices.Equal(flowCounts(old), flowCounts(fresh)) || conversationRows(old) == nil ||
		slices.Equal(conversationRows(old), conversationRows(fresh)) {
		t.Fatal("the database before the migration already holds today's rows: the test proves nothing")
	}

	if err := db.Migrate(ctx, old.db.URL, io.Discard); err != nil {
		t.Fatal(err)
	}
	for name, query := range map[string]string{
		"Conversation":  `SELECT (to_jsonb(c) - 'createdAt' - 'reviewState' - 'lastReviewedAt')::text FROM "Conversation" AS c ORDER BY c."id"`,
		"SenderSession": `SELECT (to_jsonb(s) - 'updatedAt')::text FROM analytics."SenderSession" AS s ORDER BY s."senderId"`,
		"events":        `SELECT concat_ws('|', e."id", e."conversationId", e."actionText") FROM "ConversationEvent" AS e ORDER BY e."id"`,
		"VersionDailyStatistics": `SELECT (to_jsonb(v) - 'id' - 'createdAt' - 'updatedAt')::text
		                           FROM "VersionDailyStatistics" AS v ORDER BY v."date", v."assistantName", v."channelName", v."version"`,
		"FlowDailyStatistics": `SELECT (to_jsonb(f) - 'id' - 'createdAt' - 'updatedAt')::text
		                        FROM "FlowDailyStatistics" AS f ORDER BY f."date", f."assistantName", f."flowName"`,
		"dirty queues": `SELECT count(*)::text FROM analytics."DirtyConversation"`,
	} {
		if got, want := old.strings(query), fresh.strings(query); !slices.Equal(got, want) {
			t.Errorf("%s after the migration differs from a fresh load: %d vs %d rows, first difference %s", name, len(got), len(want), firstDifference(got, want))
		}
	}
	if state := one[string](old, `SELECT "reviewState"::text FROM "Conversation" WHERE "id" = $1`, reviewedNow); state != "REVIEWED" {
		t.Errorf("the reviewed session's new id has reviewState %s", state)
	}
	if n := one[int](old, `SELECT count(*)::int FROM analytics."SenderSession" WHERE "startSlotEventId" IS NOT NULL`); n != 1 {
		t.Errorf("%d senders' states remember a start slot, want 1", n)
	}
}

// legacySessions says where the rules before the revision put each event of
// the senders with start slots (event id → conversation id, for the events
// that move), and which conversation ids change (today's → before).
func legacySessions(t *testing.T, b *bundle) (map[[16]byte][16]byte, map[[16]byte][16]byte) {
	t.Helper()
	type row struct {
		ID, ConversationID [16]byte
		Sender, Type, Name string
		Assistant          string
	}
	rows := all(b, pgx.RowToStructByPos[row], `
		SELECT e."id", e."conversationId", e."senderId", e."type"::text, coalesce(e."name", ''),
		       coalesce(e."metadata" ->> 'assistant_id', '')
		FROM "ConversationEvent" AS e
		WHERE e."senderId" IN (SELECT "senderId" FROM "ConversationEvent" WHERE "name" = 'session_started_metadata')
		  AND coalesce(e."metadata" ->> 'session_id', '') = ''
		ORDER BY e."senderId", e."sequenceNumber"`)
	moves, renamed := map[[16]byte][16]byte{}, map[[16]byte][16]byte{}
	legacy := func(conv [16]byte) [16]byte {
		if before, ok := renamed[conv]; ok {
			return before
		}
		return conv
	}
	for i, r := range rows {
		startSlot := r.Type == "SLOT" && r.Name == "session_started_metadata" && i+1 < len(rows) &&
			rows[i+1].Sender == r.Sender && rows[i+1].Type == "ACTION" && rows[i+1].Name == "action_session_start"
		if !startSlot {
			continue
		}
		action := rows[i+1]
		assistant := action.Assistant
		if assistant == "" {
			assistant = defaultAssistant
		}
		actionID := uuid.UUID(action.ID)
		renamed[r.ConversationID] = uuid.NewSHA1(uuid.NameSpaceURL, []byte(assistant+"|"+r.Sender+"|"+actionID.String()))
		if i > 0 && rows[i-1].Sender == r.Sender {
			moves[r.ID] = legacy(rows[i-1].ConversationID) // into the session before it
		} else {
			moves[r.ID] = r.ConversationID // the sender's first event: its own implicit session
		}
	}
	for _, r := range rows {
		if _, moved := moves[r.ID]; !moved && legacy(r.ConversationID) != r.ConversationID {
			moves[r.ID] = legacy(r.ConversationID)
		}
	}
	return moves, renamed
}

// migrationsSince counts the migrations whose version is at or after prefix.
func migrationsSince(t *testing.T, prefix string) int {
	t.Helper()
	names, err := fs.Glob(db.Migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		if path.Base(name) >= prefix {
			n++
		}
	}
	return n
}

func flowCounts(b *bundle) []string {
	return b.strings(`SELECT concat_ws('|', "date", "assistantName", "flowName", "totalSessions", "automatedCount", "escalatedCount")
	                  FROM "FlowDailyStatistics" ORDER BY 1`)
}

func conversationRows(b *bundle) []string {
	return b.strings(`SELECT concat_ws('|', "id", "startDate", "lastEventAt") FROM "Conversation" ORDER BY 1`)
}

func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "\n got " + got[i] + "\nwant " + want[i]
		}
	}
	return "(one is a prefix of the other)"
}
