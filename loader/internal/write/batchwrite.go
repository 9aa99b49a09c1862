package write

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/failpoint"
)

// batchWrite is one attempt to store a batch in one transaction.
type batchWrite struct {
	store      *Store
	batch      *Batch
	candidates []*decode.Event // decoded, without repeats inside the batch
	rejections []rejection

	// results of the last successful run
	events       []*decode.Event
	senderStates map[string]decode.SenderState
}

// run writes the batch. With removeStored it first drops events the database
// already holds, so that sessions are derived after exact duplicates are
// dropped (docs/decisions.md, "Input and decoding").
func (w *batchWrite) run(ctx context.Context, removeStored bool) error {
	return w.store.inTx(ctx, func(tx pgx.Tx) error {
		if err := w.store.beginBatch(ctx, tx); err != nil {
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
		failpoint.Hit("before-copy")
		if err := copyEvents(ctx, tx, p.events); err != nil {
			return err
		}
		if err := moveEvents(ctx, tx, p.moves); err != nil {
			return err
		}
		if err := insertRejections(ctx, tx, w.rejections, p.block); err != nil {
			return err
		}
		if err := decode.SaveSenderStates(ctx, tx, p.changed); err != nil {
			return err
		}
		failpoint.Hit("after-copy")
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
	events  []*decode.Event
	states  map[string]decode.SenderState // before the batch
	changed map[string]decode.SenderState // after the batch, where different
	moves   []decode.EventMove            // stored events whose session this batch decided
}

func (w *batchWrite) prepare(ctx context.Context, tx pgx.Tx, removeStored bool) (prepared, error) {
	p := prepared{events: w.candidates}
	var epoch int64
	if err := tx.QueryRow(ctx, `SELECT nextval('analytics.stream_block'), e.last_value
		FROM analytics.sender_session_epoch AS e`).Scan(&p.block, &epoch); err != nil {
		return p, fmt.Errorf("allocate sequence block: %w", err)
	}
	w.store.senders.SyncEpoch(epoch)
	var err error
	if removeStored {
		if p.events, err = withoutStored(ctx, tx, p.events); err != nil {
			return p, err
		}
	}
	for _, e := range p.events {
		e.SequenceNumber = p.block<<20 | int64(e.Index)
	}
	if p.states, err = w.store.senders.States(ctx, tx, p.events); err != nil {
		return p, err
	}
	p.changed, p.moves = decode.AssignSessions(p.events, p.states, w.store.cfg.DefaultAssistant)
	return p, w.store.insertEnvironments(ctx, tx, p.events)
}

// moveEvents re-points stored events to the sessions this batch derived for
// them, after the COPY created those sessions.
func moveEvents(ctx context.Context, tx pgx.Tx, moves []decode.EventMove) error {
	if len(moves) == 0 {
		return nil
	}
	ids := make([][16]byte, len(moves))
	to := make([][16]byte, len(moves))
	for i, m := range moves {
		ids[i], to[i] = m.EventID, m.To
	}
	if _, err := tx.Exec(ctx, `SELECT analytics.move_events($1, $2)`, ids, to); err != nil {
		return fmt.Errorf("move %d events to the sessions they open: %w", len(moves), err)
	}
	return nil
}

// beginBatch sets what a batch's transaction needs: no per-row foreign key
// checks when the store may skip them (StoreConfig.EnforceForeignKeys), and
// on Citus the default assistant name for the insert trigger, which runs on
// the workers, where only SET LOCAL propagated with the transaction reaches
// it (docs/scaling.md, "Citus").
func (s *Store) beginBatch(ctx context.Context, tx pgx.Tx) error {
	return s.setUpTx(ctx, tx, true)
}

// setUpTx is beginBatch, with foreign key checks skipped only when skipFK
// (and the store may).
func (s *Store) setUpTx(ctx context.Context, tx pgx.Tx, skipFK bool) error {
	setup := s.checkedSetup
	if skipFK {
		setup = s.batchSetup
	}
	for _, sql := range setup {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("set the batch's transaction up (%s): %w", sql, err)
		}
	}
	return nil
}

func withoutStored(ctx context.Context, tx pgx.Tx, events []*decode.Event) ([]*decode.Event, error) {
	ids := make([][16]byte, len(events))
	times := make([]time.Time, len(events))
	for i, e := range events {
		ids[i], times[i] = e.ID, e.Timestamp
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
	have := make(map[decode.UUID]bool, len(stored))
	for _, id := range stored {
		have[id] = true
	}
	kept := make([]*decode.Event, 0, len(events))
	for _, e := range events {
		if !have[e.ID] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

func (s *Store) insertEnvironments(ctx context.Context, tx pgx.Tx, events []*decode.Event) error {
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
