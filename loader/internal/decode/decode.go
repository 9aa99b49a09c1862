package decode

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// Event is one decoded message: a ConversationEvent row plus what session
// assignment needs.
type Event struct {
	ID             UUID
	ConversationID UUID
	Timestamp      time.Time
	ModelID        UUID // zero when the event names no model
	Type           string
	RawData        []byte
	Metadata       []byte
	ActionText     OptString
	Name           OptString
	FlowID         OptString
	StepID         OptString
	AgentID        OptString
	SlotValue      []byte // nil when absent or JSON null
	SenderID       string
	SequenceNumber int64
	EnvironmentID  UUID // zero when the message names no environment
	Environment    string

	Index       int    // position in its batch
	SessionID   string // metadata.session_id (Rasa >= 3.16)
	AssistantID string // metadata.assistant_id
	Pos         Position
}

// OptString is a text column's value: S, or NULL when not OK.
type OptString struct {
	S  string
	OK bool
}

// Decoder turns message values into events.
type Decoder struct {
	Types              EventTypes
	DefaultEnvironment string // used when a message has no RASA_ENVIRONMENT header
	MaxEventBytes      int
}

// Decode returns the event of msg, or a *scan.Error saying why it cannot be
// stored; with an error, the event (if not nil) holds what was decoded, such as
// the sender id, for the rejected events table.
func (d *Decoder) Decode(msg *Message) (*Event, error) {
	if d.MaxEventBytes > 0 && len(msg.Value) > d.MaxEventBytes {
		return nil, scan.Reject(scan.TooLarge, "message of %d bytes exceeds the limit of %d bytes (--max-event-bytes)", len(msg.Value), d.MaxEventBytes)
	}
	m, err := scan.Message(msg.Value, scan.MaxDepth)
	if err != nil {
		return nil, err
	}
	e := &Event{ID: UUIDv5(msg.Value), RawData: m.JSON, Pos: msg.Pos}

	if e.SenderID, err = requiredString(&m, "sender_id"); err != nil {
		return nil, err
	}
	if err := checkIdentifier("sender_id", e.SenderID); err != nil {
		return nil, err
	}
	name, err := requiredString(&m, "event")
	if err != nil {
		return e, err
	}
	if e.Timestamp, err = timestampField(&m); err != nil {
		return e, err
	}
	var ok bool
	if e.Type, ok = d.Types.lookup(name); !ok {
		return e, scan.Reject(scan.UnknownType, "unknown event type %q", scan.Truncate(name, 100))
	}
	if err := d.environmentOf(msg, e); err != nil {
		return e, err
	}

	e.Metadata = []byte("{}")
	var meta []scan.Field
	if raw, ok := m.Value("metadata"); ok && len(raw) > 0 && raw[0] == '{' {
		e.Metadata = raw
		if meta, err = scan.Object(raw, scan.MaxDepth); err != nil {
			return e, err
		}
	}
	metaString := func(key string) string { s, _ := stringOf(lastField(meta, key)); return s }
	if err := checkIdentifierFields(&m, meta); err != nil {
		return e, err
	}
	e.AssistantID = metaString("assistant_id")
	e.SessionID = metaString("session_id")
	if modelID := metaString("model_id"); modelID != "" {
		e.ModelID = UUIDv5([]byte(modelID))
	}

	e.Name = optionalString(&m, "name")
	switch e.Type {
	case "USER":
		e.Name = intentName(&m)
	case "ACTION":
		// the name of the action executed; an end-to-end bot action has none,
		// only the text it uttered (docs/decisions.md)
		e.ActionText = e.Name
		if e.ActionText.S == "" {
			e.ActionText = optionalString(&m, "action_text")
		}
	}
	e.FlowID = optionalString(&m, "flow_id")
	if !e.FlowID.OK {
		e.FlowID = optOf(metaString("active_flow"))
	}
	e.StepID = optionalString(&m, "step_id")
	if !e.StepID.OK {
		e.StepID = optOf(metaString("step_id"))
	}
	e.AgentID = optionalString(&m, "agent_id")
	if e.Type == "SLOT" {
		if raw, ok := m.Value("value"); ok && !scan.IsNull(raw) {
			e.SlotValue = raw
		}
	}
	return e, nil
}

func (d *Decoder) environmentOf(msg *Message, e *Event) error {
	env := d.DefaultEnvironment
	if v, ok := msg.header(environmentHeader); ok {
		env = string(v)
	}
	if env == environmentNotSet || env == "" {
		return nil
	}
	if !utf8.ValidString(env) || strings.IndexByte(env, 0) >= 0 {
		return scan.Reject(scan.Unstorable, "header %s is not valid UTF-8 text", environmentHeader)
	}
	if err := checkIdentifier("header "+environmentHeader, env); err != nil {
		return err
	}
	e.Environment = env
	e.EnvironmentID = UUIDv5([]byte(env))
	return nil
}

// maxIdentifierBytes bounds the values that end up in b-tree keys
// (SenderSession, Conversation, the statistics tables, MachineLearningModel,
// Environment). PostgreSQL refuses index entries above about 2.7 kB, and the
// statistics key of VersionDailyStatistics holds three of these values, so
// 512 bytes each leaves room; real ids are far shorter.
const maxIdentifierBytes = 512

