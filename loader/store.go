package loader

import (
	"context"
	"errors"
	"fmt"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// storeConfig configures how batches are written (see Config).
type storeConfig struct {
	DefaultAssistant   string // assistantName of sessions whose events carry no metadata.assistant_id
	DefaultEnvironment string // environment of messages without a RASA_ENVIRONMENT header ("" = none)
	MaxEventBytes      int    // larger messages are rejected as too_large
	ConsumerGroup      string // recorded with the offsets it writes
	SenderCacheSize    int    // sender session states kept in memory
	EnforceForeignKeys bool   // keep per-row foreign key checks on COPY
}

// store writes batches of messages into PostgreSQL, one transaction each.
type store struct {
	pool    *pgxpool.Pool
	cfg     storeConfig
	decoder decoder
	senders *senderCache
	log     *slog.Logger

	skipFKChecks bool // write batches with session_replication_role = replica

	mu           sync.Mutex
	environments map[uuid]bool // known to exist in "Environment"
}

// newStore reads the event types the database knows and prepares a Store.
func newStore(ctx context.Context, pool *pgxpool.Pool, cfg storeConfig, log *slog.Logger) (*store, error) {
	types, err := loadEventTypes(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("read event types: %w", err)
	}
	skip := false
	if !cfg.EnforceForeignKeys {
		if skip, err = maySkipFKChecks(ctx, pool); err != nil {
			return nil, err
		}
		if !skip {
			log.Info("foreign key checks stay on for COPY: this role may not set session_replication_role " +
				"(GRANT SET ON PARAMETER session_replication_role TO <role> makes ingestion faster)")
		}
	}
	return &store{
		skipFKChecks: skip,
		pool:         pool,
		cfg:          cfg,
		decoder:      decoder{types: types, defaultEnvironment: cfg.DefaultEnvironment, maxEventBytes: cfg.MaxEventBytes},
		senders:      newSenderCache(cfg.SenderCacheSize),
		log:          log,
		environments: map[uuid]bool{},
	}, nil
}

// MaxBatchMessages bounds a batch: each message's sequence number is its batch
// block times 2^20 plus its position in the batch.
const MaxBatchMessages = 1<<20 - 1

// Batch is a run of messages in stream order, with the Kafka offsets it covers.
type Batch struct {
	Messages []Message
	Offsets  []OffsetUpdate
}

// OffsetUpdate moves one partition's stored next offset from Expected (what
// this loader read at assignment or last wrote; NoStoredOffset when the
// partition had none) to Next.
type OffsetUpdate struct {
	Topic     string
	Partition int32
	Expected  int64
	Next      int64
}

// NoStoredOffset is OffsetUpdate.Expected for a partition with no stored offset.
const NoStoredOffset = -1

// ErrOffsetConflict means another loader stored offsets of a partition in this
// batch since this loader read them: the batch was not written, and the
// partitions must be re-read from the stored offsets.
var ErrOffsetConflict = errors.New("stored Kafka offsets moved: another loader owns these partitions now")

// Result is what a batch write did.
type Result struct {
	Messages   int
	Stored     int
	Duplicates int                 // exact duplicates of stored or earlier messages, dropped
	Rejected   map[scan.Reason]int // by reason
	Elapsed    time.Duration
}

// RejectedTotal is the number of rejected messages.
func (r Result) RejectedTotal() int {
	n := 0
	for _, c := range r.Rejected {
		n += c
	}
	return n
}

// rejection is a message that cannot be stored, with why.
type rejection struct {
	msg      *Message
	err      *scan.Error
	senderID string
	index    int // position in the batch
}

// decodedBatch is a batch decoded for COPY: the work that needs no database,
// done before the batch's transaction (and, in a pipeline, while the previous
// batch is being written).
type decodedBatch struct {
	batch      *Batch
	candidates []*event // decoded, without repeats inside the batch
	rejections []rejection
	repeats    int // exact duplicates inside the batch
	started    time.Time
}

// prepare decodes a batch.
func (s *store) prepare(b *Batch) (*decodedBatch, error) {
	if len(b.Messages) > MaxBatchMessages {
		return nil, fmt.Errorf("batch of %d messages exceeds %d", len(b.Messages), MaxBatchMessages)
	}
	p := &decodedBatch{batch: b, started: time.Now()}
	events, rejections := s.decodeAll(b.Messages)
	p.candidates, p.repeats = dropRepeats(events)
	p.rejections = rejections
	return p, nil
}

// commit stores a decoded batch in one transaction: its events, its rejected
// messages, the senders' session states and the offsets, atomically. Exact
// duplicates are dropped; the fast path COPYs without looking for them and
// falls back to a second attempt that removes already stored events when the
// first hits one. A failed commit may be retried with the same decodedBatch
// (the writer does, for transient errors).
func (s *store) commit(ctx context.Context, p *decodedBatch) (Result, error) {
	w := &batchWrite{store: s, batch: p.batch, candidates: p.candidates, rejections: p.rejections}
	err := w.run(ctx, false)
	if isDuplicateEvent(err) {
		err = w.run(ctx, true)
	}
	if isRefusedData(err) {
		if err = w.moveRefusedToRejections(ctx); err == nil {
			err = w.run(ctx, true)
		}
	}
	if err != nil {
		return Result{}, err
	}
	s.senders.store(w.senderStates)
	s.rememberEnvironments(w.events)

	res := Result{
		Messages:   len(p.batch.Messages),
		Stored:     len(w.events),
		Duplicates: p.repeats + len(w.candidates) - len(w.events),
		Rejected:   map[scan.Reason]int{},
		Elapsed:    time.Since(p.started),
	}
	for _, r := range w.rejections {
		res.Rejected[r.err.Reason]++
	}
	return res, nil
}

// forgetSenders drops cached sender states; call it when partitions move.
func (s *store) forgetSenders() { s.senders.clear() }

func (s *store) decodeAll(msgs []Message) ([]*event, []rejection) {
	events := make([]*event, 0, len(msgs))
	var rejections []rejection
	for i := range msgs {
		e, err := s.decoder.decode(&msgs[i])
		if err != nil {
			var rerr *scan.Error
			if !errors.As(err, &rerr) {
				rerr = scan.Reject(scan.NotJSON, "%v", err)
			}
			r := rejection{msg: &msgs[i], err: rerr, index: i}
			if e != nil {
				r.senderID = e.senderID
			}
			rejections = append(rejections, r)
			continue
		}
		e.index = i
		events = append(events, e)
	}
	return events, rejections
}

// dropRepeats removes events whose id (hence bytes) occurred earlier in the batch.
func dropRepeats(events []*event) ([]*event, int) {
	seen := make(map[uuid]struct{}, len(events))
	kept := events[:0]
	for _, e := range events {
		if _, dup := seen[e.id]; dup {
			continue
		}
		seen[e.id] = struct{}{}
		kept = append(kept, e)
	}
	return kept, len(events) - len(kept)
}

func (s *store) rememberEnvironments(events []*event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		if !e.environmentID.isZero() {
			s.environments[e.environmentID] = true
		}
	}
}

func (s *store) unknownEnvironments(events []*event) (ids [][16]byte, names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[uuid]bool{}
	for _, e := range events {
		if e.environmentID.isZero() || s.environments[e.environmentID] || seen[e.environmentID] {
			continue
		}
		seen[e.environmentID] = true
		ids = append(ids, e.environmentID)
		names = append(names, e.environment)
	}
	return ids, names
}

func isDuplicateEvent(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && isEventKey(pgErr.ConstraintName)
}

// maySkipFKChecks reports whether this role may set session_replication_role.
func maySkipFKChecks(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege
		return false, nil
	}
	return err == nil, err
}

// inTx runs fn in a transaction on a pooled connection.
func (s *store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
