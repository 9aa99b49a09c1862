package traffic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// collect runs Generate and keeps copies of all messages.
func collect(t testing.TB, cfg Config) ([]Message, Stats) {
	t.Helper()
	var msgs []Message
	st, err := Generate(context.Background(), cfg, func(m Message) error {
		c := Message{Key: bytes.Clone(m.Key), Value: bytes.Clone(m.Value), Time: m.Time}
		for _, h := range m.Headers {
			c.Headers = append(c.Headers, Header{h.Key, bytes.Clone(h.Value)})
		}
		msgs = append(msgs, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != len(msgs) {
		t.Fatalf("Stats.Messages = %d, emitted %d", st.Messages, len(msgs))
	}
	return msgs, st
}

func digest(t testing.TB, cfg Config) [32]byte {
	t.Helper()
	h := sha256.New()
	_, err := Generate(context.Background(), cfg, func(m Message) error {
		fmt.Fprintf(h, "%q %d %d|", m.Key, m.Time.UnixMicro(), len(m.Headers))
		for _, hd := range m.Headers {
			fmt.Fprintf(h, "%s=%s|", hd.Key, hd.Value)
		}
		h.Write(m.Value)
		h.Write([]byte{'\n'})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func smallConfig(events int) Config {
	cfg := DefaultConfig()
	cfg.Events = events
	return cfg
}

func TestDeterministic(t *testing.T) {
	cfg := smallConfig(30_000)
	cfg.DuplicateRate, cfg.BadRate, cfg.QuirkRate = 0.01, 0.01, 0.01
	a, b := digest(t, cfg), digest(t, cfg)
	if a != b {
		t.Fatal("same config produced different streams")
	}
	cfg.Seed++
	if c := digest(t, cfg); c == a {
		t.Fatal("different seeds produced the same stream")
	}
	cfg.Seed--
	cfg.TimeOrdered = true
	if d, e := digest(t, cfg), digest(t, cfg); d != e || d == a {
		t.Fatal("TimeOrdered: not deterministic or identical to the interleaved stream")
	}
}

// event is the part of a Rasa event the tests look at.
type event struct {
	SenderID  *string  `json:"sender_id"`
	UserID    *string  `json:"user_id"`
	Event     *string  `json:"event"`
	Timestamp *float64 `json:"timestamp"`
	Metadata  struct {
		SessionID  string `json:"session_id"`
		ModelName  string `json:"model_name"`
		ModelID    string `json:"model_id"`
		Assistant  string `json:"assistant_id"`
		IsExternal bool   `json:"is_external"`
		Reason     string `json:"_reason"`
	} `json:"metadata"`
	Name      string          `json:"name"`
	FlowID    string          `json:"flow_id"`
	Value     json.RawMessage `json:"value"`
	Text      string          `json:"text"`
	Channel   *string         `json:"input_channel"`
	Update    *string         `json:"update"`
	ParseData *struct {
		Commands []map[string]any `json:"commands"`
	} `json:"parse_data"`
}

var knownEvents = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range evNames {
		m[n] = true
	}
	return m
}()

// classify applies docs/decisions.md, "Bad input": it returns the decoded event, or the
// reason the message must be rejected. Python's NaN/Infinity outside
// strings are accepted as null except in the timestamp (docs/decisions.md, "Input and decoding").
func classify(v []byte) (*event, string) {
	v2 := v
	if bytes.Contains(v, []byte("NaN")) || bytes.Contains(v, []byte("Infinity")) {
		v2 = pyTokensToNull(v)
	}
	var raw any
	if err := json.Unmarshal(v2, &raw); err != nil {
		return nil, "not JSON"
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, "not a JSON object"
	}
	if sid, _ := obj["sender_id"].(string); sid == "" {
		return nil, "missing sender_id"
	}
	if obj["event"] == nil {
		return nil, "missing event"
	}
	if _, ok := obj["timestamp"]; !ok || bytes.Contains(v, []byte(`"timestamp": null`)) {
		return nil, "missing timestamp"
	}
	if _, ok := obj["timestamp"].(float64); !ok {
		return nil, "timestamp is not a number"
	}
	if name, _ := obj["event"].(string); !knownEvents[name] {
		return nil, "unknown event type"
	}
	if bytes.Contains(v, []byte(`\u0000`)) {
		return nil, "string contains U+0000"
	}
	var e event
	if err := json.Unmarshal(v2, &e); err != nil {
		return nil, "wrong field type: " + err.Error()
	}
	return &e, ""
}

// pyTokensToNull replaces bare NaN/Infinity/-Infinity outside strings by null.
func pyTokensToNull(v []byte) []byte {
	var out []byte
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if in {
			out = append(out, c)
			if c == '\\' && i+1 < len(v) {
				i++
				out = append(out, v[i])
			} else if c == '"' {
				in = false
			}
			continue
		}
		switch {
		case c == '"':
			in = true
		case bytes.HasPrefix(v[i:], []byte("NaN")):
			out, i = append(out, "null"...), i+2
			continue
		case bytes.HasPrefix(v[i:], []byte("Infinity")):
			out, i = append(out, "null"...), i+7
			continue
		case bytes.HasPrefix(v[i:], []byte("-Infinity")):
			out, i = append(out, "null"...), i+8
			continue
		}
		out = append(out, c)
	}
	return out
}

// pyReencode decodes v token by token and writes it back the way Python's
// json.dumps would (key order kept, numbers verbatim).
func pyReencode(v []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var out []byte
	type level struct {
		obj   bool
		n     int
		isKey bool
	}
	var stack []level
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out = append(out, byte(d))
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].isKey = true
			}
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.obj && top.isKey {
				if top.n > 0 {
					out = append(out, ", "...)
				}
				top.n++
			} else if top.obj {
				out = append(out, ": "...)
			} else {
				if top.n > 0 {
					out = append(out, ", "...)
				}
				top.n++
			}
		}
		isKeyTok := len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].isKey
		switch x := tok.(type) {
		case json.Delim:
			out = append(out, byte(x))
			stack = append(stack, level{obj: x == '{', isKey: true})
			continue
		case string:
			out = appendPyString(out, x)
		case json.Number:
			out = append(out, x...)
		case bool:
			out = strconv.AppendBool(out, x)
		case nil:
			out = append(out, "null"...)
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].isKey = !isKeyTok
		}
	}
}

