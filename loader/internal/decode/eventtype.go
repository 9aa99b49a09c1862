package decode

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// EventTypes maps Rasa's serialized event names to ConversationEventType
// labels. It is built from the enum in the database, so a migration that adds
// a label makes that event storable without a new loader (then
// `replay-rejected` brings back what was rejected before).
type EventTypes map[string]string

// legacyEventNames are Rasa names that do not upper-case to their type.
var legacyEventNames = map[string]string{"form_validation": "LOOP_INTERRUPTED"}

// NewEventTypes maps the names of the given labels.
func NewEventTypes(labels []string) EventTypes {
	t := EventTypes{}
	for _, label := range labels {
		t[strings.ToLower(label)] = label
	}
	for name, label := range legacyEventNames {
		if _, ok := t[name]; !ok && t[strings.ToLower(label)] == label {
			t[name] = label
		}
	}
	return t
}

// lookup returns the type of a Rasa event name. Rasa's names are lower case;
// anything else (including "User") is unknown.
func (t EventTypes) lookup(name string) (string, bool) {
	label, ok := t[name]
	return label, ok
}

// LoadEventTypes reads the labels of the database's ConversationEventType.
func LoadEventTypes(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (EventTypes, error) {
	rows, err := q.Query(ctx, `SELECT unnest(enum_range(NULL::"ConversationEventType"))::text`)
	if err != nil {
		return nil, err
	}
	labels, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return NewEventTypes(labels), nil
}