func checkIdentifier(name, value string) error {
	if len(value) > maxIdentifierBytes {
		return scan.Reject(scan.InvalidField, "%s is %d bytes; identifiers longer than %d bytes cannot be indexed", name, len(value), maxIdentifierBytes)
	}
	return nil
}

// checkIdentifierFields checks the identifiers the triggers read from the
// JSON, by the length of the text PostgreSQL stores (the decoded string). A
// value that is not a string is no identifier: it counts as absent
// (analytics.identifier), whatever its length.
func checkIdentifierFields(m *scan.Scanned, meta []scan.Field) error {
	check := func(name string, raw []byte) error {
		if len(raw) <= maxIdentifierBytes {
			return nil // a JSON string never decodes longer than its source
		}
		if s, ok := stringOf(raw); ok {
			return checkIdentifier(name, s)
		}
		return nil
	}
	top := func(key string) []byte { raw, _ := m.Value(key); return raw }
	for _, f := range []struct {
		name string
		raw  []byte
	}{
		{"input_channel", top("input_channel")},
		{"flow_id", top("flow_id")},
		{"metadata.assistant_id", lastField(meta, "assistant_id")},
		{"metadata.model_id", lastField(meta, "model_id")},
		{"metadata.model_name", lastField(meta, "model_name")},
		{"metadata.active_flow", lastField(meta, "active_flow")},
	} {
		if err := check(f.name, f.raw); err != nil {
			return err
		}
	}
	return nil
}

func requiredString(m *scan.Scanned, key string) (string, error) {
	raw, ok := m.Value(key)
	if !ok || scan.IsNull(raw) {
		return "", scan.Reject(scan.MissingField, "missing %s", key)
	}
	s, ok := scan.String(raw)
	if !ok {
		return "", scan.Reject(scan.InvalidField, "field %q is not a string: %s", key, scan.Truncate(string(raw), 40))
	}
	return s, nil
}

// Timestamps outside years 1..9999 are rejected: PostgreSQL could store some of
// them, but no BI tool or date function handles them sensibly.
var (
	minTimestamp = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxTimestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

func timestampField(m *scan.Scanned) (time.Time, error) {
	raw, ok := m.Value("timestamp")
	if m.IsNonFinite("timestamp") {
		return time.Time{}, scan.Reject(scan.BadTimestamp, "timestamp is NaN or Infinity, not a finite number")
	}
	if !ok || scan.IsNull(raw) {
		return time.Time{}, scan.Reject(scan.MissingField, "missing timestamp")
	}
	if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return time.Time{}, scan.Reject(scan.BadTimestamp, "timestamp is not a number: %s", scan.Truncate(string(raw), 40))
	}
	us, ok := epochMicros(string(raw))
	if !ok {
		return time.Time{}, scan.Reject(scan.BadTimestamp, "timestamp %s is out of range (years 1 to 9999)", scan.Truncate(string(raw), 40))
	}
	return time.UnixMicro(us).UTC(), nil
}

// epochMicros converts a JSON number of seconds to microseconds, exactly for
// plain decimals (the usual Python float repr), rounding half away from zero.
func epochMicros(num string) (int64, bool) {
	if !strings.ContainsAny(num, "eE") {
		neg := strings.HasPrefix(num, "-")
		intPart, frac, _ := strings.Cut(strings.TrimPrefix(num, "-"), ".")
		if len(intPart) > 12 {
			return 0, false
		}
		sec, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return 0, false
		}
		frac += "0000000"
		micros, _ := strconv.ParseInt(frac[:6], 10, 64)
		if frac[6] >= '5' {
			micros++
		}
		us := sec*1_000_000 + micros
		if neg {
			us = -us
		}
		return us, inRange(us)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f < float64(minTimestamp) || f >= float64(maxTimestamp) {
		return 0, false
	}
	us := int64(math.Round(f * 1e6))
	return us, inRange(us)
}

func inRange(us int64) bool {
	return us >= minTimestamp*1_000_000 && us < maxTimestamp*1_000_000
}

func optionalString(m *scan.Scanned, key string) OptString {
	raw, _ := m.Value(key)
	s, ok := scan.String(raw)
	return OptString{s, ok}
}

func optOf(s string) OptString { return OptString{s, s != ""} }

// intentName is parse_data.intent.name of a USER event.
func intentName(m *scan.Scanned) OptString {
	parseData, ok := m.Value("parse_data")
	if !ok || len(parseData) == 0 || parseData[0] != '{' {
		return OptString{}
	}
	fields, err := scan.Object(parseData, scan.MaxDepth)
	if err != nil {
		return OptString{}
	}
	intent := lastField(fields, "intent")
	if len(intent) == 0 || intent[0] != '{' {
		return OptString{}
	}
	if fields, err = scan.Object(intent, scan.MaxDepth); err != nil {
		return OptString{}
	}
	s, ok := scan.String(lastField(fields, "name"))
	return OptString{s, ok}
}

func lastField(fields []scan.Field, key string) []byte {
	if i := scan.LastIndex(fields, key); i >= 0 {
		return fields[i].Value
	}
	return nil
}

func stringOf(raw []byte) (string, bool) {
	if raw == nil {
		return "", false
	}
	return scan.String(raw)
}