func TestPythonJSONFormat(t *testing.T) {
	msgs, st := collect(t, smallConfig(60_000))
	if st.Bad != 0 || st.Duplicates != 0 || st.Quirks != 0 {
		t.Fatalf("default config must produce clean events: %+v", st)
	}
	for i, m := range msgs {
		if !json.Valid(m.Value) {
			t.Fatalf("message %d is not valid JSON: %s", i, m.Value)
		}
		re, err := pyReencode(m.Value)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(re, m.Value) {
			t.Fatalf("message %d is not json.dumps output:\n got %s\nwant %s", i, m.Value, re)
		}
		if !strings.HasPrefix(string(m.Value), `{"sender_id": "`+string(m.Key)+`", `) {
			t.Fatalf("message %d: key %q does not match sender_id: %s", i, m.Key, m.Value)
		}
		if len(m.Headers) != 1 || m.Headers[0].Key != "RASA_ENVIRONMENT" || string(m.Headers[0].Value) != "production" {
			t.Fatalf("message %d: headers %v", i, m.Headers)
		}
		// the timestamp is Python's repr of a float and equals Message.Time
		j := bytes.Index(m.Value, []byte(`"timestamp": `)) + len(`"timestamp": `)
		k := bytes.IndexByte(m.Value[j:], ',') + j
		lit := string(m.Value[j:k])
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			t.Fatalf("message %d: timestamp %q", i, lit)
		}
		if want := pyRepr(f); lit != want {
			t.Fatalf("message %d: timestamp %q, Python would write %q", i, lit, want)
		}
		if us := int64(math.Round(f * 1e6)); us != m.Time.UnixMicro() || m.Time.Location() != time.UTC {
			t.Fatalf("message %d: Time %v does not match timestamp %s", i, m.Time, lit)
		}
		if bytes.Contains(m.Value, []byte("\n")) {
			t.Fatalf("message %d holds a raw newline", i)
		}
		for _, c := range m.Value {
			if c >= 0x80 {
				t.Fatalf("message %d holds non-ASCII bytes (ensure_ascii): %s", i, m.Value)
			}
		}
	}
	// stack updates are JSON strings holding JSON-patch lists
	var e event
	n := 0
	for _, m := range msgs {
		if !bytes.Contains(m.Value, []byte(`"event": "stack"`)) {
			continue
		}
		if err := json.Unmarshal(m.Value, &e); err != nil || e.Update == nil {
			t.Fatalf("stack event without update: %s", m.Value)
		}
		var ops []map[string]any
		if err := json.Unmarshal([]byte(*e.Update), &ops); err != nil || len(ops) == 0 {
			t.Fatalf("update is not a JSON patch list: %q", *e.Update)
		}
		re, _ := pyReencode([]byte(*e.Update))
		if string(re) != *e.Update {
			t.Fatalf("update not in json.dumps form: %s", *e.Update)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no stack events")
	}
}

