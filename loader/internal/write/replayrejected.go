package write

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// ReplayTotals sums a replay of rejected messages.
type ReplayTotals struct {
	Examined      int // rejected messages looked at
	Stored        int // now stored as events
	Duplicates    int // already stored (marked replayed too)
	StillRejected int
	Rebuilt       int // conversations rebuilt
}

// ReplayRejected re-ingests the rejected messages the database now accepts
// (typically after a migration added an event type), in their original stream
// positions: each goes back where it was read, the sessions of its sender are
// derived again, and every conversation involved is rebuilt. Messages still
// refused keep their row, with the reason updated. Run it while no loader is
// consuming the same senders, or accept that a loader may keep, for one batch,
// a session it cached before the replay.
func (s *Store) ReplayRejected(ctx context.Context, chunk int) (ReplayTotals, error) {
	var totals ReplayTotals
	types, err := decode.LoadEventTypes(ctx, s.pool)
	if err != nil {
		return totals, fmt.Errorf("read event types: %w", err)
	}
	s.decoder.Types = types
	after := int64(-1)
	for {
		var n int
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if err := s.setUpTx(ctx, tx, false); err != nil {
				return err
			}
			var err error
			n, after, err = s.replayChunk(ctx, tx, after, chunk, &totals)
			return err
		})
		if err != nil {
			return totals, err
		}
		if n > 0 {
			if _, err := s.pool.Exec(ctx, `SELECT nextval('analytics.sender_session_epoch')`); err != nil {
				return totals, err
			}
		}
		if n < chunk {
			return totals, nil
		}
	}
}

// replayChunk replays up to limit rejected messages after sequence number
// after; it returns how many it looked at and the last sequence number.
func (s *Store) replayChunk(ctx context.Context, tx pgx.Tx, after int64, limit int, totals *ReplayTotals) (int, int64, error) {
	rows, err := tx.Query(ctx, `
		SELECT "id", "value", "key", "headers", coalesce("topic", ''), coalesce("partition", 0), coalesce("offset", 0),
		       coalesce("fileName", ''), coalesce("lineNumber", 0), "sequenceNumber", "reason"
		FROM "RejectedEvent"
		WHERE "replayedAt" IS NULL AND "sequenceNumber" > $1
		ORDER BY "sequenceNumber"
		LIMIT $2
		FOR UPDATE SKIP LOCKED`, after, limit)
	if err != nil {
		return 0, after, fmt.Errorf("read rejected messages: %w", err)
	}
	type rejected struct {
		id       [16]byte
		msg      decode.Message
		sequence int64
		reason   string
	}
	var batch []rejected
	for rows.Next() {
		var r rejected
		var headers []byte
		if err := rows.Scan(&r.id, &r.msg.Value, &r.msg.Key, &headers, &r.msg.Pos.Topic, &r.msg.Pos.Partition,
			&r.msg.Pos.Offset, &r.msg.Pos.File, &r.msg.Pos.Line, &r.sequence, &r.reason); err != nil {
			rows.Close()
			return 0, after, err
		}
		r.msg.Headers = parseHeadersJSON(headers)
		batch = append(batch, r)
	}
	if err := rows.Err(); err != nil {
		return 0, after, err
	}
	if len(batch) == 0 {
		return 0, after, nil
	}
	after = batch[len(batch)-1].sequence
	totals.Examined += len(batch)

	var accepted []*decode.Event
	replayed := map[decode.UUID][16]byte{} // event id → rejected row id
	for _, r := range batch {
		e, err := s.decoder.Decode(&r.msg)
		if err != nil {
			rerr, _ := err.(*scan.Error)
			totals.StillRejected++
			if rerr != nil && string(rerr.Reason) != r.reason {
				if _, err := tx.Exec(ctx, `UPDATE "RejectedEvent" SET "reason" = $2, "detail" = $3 WHERE "id" = $1`,
					r.id, string(rerr.Reason), scan.Truncate(rerr.Error(), 2000)); err != nil {
					return 0, after, err
				}
			}
			continue
		}
		e.SequenceNumber = r.sequence
		accepted = append(accepted, e)
		replayed[e.ID] = r.id
	}
	accepted, _ = dropRepeats(accepted)
	fresh, err := withoutStored(ctx, tx, accepted)
	if err != nil {
		return 0, after, err
	}
	totals.Duplicates += len(replayed) - len(fresh)
	if len(fresh) > 0 {
		rebuilt, err := s.reinsert(ctx, tx, fresh)
		if err != nil {
			return 0, after, err
		}
		totals.Rebuilt += rebuilt
		totals.Stored += len(fresh)
	}
	ids := make([][16]byte, 0, len(replayed))
	for _, id := range replayed {
		ids = append(ids, id)
	}
	if _, err := tx.Exec(ctx, `UPDATE "RejectedEvent" SET "replayedAt" = now() WHERE "id" = ANY ($1)`, ids); err != nil {
		return 0, after, err
	}
	return len(batch), after, nil
}

