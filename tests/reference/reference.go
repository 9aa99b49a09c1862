// Package reference computes, in plain Go and straight from the SPEC's input
// and metric rules (docs/decisions.md, "Input and decoding" and "Metrics"),
// what the database must hold after a stream of Rasa events: one record per
// conversation session and the daily statistics. It shares no code with the
// loader or the SQL, so tests that compare the two catch a mistake in either.
// It favours obviousness over speed.
package reference

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Settings are an assistant's settings (docs/decisions.md, "Metrics").
type Settings struct {
	EscalationFlows   []string
	EscalationActions []string
	CSATFlow          string
	CSATSlot          string
	Satisfied         []string
	Unsatisfied       []string
	Timezone          string
}

// DefaultSettings are the SPEC's defaults.
func DefaultSettings() Settings {
	return Settings{
		EscalationFlows:   []string{"pattern_human_handoff"},
		EscalationActions: []string{"action_human_handoff", "action_handoff_metric"},
		CSATFlow:          "pattern_customer_satisfaction",
		CSATSlot:          "csat_score",
		Satisfied:         []string{"satisfied", "positive", "thumbs_up", "true", "3", "4", "5"},
		Unsatisfied:       []string{"unsatisfied", "negative", "thumbs_down", "false", "1", "2"},
		Timezone:          "UTC",
	}
}

// Criteria are an assistant's success criteria.
type Criteria struct{ Included, Excluded []string }

// Options configure a computation.
type Options struct {
	DefaultAssistant string              // "unknown" if empty
	Settings         map[string]Settings // per assistant; others get DefaultSettings
	Criteria         map[string]Criteria // per assistant
}

// Conversation is one session.
type Conversation struct {
	ID                                                     [16]byte
	AssistantName, AssistantVersion, SenderID, ChannelName string
	UserID                                                 *string
	SessionID                                              string // metadata.session_id, if the session came from one
	StartDate, LastEventAt                                 time.Time
	Day                                                    string // YYYY-MM-DD in the assistant's timezone
	TotalNumberOfUserMessages                              int
	Ingested                                               bool
	EscalatedAt                                            *time.Time
	CSATRating                                             *string
	LatencySamplesMs                                       []float64
	FlowsStarted, FlowsCompleted, FlowsActiveAtEscalation  []string
	Events                                                 int
}

// VersionStats is a VersionDailyStatistics row.
type VersionStats struct {
	Date, AssistantName, ChannelName, Version      string
	TotalSessions, AutomatedCount, EscalatedCount  int
	AverageLatencyMs, P50, P95, P99                *float64
	CSATSatisfied, CSATUnsatisfied, CSATUnanswered int
	CustomSuccessCount, CustomFailureCount         *int
}

// FlowStats is a FlowDailyStatistics row.
type FlowStats struct {
	Date, AssistantName, FlowName                 string
	TotalSessions, AutomatedCount, EscalatedCount int
}

// Result is everything computed from a stream.
type Result struct {
	Stored, Duplicates, Invalid int
	Conversations               []Conversation
	VersionStats                []VersionStats
	FlowStats                   []FlowStats
}

type event struct {
	bytes     []byte
	raw       map[string]json.RawMessage
	meta      map[string]json.RawMessage
	sender    string
	typ       string
	ts        time.Time
	sessionID string
}

// Compute applies the SPEC to messages in stream order. Messages that are not
// valid events are counted as Invalid and otherwise ignored.
func Compute(messages [][]byte, opts Options) Result {
	if opts.DefaultAssistant == "" {
		opts.DefaultAssistant = "unknown"
	}
	var res Result
	seen := map[string]bool{}
	var events []event
	for _, m := range messages {
		e, ok := parse(m)
		if !ok {
			res.Invalid++
			continue
		}
		if seen[string(m)] {
			res.Duplicates++
			continue
		}
		seen[string(m)] = true
		events = append(events, e)
	}
	res.Stored = len(events)

	sessions := sessionize(events)
	for _, s := range sessions {
		c := summarize(s, opts)
		c.ID = conversationID(s, opts.DefaultAssistant)
		res.Conversations = append(res.Conversations, c)
	}
	res.VersionStats = versionStats(res.Conversations, opts)
	res.FlowStats = flowStats(res.Conversations)
	return res
}

func parse(m []byte) (event, bool) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(pythonTokensToNull(m)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return event{}, false
	}
	if containsNUL(pythonTokensToNull(m)) {
		return event{}, false // jsonb cannot store U+0000
	}
	e := event{bytes: m, raw: raw}
	var ok bool
	if e.sender, ok = str(raw["sender_id"]); !ok {
		return event{}, false
	}
	name, ok := str(raw["event"])
	if !ok {
		return event{}, false
	}
	if e.typ, ok = eventTypes[name]; !ok {
		return event{}, false
	}
	var ts json.Number
	// A JSON string holding a number is not a number (encoding/json would take it).
	if t := raw["timestamp"]; len(t) == 0 || t[0] == '"' || json.Unmarshal(t, &ts) != nil {
		return event{}, false
	}
	f, err := ts.Float64()
	if err != nil || math.IsInf(f, 0) {
		return event{}, false
	}
	e.ts = time.UnixMicro(int64(math.Round(f * 1e6))).UTC()
	_ = json.Unmarshal(raw["metadata"], &e.meta)
	e.sessionID, _ = str(e.meta["session_id"])
	return e, true
}