func pyRepr(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func TestPyFloatAndString(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{{1.0, "1.0"}, {0, "0.0"}, {120.5, "120.5"}, {0.8393586103804717, "0.8393586103804717"}, {1e-05, "1e-05"}, {1.5e16, "1.5e+16"}, {1e15, "1000000000000000.0"}, {math.NaN(), "NaN"}, {math.Inf(-1), "-Infinity"}} {
		if got := string(appendPyFloat(nil, c.f)); got != c.want {
			t.Errorf("appendPyFloat(%v) = %s, want %s", c.f, got, c.want)
		}
	}
	for _, c := range []struct{ us, want string }{{"1730679820158515", "1730679820.158515"}, {"1730679824514630", "1730679824.51463"}, {"1730679824000000", "1730679824.0"}} {
		us, _ := strconv.ParseInt(c.us, 10, 64)
		if got := string(appendTS(nil, us)); got != c.want {
			t.Errorf("appendTS(%s) = %s, want %s", c.us, got, c.want)
		}
	}
	if got := string(appendPyString(nil, "Hauptstraße 5 💳 \"q\"\\\n\x00\x7f")); got != `"Hauptstra\u00dfe 5 \ud83d\udcb3 \"q\"\\\n\u0000\u007f"` {
		t.Errorf("appendPyString = %s", got)
	}
	if got := string(textTokens("Add  contact ok")); got != "[[0, 3], [5, 12], [13, 15]]" {
		t.Errorf("textTokens = %s", got)
	}
	if got := string(appendISO(nil, 1730714400_123456)); got != "2024-11-04T10:00:00.123456" {
		t.Errorf("appendISO = %s", got)
	}
}

func TestSenderOrderAndWindow(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		cfg := smallConfig(80_000)
		cfg.TimeOrdered = ordered
		cfg.DuplicateRate = 0.01
		msgs, _ := collect(t, cfg)
		last := map[string]float64{}
		prev := 0.0
		start := float64(cfg.Start.Unix())
		end := float64(cfg.Start.Add(time.Duration(cfg.Days+1) * 24 * time.Hour).Unix())
		first := map[string]bool{}
		for i, m := range msgs {
			e, reason := classify(m.Value)
			if reason != "" {
				t.Fatalf("message %d rejected (%s): %s", i, reason, m.Value)
			}
			ts := *e.Timestamp
			if ts < last[*e.SenderID] {
				t.Fatalf("sender %s goes back in time at message %d: %f < %f", *e.SenderID, i, ts, last[*e.SenderID])
			}
			last[*e.SenderID] = ts
			if ordered && ts < prev {
				t.Fatalf("TimeOrdered: message %d at %f after %f", i, ts, prev)
			}
			prev = max(prev, ts)
			if !first[*e.SenderID] {
				first[*e.SenderID] = true
				if ts < start || ts > end {
					t.Fatalf("sender %s starts at %f, outside the %d-day window", *e.SenderID, ts, cfg.Days)
				}
			}
		}
	}
}

func TestEventsBudget(t *testing.T) {
	for _, n := range []int{3_000, 20_000, 150_000} {
		_, st := collect(t, smallConfig(n))
		if st.Events < n*95/100 || st.Events > n*115/100 {
			t.Errorf("Events = %d: emitted %d", n, st.Events)
		}
		if st.Events != st.Messages {
			t.Errorf("no duplicates or bad messages expected: %+v", st)
		}
	}
}

