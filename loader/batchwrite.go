package loader

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// batchWrite is one attempt to store a batch in one transaction.
type batchWrite struct {
	store      *store
	batch      *Batch
	candidates []*event // decoded, without repeats inside the batch
	rejections []rejection

	// results of the last successful run
	events       []*event
	senderStates map[string]senderState
}

// run writes the batch. With removeStored it first drops events the database
// already holds, so that sessions are derived after exact duplicates are
// dropped (docs/decisions.md, "Input and decoding").
func (w *batchWrite) run(ctx context.Context, removeStored bool) error {
	return w.store.inTx(ctx, func(tx pgx.Tx) error {
		if err := w.store.skipForeignKeyChecks(ctx, tx); err != nil {
			return err
		}
		// Offsets first: a loader that lost its partitions fails here, before any work.
		if err := storeOffsets(ctx, tx, w.batch.Offsets, w.store.cfg.ConsumerGroup); err != nil {
			return err
		}
		p, err := w.prepare(ctx, tx, removeStored)
		if err != nil {
			return err
		}
		failpoint("before-copy")
		if err := copyEvents(ctx, tx, p.events); err != nil {
			return err
		}
		if err := moveEvents(ctx, tx, p.moves); err != nil {
			return err
		}
		if err := insertRejections(ctx, tx, w.rejections, p.block); err != nil {
			return err
		}
		if err := saveSenderStates(ctx, tx, p.changed); err != nil {
			return err
		}
		failpoint("after-copy")
		w.events = p.events
		for s, st := range p.changed {
			p.states[s] = st
		}
		w.senderStates = p.states
		return nil
	})
}

// prepared is a batch ready to COPY: sequence numbers and sessions assigned.
type prepared struct {
	block   int64
	events  []*event
	states  map[string]senderState // before the batch
	changed map[string]senderState // after the batch, where different
	moves   []eventMove            // stored events whose session this batch decided
}

func (w *batchWrite) prepare(ctx context.Context, tx pgx.Tx, removeStored bool) (prepared, error) {
	p := prepared{events: w.candidates}
	var epoch int64
	if err := tx.QueryRow(ctx, `SELECT nextval('analytics.stream_block'), e.last_value
		FROM analytics.sender_session_epoch AS e`).Scan(&p.block, &epoch); err != nil {
		return p, fmt.Errorf("allocate sequence block: %w", err)
	}
	w.store.senders.syncEpoch(epoch)
	var err error
	if removeStored {
		if p.events, err = withoutStored(ctx, tx, p.events); err != nil {
			return p, err
		}
	}
	for _, e := range p.events {
		e.sequenceNumber = p.block<<20 | int64(e.index)
	}
	if p.states, err = w.store.senderStates(ctx, tx, p.events); err != nil {
		return p, err
	}
	p.changed, p.moves = assignSessions(p.events, p.states, w.store.cfg.DefaultAssistant)
	return p, w.store.insertEnvironments(ctx, tx, p.events)
}

// moveEvents re-points stored events to the sessions this batch derived for
// them, after the COPY created those sessions.
func moveEvents(ctx context.Context, tx pgx.Tx, moves []eventMove) error {
	if len(moves) == 0 {
		return nil
	}
	ids := make([][16]byte, len(moves))
	to := make([][16]byte, len(moves))
	for i, m := range moves {
		ids[i], to[i] = m.eventID, m.to
	}
	if _, err := tx.Exec(ctx, `SELECT analytics.move_events($1, $2)`, ids, to); err != nil {
		return fmt.Errorf("move %d events to the sessions they open: %w", len(moves), err)
	}
	return nil
}

// skipForeignKeyChecks turns off per-row foreign key checks for the rest of the
// transaction when the store may; see StoreConfig.EnforceForeignKeys.
func (s *store) skipForeignKeyChecks(ctx context.Context, tx pgx.Tx) error {
	if !s.skipFKChecks {
		return nil
	}
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		return fmt.Errorf("skip foreign key checks: %w", err)
	}
	return nil
}