var eventTypes = func() map[string]string {
	m := map[string]string{"form_validation": "LOOP_INTERRUPTED"}
	for _, t := range strings.Fields(`ACTION SESSION_STARTED SLOT RESET_SLOTS FLOW_STARTED FLOW_INTERRUPTED
		FLOW_RESUMED FLOW_COMPLETED FLOW_CANCELLED FORM ACTIVE_LOOP RESTART CONVERSATION_INACTIVE SESSION_ENDED
		ENTITIES FOLLOWUP ACTION_EXECUTION_REJECTED STACK ROUTING_SESSION_ENDED REMINDER CANCEL_REMINDER REWIND
		UNDO EXPORT PAUSE RESUME LOOP_INTERRUPTED AGENT_STARTED AGENT_COMPLETED AGENT_INTERRUPTED AGENT_CANCELLED
		AGENT_RESUMED USER BOT USER_FEATURIZATION SESSION_PAUSED AGENT ERROR`) {
		m[strings.ToLower(t)] = t
	}
	return m
}()

// str is a JSON string's value; false for anything else (null included).
func str(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (e event) field(key string) string   { s, _ := str(e.raw[key]); return s }
func (e event) metaStr(key string) string { s, _ := str(e.meta[key]); return s }

type session struct {
	sessionID string
	events    []event
}

// sessionize follows docs/decisions.md, "Input and decoding": a session_id names its session; other
// events open a session at action_session_start, or at session_started not
// directly after one, in each sender's stream; before any, an implicit one. A
// session_started_metadata slot whose sender's next event (without session_id)
// is action_session_start opens that action's session itself.
func sessionize(events []event) []*session {
	opensWithSlot := startSlots(events)
	var order []*session
	byID := map[string]*session{}
	current := map[string]*session{}
	afterStart := map[string]bool{}
	afterOpeningSlot := map[string]bool{}
	for i, e := range events {
		if e.sessionID != "" {
			s := byID[e.sessionID]
			if s == nil {
				s = &session{sessionID: e.sessionID}
				byID[e.sessionID] = s
				order = append(order, s)
			}
			s.events = append(s.events, e)
			continue
		}
		isStart := e.typ == "ACTION" && e.field("name") == "action_session_start"
		opens := opensWithSlot[i] ||
			(isStart && !afterOpeningSlot[e.sender]) ||
			(e.typ == "SESSION_STARTED" && !afterStart[e.sender])
		afterStart[e.sender] = isStart
		afterOpeningSlot[e.sender] = opensWithSlot[i]
		if opens || current[e.sender] == nil {
			s := &session{}
			current[e.sender] = s
			order = append(order, s)
		}
		current[e.sender].events = append(current[e.sender].events, e)
	}
	return order
}

// startSlots marks the session_started_metadata slots whose sender's next
// event without a session_id is ACTION action_session_start.
func startSlots(events []event) map[int]bool {
	marked := map[int]bool{}
	previous := map[string]int{} // sender → index of its last event without session_id
	for i, e := range events {
		if e.sessionID != "" {
			continue
		}
		if p, ok := previous[e.sender]; ok && e.typ == "ACTION" && e.field("name") == "action_session_start" &&
			events[p].typ == "SLOT" && events[p].field("name") == "session_started_metadata" {
			marked[p] = true
		}
		previous[e.sender] = i
	}
	return marked
}

// pythonTokensToNull replaces Python's bare NaN, Infinity and -Infinity
// (outside strings) with null, as docs/decisions.md, "Input and decoding" says to store them.
func pythonTokensToNull(m []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(m); i++ {
		c := m[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inString = true
		}
		replaced := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(m[i:], []byte(tok)) {
				out = append(out, "null"...)
				i += len(tok) - 1
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, c)
		}
	}
	return out
}

func unixMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

// containsNUL reports a U+0000 in any string of the JSON document m.
func containsNUL(m []byte) bool {
	var v any
	dec := json.NewDecoder(bytes.NewReader(m))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			return strings.ContainsRune(x, 0)
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range x {
				if strings.ContainsRune(k, 0) || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// conversationID: the session_id when it is a UUID, else its UUIDv5; for a
// derived session, UUIDv5("assistant|sender|id of its first event"), where an
// event's id is the UUIDv5 of its bytes and the assistant is the first
// event's (docs/decisions.md, "Input and decoding").
func conversationID(s *session, defaultAssistant string) [16]byte {
	if s.sessionID != "" {
		if u, err := uuid.Parse(s.sessionID); err == nil {
			return u
		}
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte(s.sessionID))
	}
	first := s.events[0]
	assistant := first.metaStr("assistant_id")
	if assistant == "" {
		assistant = defaultAssistant
	}
	eventID := uuid.NewSHA1(uuid.NameSpaceURL, first.bytes)
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(assistant+"|"+first.sender+"|"+eventID.String()))
}