func TestDuplicatesAndBadMessages(t *testing.T) {
	cfg := smallConfig(100_000)
	cfg.DuplicateRate, cfg.BadRate, cfg.QuirkRate = 0.03, 0.01, 0.02
	msgs, st := collect(t, cfg)
	dups, bad, quirks := 0, 0, 0
	reasons := map[string]int{}
	seen := map[[32]byte]bool{}
	for i, m := range msgs {
		if i > 0 && bytes.Equal(m.Value, msgs[i-1].Value) && bytes.Equal(m.Key, msgs[i-1].Key) {
			dups++
			continue
		}
		e, reason := classify(m.Value)
		if reason != "" {
			bad++
			reasons[reason]++
			continue
		}
		if !json.Valid(m.Value) {
			quirks++ // NaN / Infinity tokens (accepted by the SPEC)
		}
		h := sha256.Sum256(m.Value)
		if seen[h] {
			t.Fatalf("a non-adjacent exact duplicate: %s", m.Value)
		}
		seen[h] = true
		if *e.Event == "user" && e.Text == "" {
			t.Fatalf("user event without text: %s", m.Value)
		}
	}
	if dups != st.Duplicates || bad != st.Bad {
		t.Fatalf("counted %d duplicates and %d bad, Stats says %+v", dups, bad, st)
	}
	near := func(got int, rate float64) bool {
		want := rate * float64(st.Events)
		return math.Abs(float64(got)-want) < 4*math.Sqrt(want)+1
	}
	if !near(dups, cfg.DuplicateRate) || !near(bad, cfg.BadRate) || !near(st.Quirks, cfg.QuirkRate*float64(st.ByType["user"])/float64(st.Events)) {
		t.Fatalf("rates off: %d duplicates, %d bad, %d quirks for %d events", dups, bad, st.Quirks, st.Events)
	}
	if quirks == 0 || quirks > st.Quirks {
		t.Fatalf("%d messages with NaN/Infinity, %d quirks", quirks, st.Quirks)
	}
	for _, r := range []string{"not JSON", "not a JSON object", "missing sender_id", "missing event", "missing timestamp", "unknown event type", "timestamp is not a number", "string contains U+0000"} {
		if reasons[r] == 0 {
			t.Errorf("no bad message of kind %q: %v", r, reasons)
		}
	}
	t.Logf("bad message reasons: %v", reasons)
}

// ----------------------------------------------------------- sessions (docs/decisions.md, "Input and decoding" and "Metrics")

type session struct {
	sender     string
	sessionID  string
	start      float64
	r316       bool
	escalated  bool
	csat       string
	users      int
	events     int
	ended      bool
	channel    string
	assistant  string
	version    string
	latencies  []float64
	pendingUsr []float64
}

type analysis struct {
	sessions []*session
	senders  map[string]int
	latency  []float64
}

var satisfied = map[string]bool{"satisfied": true, "positive": true, "thumbs_up": true, "true": true, "3": true, "4": true, "5": true}
var unsatisfied = map[string]bool{"unsatisfied": true, "negative": true, "thumbs_down": true, "false": true, "1": true, "2": true}