// reinsert stores events at their original sequence numbers and derives their
// senders' sessions again over everything stored; analytics.rebuild_moved_sessions
// then moves the stored events whose session changed and rebuilds every
// conversation involved. It returns how many conversations were rebuilt.
func (s *Store) reinsert(ctx context.Context, tx pgx.Tx, fresh []*decode.Event) (int, error) {
	senders := decode.SendersNeedingState(fresh, nil)
	stored, err := storedStreams(ctx, tx, senders)
	if err != nil {
		return 0, err
	}
	// The senders' whole streams, stored and replayed, in stream order.
	stream := append(append([]*decode.Event(nil), stored...), fresh...)
	sort.SliceStable(stream, func(i, j int) bool { return stream[i].SequenceNumber < stream[j].SequenceNumber })
	oldConversation := make(map[*decode.Event]decode.UUID, len(stored))
	for _, e := range stored {
		oldConversation[e] = e.ConversationID
	}
	// The whole stream is at hand, so every start slot moves in place: no moves come back.
	final, _ := decode.AssignSessions(stream, map[string]decode.SenderState{}, s.cfg.DefaultAssistant)

	var moved, to, also [][16]byte
	for _, e := range stored {
		if oldConversation[e] != e.ConversationID {
			moved, to = append(moved, e.ID), append(to, e.ConversationID)
		}
	}
	for _, e := range fresh {
		also = append(also, e.ConversationID)
	}
	if err := s.insertEnvironments(ctx, tx, fresh); err != nil {
		return 0, err
	}
	if err := copyEvents(ctx, tx, fresh); err != nil {
		return 0, err
	}
	var rebuilt int
	if err := tx.QueryRow(ctx, `SELECT analytics.rebuild_moved_sessions($1, $2, $3)`, moved, to, also).Scan(&rebuilt); err != nil {
		return 0, fmt.Errorf("move events to their re-derived sessions and rebuild them: %w", err)
	}
	return rebuilt, decode.SaveSenderStates(ctx, tx, final)
}

// storedStreams reads the stored events of these senders that carry no
// session_id, with what session assignment needs.
func storedStreams(ctx context.Context, tx pgx.Tx, senders []string) ([]*decode.Event, error) {
	if len(senders) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT e."id", e."conversationId", e."type"::text, e."name", coalesce(e."metadata" ->> 'assistant_id', ''),
		       e."senderId", e."sequenceNumber"
		FROM "ConversationEvent" AS e
		WHERE e."conversationId" IN (SELECT c."id" FROM "Conversation" AS c WHERE c."senderId" = ANY ($1))
		  AND e."senderId" = ANY ($1)
		  AND coalesce(e."metadata" ->> 'session_id', '') = ''`, senders)
	if err != nil {
		return nil, fmt.Errorf("read the senders' stored events: %w", err)
	}
	defer rows.Close()
	var out []*decode.Event
	for rows.Next() {
		e := &decode.Event{}
		var name *string
		if err := rows.Scan((*[16]byte)(&e.ID), (*[16]byte)(&e.ConversationID), &e.Type, &name, &e.AssistantID,
			&e.SenderID, &e.SequenceNumber); err != nil {
			return nil, err
		}
		if name != nil {
			e.Name = decode.OptString{S: *name, OK: true}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
