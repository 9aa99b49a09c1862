package write

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Citus relays a worker's errors during COPY as XX000 with the worker's
// message (seen on a coordinator with two workers, docs/scaling.md): the
// loader must still tell a duplicate event and a transient failure.
func TestCitusRelayedErrors(t *testing.T) {
	wrap := func(e *pgconn.PgError) error { return fmt.Errorf("copy: %w", e) }
	for _, c := range []struct {
		err                  *pgconn.PgError
		duplicate, transient bool
	}{
		{&pgconn.PgError{Code: "XX000", Message: `duplicate key value violates unique constraint "ConversationEvent_p20241104_pkey_102438"`}, true, false},
		{&pgconn.PgError{Code: "23505", ConstraintName: "ConversationEvent_pkey_102008"}, true, false},
		{&pgconn.PgError{Code: "23505", ConstraintName: "ConversationEvent_default_pkey"}, true, false},
		{&pgconn.PgError{Code: "XX000", Message: `duplicate key value violates unique constraint "Conversation_pkey_102008"`}, false, false},
		{&pgconn.PgError{Code: "XX000", Message: "deadlock detected"}, false, true},
		{&pgconn.PgError{Code: "XX000", Message: "connection to the remote node postgres@127.0.0.1:9701 failed with the following error: server closed the connection"}, false, true},
		{&pgconn.PgError{Code: "XX000", Message: "executor could not find named tuplestore"}, false, false},
	} {
		if got := isDuplicateEvent(wrap(c.err)); got != c.duplicate {
			t.Errorf("isDuplicateEvent(%s %q %q) = %v, want %v", c.err.Code, c.err.ConstraintName, c.err.Message, got, c.duplicate)
		}
		if got := IsTransient(wrap(c.err)); got != c.transient {
			t.Errorf("IsTransient(%s %q) = %v, want %v", c.err.Code, c.err.Message, got, c.transient)
		}
	}
}
