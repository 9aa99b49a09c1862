package write

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// isRefusedData reports a COPY that PostgreSQL refused because of a value in
// some row (data exceptions, class 22, integrity violations, class 23, other
// than an already stored event, and program_limit_exceeded, 54000, which is
// what an index entry too large for a b-tree page raises), which no retry of
// the same rows fixes.
func isRefusedData(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || isDuplicateEvent(err) {
		return false
	}
	return strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23") ||
		pgErr.Code == "54000"
}

// isolateRefused finds the events PostgreSQL refuses, by bisection inside one
// transaction that is rolled back: each subset is COPYed under a savepoint, and
// a single event that fails alone is refused. The decoder should catch all of
// these first; this is the safety net that keeps one unforeseen value from
// blocking a partition forever.
func (w *batchWrite) isolateRefused(ctx context.Context) (map[*decode.Event]string, error) {
	refused := map[*decode.Event]string{}
	err := w.store.inTx(ctx, func(tx pgx.Tx) error {
		if err := w.store.beginBatch(ctx, tx); err != nil {
			return err
		}
		p, err := w.prepare(ctx, tx, true)
		if err != nil {
			return err
		}
		var bisect func(events []*decode.Event) error
		bisect = func(events []*decode.Event) error {
			if len(events) == 0 {
				return nil
			}
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			copyErr := copyEvents(ctx, sp, events)
			if err := sp.Rollback(ctx); err != nil {
				return err
			}
			switch {
			case copyErr == nil:
				return nil
			case !isRefusedData(copyErr):
				return copyErr
			case len(events) == 1:
				refused[events[0]] = refusal(copyErr)
				return nil
			}
			half := len(events) / 2
			if err := bisect(events[:half]); err != nil {
				return err
			}
			return bisect(events[half:])
		}
		if err := bisect(p.events); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return refused, err
}

var errRollback = errors.New("rollback")

func refusal(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("PostgreSQL refused the event: %s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	return err.Error()
}

// moveRefusedToRejections takes the events PostgreSQL refuses out of the batch
// and records them as rejected messages instead.
func (w *batchWrite) moveRefusedToRejections(ctx context.Context) error {
	refused, err := w.isolateRefused(ctx)
	if err != nil {
		return err
	}
	kept := w.candidates[:0]
	for _, e := range w.candidates {
		reason, bad := refused[e]
		if !bad {
			kept = append(kept, e)
			continue
		}
		w.rejections = append(w.rejections, rejection{
			msg:      &w.batch.Messages[e.Index],
			err:      scan.Reject(scan.DatabaseRefused, "%s", reason),
			senderID: e.SenderID,
			index:    e.Index,
		})
	}
	w.candidates = kept
	return nil
}
