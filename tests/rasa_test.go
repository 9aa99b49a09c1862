package tests

import (
	"encoding/json"
	"fmt"
	"time"
)

// A conversation script: it writes Rasa events as the Kafka broker does, one
// JSON object per message, with the clock moving on as the script goes.
type script struct {
	sender    string
	at        time.Time
	meta      map[string]any // metadata of every event
	top       map[string]any // extra top-level fields of every event
	msgs      [][]byte
	sessionID string
}

func newScript(sender, assistant, model string, at time.Time) *script {
	return &script{sender: sender, at: at, meta: map[string]any{"assistant_id": assistant, "model_id": model}}
}

// wait moves the clock on.
func (s *script) wait(d time.Duration) *script { s.at = s.at.Add(d); return s }

func (s *script) event(name string, fields map[string]any) *script {
	ev := map[string]any{"sender_id": s.sender, "event": name, "timestamp": epoch(s.at)}
	meta := map[string]any{}
	for k, v := range s.meta {
		meta[k] = v
	}
	if s.sessionID != "" {
		meta["session_id"] = s.sessionID
	}
	if len(meta) > 0 {
		ev["metadata"] = meta
	}
	for k, v := range s.top {
		ev[k] = v
	}
	for k, v := range fields {
		if k == "metadata" {
			for mk, mv := range v.(map[string]any) {
				meta[mk] = mv
			}
			continue
		}
		ev[k] = v
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	s.msgs = append(s.msgs, b)
	s.at = s.at.Add(10 * time.Millisecond)
	return s
}

// epoch is Rasa's float timestamp, as a json.Number so no digit is lost.
func epoch(t time.Time) json.Number {
	return json.Number(fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000))
}

func (s *script) startSession() *script {
	return s.event("action", map[string]any{"name": "action_session_start", "policy": nil, "confidence": 1.0}).
		event("session_started", nil).
		event("action", map[string]any{"name": "action_listen"})
}

func (s *script) user(text, channel string) *script {
	return s.event("user", map[string]any{"text": text, "input_channel": channel,
		"parse_data": map[string]any{"intent": map[string]any{"name": "greet", "confidence": 0.9}, "commands": []any{}}})
}

func (s *script) bot(text string) *script { return s.event("bot", map[string]any{"text": text}) }

func (s *script) action(name string) *script { return s.event("action", map[string]any{"name": name}) }

func (s *script) flow(event, flowID string) *script {
	return s.event("flow_"+event, map[string]any{"flow_id": flowID})
}

func (s *script) slot(name string, value any) *script {
	return s.event("slot", map[string]any{"name": name, "value": value})
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func concat(scripts ...*script) [][]byte {
	var out [][]byte
	for _, s := range scripts {
		out = append(out, s.msgs...)
	}
	return out
}