func withoutStored(ctx context.Context, tx pgx.Tx, events []*event) ([]*event, error) {
	ids := make([][16]byte, len(events))
	times := make([]time.Time, len(events))
	for i, e := range events {
		ids[i], times[i] = e.id, e.timestamp
	}
	// By key, timestamp included: each id is looked up in the one partition
	// that may hold it, not in all of them.
	rows, err := tx.Query(ctx, `SELECT e."id" FROM unnest($1::uuid[], $2::timestamptz[]) AS k("id", "timestamp")
		JOIN "ConversationEvent" AS e ON e."id" = k."id" AND e."timestamp" = k."timestamp"`, ids, times)
	if err != nil {
		return nil, fmt.Errorf("look up stored events: %w", err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[[16]byte])
	if err != nil {
		return nil, fmt.Errorf("look up stored events: %w", err)
	}
	have := make(map[uuid]bool, len(stored))
	for _, id := range stored {
		have[id] = true
	}
	kept := make([]*event, 0, len(events))
	for _, e := range events {
		if !have[e.id] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// senderStates returns the session state of every sender of events without a
// session_id: from the cache, else from analytics."SenderSession".
func (s *store) senderStates(ctx context.Context, tx pgx.Tx, events []*event) (map[string]senderState, error) {
	senders := sendersNeedingState(events, nil)
	states := make(map[string]senderState, len(senders))
	s.senders.snapshot(senders, states)
	var missing []string
	for _, sender := range senders {
		if _, ok := states[sender]; !ok {
			missing = append(missing, sender)
			states[sender] = senderState{}
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
		var st senderState
		if err := rows.Scan(&sender, (*[16]byte)(&st.conversationID), &st.afterSessionStartAction,
			(*[16]byte)(&st.startSlot), (*[16]byte)(&st.startSlotOpens)); err != nil {
			return nil, fmt.Errorf("read sender sessions: %w", err)
		}
		states[sender] = st
	}
	return states, rows.Err()
}

func saveSenderStates(ctx context.Context, tx pgx.Tx, states map[string]senderState) error {
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
		if st.startSlot.isZero() {
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

func (s *store) insertEnvironments(ctx context.Context, tx pgx.Tx, events []*event) error {
	ids, names := s.unknownEnvironments(events)
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO "Environment" ("id", "name")
		SELECT * FROM unnest($1::uuid[], $2::text[])
		ON CONFLICT DO NOTHING`, ids, names)
	if err != nil {
		return fmt.Errorf("insert environments: %w", err)
	}
	return nil
}

// storeOffsets moves each partition's stored offset with a compare-and-set
// against what this loader last read or wrote (docs/decisions.md, "Delivery").
func storeOffsets(ctx context.Context, tx pgx.Tx, offsets []OffsetUpdate, group string) error {
	var topics, newTopics []string
	var partitions, newPartitions []int32
	var expected, next, newNext []int64
	for _, o := range offsets {
		if o.Expected == NoStoredOffset {
			newTopics, newPartitions, newNext = append(newTopics, o.Topic), append(newPartitions, o.Partition), append(newNext, o.Next)
			continue
		}
		topics, partitions = append(topics, o.Topic), append(partitions, o.Partition)
		expected, next = append(expected, o.Expected), append(next, o.Next)
	}
	if len(topics) > 0 {
		tag, err := tx.Exec(ctx, `
			UPDATE "KafkaOffset" AS o
			SET "nextOffset" = u.next, "consumerGroup" = $5, "updatedAt" = now()
			FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[]) AS u(topic, partition, expected, next)
			WHERE o."topic" = u.topic AND o."partition" = u.partition AND o."nextOffset" = u.expected`,
			topics, partitions, expected, next, group)
		if err != nil {
			return fmt.Errorf("store offsets: %w", err)
		}
		if tag.RowsAffected() != int64(len(topics)) {
			return ErrOffsetConflict
		}
	}
	if len(newTopics) > 0 {
		tag, err := tx.Exec(ctx, `
			INSERT INTO "KafkaOffset" ("topic", "partition", "nextOffset", "consumerGroup")
			SELECT u.topic, u.partition, u.next, $4
			FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS u(topic, partition, next)
			ON CONFLICT DO NOTHING`, newTopics, newPartitions, newNext, group)
		if err != nil {
			return fmt.Errorf("store offsets: %w", err)
		}
		if tag.RowsAffected() != int64(len(newTopics)) {
			return ErrOffsetConflict
		}
	}
	return nil
}

func insertRejections(ctx context.Context, tx pgx.Tx, rejections []rejection, block int64) error {
	if len(rejections) == 0 {
		return nil
	}
	n := len(rejections)
	var (
		ids        = make([][16]byte, n)
		reasons    = make([]string, n)
		details    = make([]string, n)
		positions  = make([]string, n)
		topics     = make([]*string, n)
		partitions = make([]*int32, n)
		offsets    = make([]*int64, n)
		files      = make([]*string, n)
		lines      = make([]*int64, n)
		keys       = make([][]byte, n)
		values     = make([][]byte, n)
		headers    = make([]string, n)
		senders    = make([]*string, n)
		sequence   = make([]int64, n)
	)
	for i, r := range rejections {
		pos := r.msg.Pos
		ids[i] = uuidV5(r.msg.Value, []byte(pos.identity()))
		reasons[i] = string(r.err.Reason)
		details[i] = scan.Truncate(r.err.Error(), 2000)
		positions[i] = scan.Truncate(pos.String(), 1000)
		if pos.File != "" {
			files[i], lines[i] = ptr(scan.Truncate(pos.File, 1000)), ptr(pos.Line)
		} else {
			topics[i], partitions[i], offsets[i] = ptr(pos.Topic), ptr(pos.Partition), ptr(pos.Offset)
		}
		keys[i] = r.msg.Key
		values[i] = r.msg.Value
		if values[i] == nil {
			values[i] = []byte{}
		}
		headers[i] = headersJSON(r.msg.Headers)
		if r.senderID != "" {
			senders[i] = ptr(r.senderID)
		}
		sequence[i] = block<<20 | int64(r.index)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO "RejectedEvent" ("id", "reason", "detail", "sourcePosition", "topic", "partition",
		  "offset", "fileName", "lineNumber", "key", "value", "headers", "senderId", "sequenceNumber")
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[],
		  $7::bigint[], $8::text[], $9::bigint[], $10::bytea[], $11::bytea[], $12::jsonb[], $13::text[], $14::bigint[])
		ON CONFLICT ("id") DO NOTHING`,
		ids, reasons, details, positions, topics, partitions, offsets, files, lines, keys, values, headers, senders, sequence)
	if err != nil {
		return fmt.Errorf("insert %d rejected messages: %w", n, err)
	}
	return nil
}

// headersJSON renders Kafka headers as a JSON array of {"key", "value"}, the
// value as text when it is valid UTF-8 without NUL, else as "base64".
func headersJSON(headers []Header) string {
	type header struct {
		Key    string `json:"key"`
		Value  string `json:"value,omitempty"`
		Base64 []byte `json:"base64,omitempty"`
	}
	out := make([]header, 0, len(headers))
	for _, h := range headers {
		hh := header{Key: scan.Truncate(h.Key, 1000)}
		if utf8.Valid(h.Value) && !containsNUL(h.Value) {
			hh.Value = string(h.Value)
		} else {
			hh.Base64 = h.Value
		}
		out = append(out, hh)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func containsNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