// analyze sessionizes a stream the way docs/decisions.md, "Input and decoding" says and computes
// the section 4 outcomes per session.
func analyze(t testing.TB, msgs []Message) *analysis {
	a := &analysis{senders: map[string]int{}}
	byID := map[string]*session{}
	cur := map[string]*session{} // sender -> derived session
	afterStart := map[string]bool{}
	seen := map[[32]byte]bool{}
	for _, m := range msgs {
		h := sha256.Sum256(m.Value)
		if seen[h] {
			continue
		}
		seen[h] = true
		e, reason := classify(m.Value)
		if reason != "" {
			continue
		}
		snd, ev := *e.SenderID, *e.Event
		var s *session
		if e.Metadata.SessionID != "" {
			s = byID[e.Metadata.SessionID]
			if s == nil {
				s = &session{sender: snd, sessionID: e.Metadata.SessionID, start: *e.Timestamp, r316: true}
				byID[e.Metadata.SessionID] = s
				a.sessions = append(a.sessions, s)
			}
		} else {
			isStart := ev == "action" && e.Name == "action_session_start"
			open := isStart || ev == "session_started" && !afterStart[snd]
			afterStart[snd] = isStart
			s = cur[snd]
			if open || s == nil {
				s = &session{sender: snd, start: *e.Timestamp}
				cur[snd] = s
				a.sessions = append(a.sessions, s)
			}
		}
		s.events++
		s.start = min(s.start, *e.Timestamp)
		if s.assistant == "" {
			s.assistant = e.Metadata.Assistant
			s.version = cmp(e.Metadata.ModelName, e.Metadata.ModelID)
		}
		switch ev {
		case "flow_started":
			if e.FlowID == "pattern_human_handoff" {
				s.escalated = true
			}
			if e.FlowID == "pattern_customer_satisfaction" {
				s.csat = "UNANSWERED"
			}
		case "action":
			if e.Name == "action_human_handoff" || e.Name == "action_handoff_metric" {
				s.escalated = true
			}
		case "slot":
			if e.Name == "csat_score" && string(e.Value) != "null" {
				var v any
				_ = json.Unmarshal(e.Value, &v)
				str, ok := v.(string)
				if !ok {
					str = string(e.Value)
				}
				str = strings.ToLower(str)
				switch {
				case satisfied[str]:
					s.csat = "SATISFIED"
				case unsatisfied[str]:
					s.csat = "UNSATISFIED"
				default:
					s.csat = "UNANSWERED"
				}
			}
		case "session_ended", "conversation_inactive":
			s.ended = true
		case "user":
			if s.channel == "" && e.Channel != nil {
				s.channel = *e.Channel
			}
			trigger := e.Text == "/session_start"
			if e.ParseData != nil {
				for _, c := range e.ParseData.Commands {
					if c["command"] == "session start" {
						trigger = true
					}
				}
			}
			if !trigger && !e.Metadata.IsExternal {
				s.users++
				s.pendingUsr = append(s.pendingUsr, *e.Timestamp)
			}
		case "bot":
			for _, u := range s.pendingUsr {
				ms := (*e.Timestamp - u) * 1000
				s.latencies = append(s.latencies, ms)
				a.latency = append(a.latency, ms)
			}
			s.pendingUsr = s.pendingUsr[:0]
		}
	}
	for _, s := range a.sessions {
		a.senders[s.sender]++
	}
	sort.Float64s(a.latency)
	return a
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (a *analysis) share(f func(*session) bool) float64 {
	n := 0
	for _, s := range a.sessions {
		if f(s) {
			n++
		}
	}
	return float64(n) / float64(len(a.sessions))
}

func (a *analysis) pct(p float64) float64 {
	return a.latency[min(len(a.latency)-1, int(p*float64(len(a.latency))))]
}

func TestConversationShapes(t *testing.T) {
	cfg := smallConfig(200_000)
	msgs, st := collect(t, cfg)
	for _, typ := range []string{"user", "bot", "action", "slot", "stack", "session_started", "flow_started", "flow_completed",
		"flow_interrupted", "flow_resumed", "flow_cancelled", "session_ended", "conversation_inactive", "restart", "reminder",
		"cancel_reminder", "rewind", "undo", "followup", "active_loop", "loop_interrupted", "user_featurization", "session_paused",
		"agent_started", "agent_completed", "action_execution_rejected", "entities", "reset_slots", "pause", "resume",
		"routing_session_ended", "error"} {
		if st.ByType[typ] == 0 {
			t.Errorf("no %q events in %d", typ, st.Events)
		}
	}
	total := 0
	for _, n := range st.ByType {
		total += n
	}
	if total != st.Events {
		t.Errorf("ByType sums to %d, Events = %d", total, st.Events)
	}
	// the common types dominate, the odd ones stay rare
	for typ, lo := range map[string]float64{"action": 0.2, "stack": 0.12, "user": 0.06, "bot": 0.07, "flow_started": 0.06} {
		if f := float64(st.ByType[typ]) / float64(st.Events); f < lo {
			t.Errorf("%s is only %.3f of the events", typ, f)
		}
	}
	for _, typ := range []string{"restart", "rewind", "undo", "error", "entities", "reset_slots"} {
		if f := float64(st.ByType[typ]) / float64(st.Events); f > 0.002 {
			t.Errorf("%s is %.4f of the events: should be rare", typ, f)
		}
	}

	a := analyze(t, msgs)
	n := len(a.sessions)
	esc := a.share(func(s *session) bool { return s.escalated })
	csatAny := a.share(func(s *session) bool { return s.csat != "" })
	answered := a.share(func(s *session) bool { return s.csat == "SATISFIED" || s.csat == "UNSATISFIED" })
	unanswered := a.share(func(s *session) bool { return s.csat == "UNANSWERED" })
	r316 := a.share(func(s *session) bool { return s.r316 })
	ended := a.share(func(s *session) bool { return s.ended })
	noUser := a.share(func(s *session) bool { return s.users == 0 })
	multi := 0
	for _, k := range a.senders {
		if k > 1 {
			multi++
		}
	}
	perSender := float64(n) / float64(len(a.senders))
	t.Logf("%d events, %d sessions (Stats: %d), %d senders (Stats: %d), %.2f sessions/sender, %.1f%% of senders with 2+ sessions",
		st.Events, n, st.Sessions, len(a.senders), st.Senders, perSender, 100*float64(multi)/float64(len(a.senders)))
	t.Logf("escalated %.1f%%, CSAT signal %.1f%% (answered %.1f%%, unanswered %.1f%%), 3.16 sessions %.1f%%, ended %.1f%%, without user message %.1f%%",
		100*esc, 100*csatAny, 100*answered, 100*unanswered, 100*r316, 100*ended, 100*noUser)
	t.Logf("latency samples %d: p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms", len(a.latency), a.pct(0.5), a.pct(0.95), a.pct(0.99), a.latency[len(a.latency)-1])

	if n != st.Sessions || len(a.senders) != st.Senders {
		t.Errorf("SPEC sessionization finds %d sessions of %d senders, Stats says %d / %d", n, len(a.senders), st.Sessions, st.Senders)
	}
	check := func(name string, v, lo, hi float64) {
		if v < lo || v > hi {
			t.Errorf("%s = %.3f, want %.2f..%.2f", name, v, lo, hi)
		}
	}
	check("escalated share", esc, 0.05, 0.30)
	check("CSAT share", csatAny, 0.05, 0.30)
	check("CSAT answered share", answered, 0.03, 0.25)
	check("CSAT unanswered share", unanswered, 0.02, 0.15)
	check("3.16 share", r316, cfg.Rasa316Share-0.06, cfg.Rasa316Share+0.06)
	check("sessions per sender", perSender, 1.15, 2.0)
	check("latency p50 (ms)", a.pct(0.5), 500, 1000)
	check("latency p99 (ms)", a.pct(0.99), 3000, 40000)
	check("sessions without user message", noUser, 0.01, 0.15)

	// both assistants, every model version and several channels appear
	versions, channels := map[string]int{}, map[string]int{}
	for _, s := range a.sessions {
		versions[s.assistant+" "+s.version]++
		channels[s.channel]++
	}
	if len(versions) < 6 { // 2 assistants x 2 models x (name, id)
		t.Errorf("versions: %v", versions)
	}
	if len(channels) < 6 {
		t.Errorf("channels: %v", channels)
	}
}

func TestInterleaving(t *testing.T) {
	msgs, _ := collect(t, smallConfig(60_000))
	distinct := 0
	windows := 0
	for i := 0; i+200 <= len(msgs); i += 200 {
		set := map[string]bool{}
		for _, m := range msgs[i : i+200] {
			set[string(m.Key)] = true
		}
		distinct += len(set)
		windows++
	}
	if avg := float64(distinct) / float64(windows); avg < 10 {
		t.Errorf("only %.1f senders per 200 messages: conversations do not interleave", avg)
	}
}

func TestMemoryFlat(t *testing.T) {
	// 400,000 events over 14 days: the same traffic level as 200,000 over 7,
	// so a flat generator allocates nothing more in the second half.
	cfg := smallConfig(400_000)
	cfg.Days = 14
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak, half uint64
	n := 0
	st, err := Generate(context.Background(), cfg, func(m Message) error {
		n++
		if n%20_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			if n == 200_000 {
				half = ms.Mallocs
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	second := ms.Mallocs - half
	grown := int64(peak) - int64(base)
	t.Logf("%d events: %d allocations in the second half (%.4f per event), heap peak %+d KiB over baseline",
		st.Messages, second, float64(second)/float64(st.Messages-200_000), grown>>10)
	if perEvent := float64(second) / float64(st.Messages-200_000); perEvent > 0.005 {
		t.Errorf("%.4f allocations per event after warm-up: generation should not allocate per event", perEvent)
	}
	if grown > 16<<20 {
		t.Errorf("heap grew by %d MiB", grown>>20)
	}
	allocs := testing.AllocsPerRun(5, func() {
		_, _ = Generate(context.Background(), smallConfig(2000), func(Message) error { return nil })
	})
	t.Logf("a 2,000-event run makes %.0f allocations in all (setup included)", allocs)
}

func TestCancelAndEmitError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	st, err := Generate(ctx, smallConfig(100_000), func(Message) error {
		if n++; n == 5000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || st.Messages > 5000+1100 {
		t.Fatalf("cancel: %v after %d messages", err, st.Messages)
	}
	boom := errors.New("boom")
	n = 0
	st, err = Generate(context.Background(), smallConfig(10_000), func(Message) error {
		if n++; n == 100 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || st.Messages != 99 {
		t.Fatalf("emit error: %v after %d messages", err, st.Messages)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.BadRate = 1.5 },
		func(c *Config) { c.DuplicateRate = -0.1 },
		func(c *Config) { c.Rasa316Share = math.NaN() },
		func(c *Config) { c.Events = -1 },
		func(c *Config) { c.Assistants = []Assistant{} },
		func(c *Config) { c.SessionsPerSender = []float64{0} },
		func(c *Config) { c.Assistants[0].Flows[0].Slots[0].Answers[0].Value = []int{1} },
		func(c *Config) { c.Assistants[1].Models = nil },
	} {
		cfg := DefaultConfig()
		cfg.Assistants = DefaultAssistants(cfg.Start)
		mod(&cfg)
		if _, err := Generate(context.Background(), cfg, func(Message) error { return nil }); err == nil {
			t.Errorf("config accepted: %+v", cfg)
		}
	}
	// the zero Config works (defaults filled in)
	st, err := Generate(context.Background(), Config{Events: 1000, Environment: "RASA_ENVIRONMENT_NOT_SET"}, func(m Message) error {
		if string(m.Headers[0].Value) != "RASA_ENVIRONMENT_NOT_SET" {
			return fmt.Errorf("header %s", m.Headers[0].Value)
		}
		return nil
	})
	if err != nil || st.Events < 900 {
		t.Fatalf("zero config: %v, %+v", err, st)
	}
}

func TestCustomAssistant(t *testing.T) {
	cfg := smallConfig(5_000)
	cfg.Rasa316Share = 1
	cfg.Assistants = []Assistant{{
		Name:     "pizza-bot",
		Models:   []Model{{ID: "0123456789abcdef0123456789abcdef", Name: "20250101-000000-hot-oven"}},
		Channels: []Channel{{"rest", 1}},
		Flows: []Flow{
			{ID: "order_pizza", Triggers: []string{"I want a pizza"}, Slots: []Slot{{Name: "size", Ask: "Which size?", Answers: []Answer{{"large", "L"}, {"small", "S"}}}}, Action: "action_order", Response: "utter_ordered", ResponseText: "Ordered!"},
			{ID: "track_order", Triggers: []string{"where is my pizza"}, Response: "utter_on_its_way", ResponseText: "On its way."},
		},
	}}
	msgs, _ := collect(t, cfg)
	for _, m := range msgs {
		e, reason := classify(m.Value)
		if reason != "" {
			t.Fatal(reason)
		}
		if e.Metadata.Assistant != "pizza-bot" || e.Metadata.ModelName != "20250101-000000-hot-oven" || e.Metadata.SessionID == "" || e.UserID == nil {
			t.Fatalf("unexpected event: %s", m.Value)
		}
	}
}

func TestWriteJSONL(t *testing.T) {
	cfg := smallConfig(5_000)
	cfg.BadRate = 0.01
	var buf bytes.Buffer
	st, err := WriteJSONL(context.Background(), cfg, &buf)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != st.Messages {
		t.Fatalf("%d lines for %d messages", len(lines), st.Messages)
	}
	msgs, _ := collect(t, cfg)
	for i := range lines {
		if !bytes.Equal(lines[i], msgs[i].Value) {
			t.Fatalf("line %d differs from Generate's message", i)
		}
	}
	if slices.ContainsFunc(lines, func(l []byte) bool { return len(l) == 0 }) {
		t.Fatal("empty line")
	}
}

func BenchmarkGenerate(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Events = max(b.N, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	st, err := Generate(context.Background(), cfg, func(m Message) error {
		size += len(m.Value)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Messages)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(size)/float64(st.Messages), "bytes/event")
}

func BenchmarkWriteJSONL(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Events = max(b.N, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	st, err := WriteJSONL(context.Background(), cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Messages)/b.Elapsed().Seconds(), "events/s")
}
