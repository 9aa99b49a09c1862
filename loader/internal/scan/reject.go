package scan

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reason says why a message cannot be stored as an event.
type Reason string

const (
	// NotJSON: the value is not one JSON value (Python's bare NaN,
	// Infinity and -Infinity count as JSON here).
	NotJSON Reason = "not_json"
	// NotObject: valid JSON whose top-level value is not an object.
	NotObject Reason = "not_object"
	// Unstorable: text or numbers PostgreSQL jsonb cannot hold (\u0000,
	// invalid UTF-8, lone surrogates, numbers beyond numeric's range), or
	// nesting deeper than the caller's limit.
	Unstorable Reason = "unstorable_text"

	// The decoder's reasons: what a well-formed JSON object can still lack.
	TooLarge     Reason = "too_large"     // over --max-event-bytes
	MissingField Reason = "missing_field" // sender_id, event or timestamp absent or null
	InvalidField Reason = "invalid_field" // a field of the wrong type, an identifier too long to index
	BadTimestamp Reason = "bad_timestamp" // not a finite number, or outside years 1 to 9999
	UnknownType  Reason = "unknown_type"  // an event name the database's enum does not hold

	// DatabaseRefused: PostgreSQL refused the row although the decoder
	// passed it, found by bisecting the batch.
	DatabaseRefused Reason = "database_refused"
)

// Reasons are all the reasons, in the order above.
var Reasons = []Reason{NotJSON, NotObject, Unstorable, TooLarge, MissingField, InvalidField, BadTimestamp, UnknownType, DatabaseRefused}

// Error is the error of Message and Object.
type Error struct {
	Reason Reason
	Detail string // what was wrong and where, e.g. "unexpected character 'x' at byte 12"
}

func (e *Error) Error() string {
	switch e.Reason {
	case NotJSON:
		return "not JSON: " + e.Detail
	case NotObject:
		return "not a JSON object: " + e.Detail
	case Unstorable:
		return "text jsonb cannot store: " + e.Detail
	}
	return e.Detail // the decoder's reasons read whole
}

// Reject is the error of a message rejected for reason.
func Reject(reason Reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Truncate shortens s to about n bytes of valid UTF-8 without NULs, so that
// it can go into a reason text column.
func Truncate(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
