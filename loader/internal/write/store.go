package write

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// StoreConfig configures how batches are written (the loader fills it from
// its Config).
type StoreConfig struct {
	DefaultAssistant   string // assistantName of sessions whose events carry no metadata.assistant_id
	DefaultEnvironment string // environment of messages without a RASA_ENVIRONMENT header ("" = none)
	MaxEventBytes      int    // larger messages are rejected as too_large
	ConsumerGroup      string // recorded with the offsets it writes
	SenderCacheSize    int    // sender session states kept in memory
	EnforceForeignKeys bool   // keep per-row foreign key checks on COPY
}

// Store writes batches of messages into PostgreSQL, one transaction each.
type Store struct {
	pool    *pgxpool.Pool
	cfg     StoreConfig
	decoder decode.Decoder
	senders *decode.SenderCache
	log     *slog.Logger

	onCitus bool // the database is a Citus coordinator
	// What a batch's transaction runs first (txSetup): batchSetup skips the
	// per-row foreign key checks when this role may, checkedSetup does not.
	batchSetup, checkedSetup []string

	mu           sync.Mutex
	environments map[decode.UUID]bool // known to exist in "Environment"
}

// NewStore reads the event types the database knows and prepares a Store.
func NewStore(ctx context.Context, pool *pgxpool.Pool, cfg StoreConfig, log *slog.Logger) (*Store, error) {
	types, err := decode.LoadEventTypes(ctx, pool)
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
	// On Citus each batch's transaction sets the default assistant name with
	// SET LOCAL, the one form Citus sends on to the workers, where the insert
	// trigger reads it; SET takes no parameters, so the server quotes it here.
	var citusSettings string
	if err := pool.QueryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
		THEN format('SET LOCAL citus.propagate_set_commands = ''local''; SET LOCAL analytics.default_assistant_name = %L', $1::text)
		ELSE '' END`, cfg.DefaultAssistant).Scan(&citusSettings); err != nil {
		return nil, fmt.Errorf("look for the citus extension: %w", err)
	}
	onCitus := citusSettings != ""
	workersSkip := !onCitus
	if skip && onCitus {
		// Not knowing is not fatal: the workers then keep their checks.
		var askErr error
		workersSkip, askErr = workersMaySkipFKChecks(ctx, pool)
		if !workersSkip {
			var attrs []any
			if askErr != nil {
				attrs = append(attrs, "error", askErr)
			}
			log.Info("foreign key checks stay on for COPY on the Citus workers: this role may not set session_replication_role there "+
				"(SELECT analytics.citus_run_on_workers('GRANT SET ON PARAMETER session_replication_role TO <role>') makes ingestion faster)",
				attrs...)
		}
	}
	return &Store{
		onCitus:      onCitus,
		batchSetup:   txSetup(citusSettings, skip, workersSkip),
		checkedSetup: txSetup(citusSettings, false, false),
		pool:         pool,
		cfg:          cfg,
		decoder:      decode.Decoder{Types: types, DefaultEnvironment: cfg.DefaultEnvironment, MaxEventBytes: cfg.MaxEventBytes},
		senders:      decode.NewSenderCache(cfg.SenderCacheSize),
		log:          log,
		environments: map[decode.UUID]bool{},
	}, nil
}

// DecodedBatch is a batch decoded for COPY: the work that needs no database,
// done before the batch's transaction (and, in a pipeline, while the previous
// batch is being written).
type DecodedBatch struct {
	batch      *Batch
	candidates []*decode.Event // decoded, without repeats inside the batch
	rejections []rejection
	repeats    int // exact duplicates inside the batch
	started    time.Time
}

// Prepare decodes a batch.
func (s *Store) Prepare(b *Batch) (*DecodedBatch, error) {
	if len(b.Messages) > MaxBatchMessages {
		return nil, fmt.Errorf("batch of %d messages exceeds %d", len(b.Messages), MaxBatchMessages)
	}
	p := &DecodedBatch{batch: b, started: time.Now()}
	events, rejections := s.decodeAll(b.Messages)
	p.candidates, p.repeats = dropRepeats(events)
	p.rejections = rejections
	return p, nil
}

// commit stores a decoded batch in one transaction: its events, its rejected
// messages, the senders' session states and the offsets, atomically. Exact
// duplicates are dropped; the fast path COPYs without looking for them and
// falls back to a second attempt that removes already stored events when the
// first hits one. A failed commit may be retried with the same DecodedBatch
// (the writer does, for transient errors).
func (s *Store) commit(ctx context.Context, p *DecodedBatch) (Result, error) {
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
	s.senders.Store(w.senderStates)
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

// OnCitus reports whether the database is a Citus coordinator (found once,
// by NewStore).
func (s *Store) OnCitus() bool { return s.onCitus }

// ForgetSenders drops cached sender states; call it when partitions move.
func (s *Store) ForgetSenders() { s.senders.Clear() }

func (s *Store) decodeAll(msgs []decode.Message) ([]*decode.Event, []rejection) {
	events := make([]*decode.Event, 0, len(msgs))
	var rejections []rejection
	for i := range msgs {
		e, err := s.decoder.Decode(&msgs[i])
		if err != nil {
			var rerr *scan.Error
			if !errors.As(err, &rerr) {
				rerr = scan.Reject(scan.NotJSON, "%v", err)
			}
			r := rejection{msg: &msgs[i], err: rerr, index: i}
			if e != nil {
				r.senderID = e.SenderID
			}
			rejections = append(rejections, r)
			continue
		}
		e.Index = i
		events = append(events, e)
	}
	return events, rejections
}

// dropRepeats removes events whose id (hence bytes) occurred earlier in the batch.
func dropRepeats(events []*decode.Event) ([]*decode.Event, int) {
	seen := make(map[decode.UUID]struct{}, len(events))
	kept := events[:0]
	for _, e := range events {
		if _, dup := seen[e.ID]; dup {
			continue
		}
		seen[e.ID] = struct{}{}
		kept = append(kept, e)
	}
	return kept, len(events) - len(kept)
}

func (s *Store) rememberEnvironments(events []*decode.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		if !e.EnvironmentID.IsZero() {
			s.environments[e.EnvironmentID] = true
		}
	}
}

func (s *Store) unknownEnvironments(events []*decode.Event) (ids [][16]byte, names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[decode.UUID]bool{}
	for _, e := range events {
		if e.EnvironmentID.IsZero() || s.environments[e.EnvironmentID] || seen[e.EnvironmentID] {
			continue
		}
		seen[e.EnvironmentID] = true
		ids = append(ids, e.EnvironmentID)
		names = append(names, e.Environment)
	}
	return ids, names
}

func isDuplicateEvent(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	if pgErr.Code == "23505" {
		return isEventKey(pgErr.ConstraintName)
	}
	// Citus relays a worker's unique violation during COPY as an internal
	// error that keeps only the message.
	const citusDuplicate = `duplicate key value violates unique constraint "`
	if pgErr.Code == "XX000" && strings.HasPrefix(pgErr.Message, citusDuplicate) {
		name, _, _ := strings.Cut(strings.TrimPrefix(pgErr.Message, citusDuplicate), `"`)
		return isEventKey(name)
	}
	return false
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

// txSetup is what a batch's transaction runs first, one message each: on
// Citus the settings its workers need (citusSettings: SET LOCAL with
// propagation on), and with skipFK session_replication_role = replica,
// after citusSettings, which sends it to the workers too, or before, on the
// coordinator only, when the workers refuse this role the right. Separate
// messages, because Citus propagates a SET LOCAL as the text of its whole
// message.
func txSetup(citusSettings string, skipFK, workersSkipFK bool) []string {
	const skipChecks = `SET LOCAL session_replication_role = replica`
	var setup []string
	if skipFK && !workersSkipFK {
		setup = append(setup, skipChecks)
	}
	if citusSettings != "" {
		setup = append(setup, citusSettings)
	}
	if skipFK && workersSkipFK {
		setup = append(setup, skipChecks)
	}
	return setup
}

// workersMaySkipFKChecks reports whether every Citus worker lets this role
// set session_replication_role: the right is each node's own, and Citus
// does not propagate it with the role.
func workersMaySkipFKChecks(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var all bool
	err := pool.QueryRow(ctx, `SELECT coalesce(bool_and(r."success" AND r."result" = 't'), false)
		FROM run_command_on_workers($$SELECT has_parameter_privilege('session_replication_role', 'SET')$$) AS r`).Scan(&all)
	if err != nil {
		return false, fmt.Errorf("ask the Citus workers whether this role may set session_replication_role: %w", err)
	}
	return all, nil
}

// inTx runs fn in a transaction on a pooled connection.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
