package decode

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A sender's session state outlives the batch in analytics."SenderSession",
// written in the batch's transaction, so the next batch (on any loader)
// continues the sender's stream.

// States returns the session state of every sender of events without a
// session_id: from the cache, else from analytics."SenderSession".
func (c *SenderCache) States(ctx context.Context, tx pgx.Tx, events []*Event) (map[string]SenderState, error) {
	senders := SendersNeedingState(events, nil)
	states := make(map[string]SenderState, len(senders))
	c.snapshot(senders, states)
	var missing []string
	for _, sender := range senders {
		if _, ok := states[sender]; !ok {
			missing = append(missing, sender)
			states[sender] = SenderState{}
		}
	}
	if len(missing) == 0 {
		return states, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT "senderId", "conversationId", "afterSessionStartAction",
		       coalesce("startSlotEventId", '00000000-0000-0000-0000-000000000000'),
		       coalesce("startSlotConversationId", '00000000-0000-0000-0000-000000000000')
		FROM analytics."SenderSession" WHERE "senderId" = ANY ($1)`, missing)
	if err != nil {
		return nil, fmt.Errorf("read sender sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sender string
		var st SenderState
		if err := rows.Scan(&sender, (*[16]byte)(&st.conversationID), &st.afterSessionStartAction,
			(*[16]byte)(&st.startSlot), (*[16]byte)(&st.startSlotOpens)); err != nil {
			return nil, fmt.Errorf("read sender sessions: %w", err)
		}
		states[sender] = st
	}
	return states, rows.Err()
}

// SaveSenderStates writes the senders' states into analytics."SenderSession",
// in the batch's transaction.
func SaveSenderStates(ctx context.Context, tx pgx.Tx, states map[string]SenderState) error {
	if len(states) == 0 {
		return nil
	}
	senders := make([]string, 0, len(states))
	convs := make([][16]byte, 0, len(states))
	after := make([]bool, 0, len(states))
	slots := make([]*[16]byte, 0, len(states))
	slotOpens := make([]*[16]byte, 0, len(states))
	for sender, st := range states {
		senders = append(senders, sender)
		convs = append(convs, st.conversationID)
		after = append(after, st.afterSessionStartAction)
		if st.startSlot.IsZero() {
			slots, slotOpens = append(slots, nil), append(slotOpens, nil)
		} else {
			slots, slotOpens = append(slots, (*[16]byte)(&st.startSlot)), append(slotOpens, (*[16]byte)(&st.startSlotOpens))
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO analytics."SenderSession" ("senderId", "conversationId", "afterSessionStartAction",
		  "startSlotEventId", "startSlotConversationId")
		SELECT * FROM unnest($1::text[], $2::uuid[], $3::boolean[], $4::uuid[], $5::uuid[])
		ON CONFLICT ("senderId") DO UPDATE SET
		  "conversationId" = excluded."conversationId",
		  "afterSessionStartAction" = excluded."afterSessionStartAction",
		  "startSlotEventId" = excluded."startSlotEventId",
		  "startSlotConversationId" = excluded."startSlotConversationId",
		  "updatedAt" = now()`, senders, convs, after, slots, slotOpens)
	if err != nil {
		return fmt.Errorf("save sender sessions: %w", err)
	}
	return nil
}
