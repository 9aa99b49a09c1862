package bench

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"time"
)

// minimalSessions generates short but complete sessions of one assistant,
// one sender each: session_started, a user message starting a flow,
// flow_started, a bot answer 0.8 s later, and flow_completed for three in
// four; one in twenty is handed off to a human. They make many stored
// conversations for little disk and time (the settings-stall scenario),
// and conversation i is always the same bytes.
type minimalSessions struct {
	assistant string
	first     time.Time     // start of conversation 0
	every     time.Duration // between two conversation starts
}

var (
	sessionChannels = []string{"socketio", "rest"}
	sessionFlows    = []string{"check_balance", "transfer_money", "replace_card"}
)

// sessionEvent is one event of a generated session, at offset from its
// start.
type sessionEvent struct {
	offset time.Duration
	line   []byte
}

// start is when conversation i starts.
func (g minimalSessions) start(i int) time.Time { return g.first.Add(time.Duration(i) * g.every) }

// events appends conversation i's events, in order, to out.
func (g minimalSessions) events(out []sessionEvent, i int) []sessionEvent {
	sender := "bench-" + strconv.Itoa(i)
	flow := sessionFlows[i%len(sessionFlows)]
	t0 := g.start(i)
	meta := `"metadata": {"model_id": "5e1f0c0b9a7d4c6e8f2a3b4c5d6e7f80", "assistant_id": "` + g.assistant + `"}`
	line := func(offset time.Duration, event, rest string) sessionEvent {
		ts := float64(t0.Add(offset).UnixMicro()) / 1e6
		b := make([]byte, 0, 256+len(rest))
		b = append(b, `{"sender_id": "`...)
		b = append(b, sender...)
		b = append(b, `", "event": "`...)
		b = append(b, event...)
		b = append(b, `", "timestamp": `...)
		b = strconv.AppendFloat(b, ts, 'f', 6, 64)
		b = append(b, ", "...)
		b = append(b, meta...)
		b = append(b, rest...)
		b = append(b, '}')
		return sessionEvent{offset: offset, line: b}
	}
	msgID := "m" + strconv.Itoa(i)
	out = append(out,
		line(0, "session_started", ""),
		line(2*time.Second, "user", `, "text": "I want to `+flow+`", "parse_data": {"intent": {"name": "`+flow+
			`", "confidence": 0.93}, "entities": [], "text": "I want to `+flow+`", "message_id": "`+msgID+
			`", "metadata": {}, "commands": [{"flow": "`+flow+`", "command": "start flow"}]}, "input_channel": "`+
			sessionChannels[i%len(sessionChannels)]+`", "message_id": "`+msgID+`"`),
		line(2200*time.Millisecond, "flow_started", `, "flow_id": "`+flow+`"`),
		line(2800*time.Millisecond, "bot", `, "text": "Sure, let me help you with that."`))
	switch {
	case i%20 == 0:
		out = append(out, line(3*time.Second, "flow_started", `, "flow_id": "pattern_human_handoff"`))
	case i%4 != 0:
		out = append(out, line(3*time.Second, "flow_completed", `, "flow_id": "`+flow+`"`))
	}
	return out
}

// writeJSONL writes conversations from, from+step, ... below to as JSON
// lines, one conversation after the other.
func (g minimalSessions) writeJSONL(ctx context.Context, w io.Writer, from, to, step int) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	var evs []sessionEvent
	for i := from; i < to; i += step {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		evs = g.events(evs[:0], i)
		for _, e := range evs {
			if _, err := bw.Write(e.line); err != nil {
				return err
			}
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
