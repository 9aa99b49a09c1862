package traffic

import (
	"bytes"
	"time"
)

// Bad messages are extra records a broken or foreign producer might put on
// the topic next to real events. Each is derived from the event just
// emitted, so it lands in that sender's partition at the same time.

const numBadKinds = 14

func (g *gen) emitBad(s *sender, ev evRef) error {
	v := s.buf[ev.start:ev.end]
	b := g.bad[:0]
	key := s.key
	switch kind := g.out.intn(numBadKinds); kind {
	case 0: // cut off: not JSON ("Unterminated string")
		n := len(v)/3 + g.out.intn(len(v)/2)
		b = append(b, v[:n]...)
	case 1: // a Python repr instead of JSON ("Expecting property name")
		b = append(b, "{'sender_id': '"...)
		b = append(b, s.key...)
		b = append(b, "', 'event': '"...)
		b = append(b, evNames[ev.typ]...)
		b = append(b, "', 'timestamp': "...)
		b = appendTS(b, ev.ts)
		b = append(b, '}')
	case 2: // an array holding the event
		b = append(b, '[')
		b = append(b, v...)
		b = append(b, ']')
	case 3: // a JSON scalar
		b = append(b, [...]string{`"ping"`, `null`, `42`, `true`, `"{\"sender_id\": \"x\"}"`}[g.out.intn(5)]...)
	case 4: // no sender_id
		b = replaceField(b, v, `"sender_id": `, nil)
		key = nil
	case 5: // sender_id null
		b = replaceField(b, v, `"sender_id": `, []byte("null"))
		key = nil
	case 6: // no event
		b = replaceField(b, v, `"event": `, nil)
	case 7: // event null
		b = replaceField(b, v, `"event": `, []byte("null"))
	case 8: // no timestamp
		b = replaceField(b, v, `"timestamp": `, nil)
	case 9: // timestamp null
		b = replaceField(b, v, `"timestamp": `, []byte("null"))
	case 10: // an event type Rasa does not define
		b = replaceField(b, v, `"event": `, []byte(`"foo_bar"`))
	case 11: // timestamp as a string
		g.tmp = append(g.tmp[:0], '"')
		g.tmp = appendTS(g.tmp, ev.ts)
		g.tmp = append(g.tmp, '"')
		b = replaceField(b, v, `"timestamp": `, g.tmp)
	case 12: // NaN / Infinity timestamp (Python json.dumps allow_nan)
		b = replaceField(b, v, `"timestamp": `, []byte([...]string{"NaN", "Infinity"}[g.out.intn(2)]))
	default: // text jsonb cannot store
		if i := bytes.Index(v, []byte(`"text": "`)); i >= 0 {
			i += len(`"text": "`)
			b = append(b, v[:i]...)
			b = append(b, `\u0000`...)
			b = append(b, v[i:]...)
		} else {
			b = append(b, s.prefix...)
			b = append(b, `bot", "timestamp": `...)
			b = appendTS(b, ev.ts)
			b = append(b, `, "metadata": {`...)
			b = append(b, s.mdTail...)
			b = append(b, `, "text": "bad\u0000byte", "data": {`...)
			b = append(b, botDataNull...)
			b = append(b, '}')
		}
	}
	g.bad = b
	if err := g.emit(Message{Key: key, Value: b, Headers: g.headers, Time: time.UnixMicro(ev.ts).UTC()}); err != nil {
		return err
	}
	g.stats.Messages++
	g.stats.Bad++
	return nil
}

// replaceField copies v into b with the top-level field starting at name
// (e.g. `"event": `) removed (val == nil) or given the raw value val. The
// fields it is used on come before "metadata", so the first match is the
// top-level one.
func replaceField(b, v []byte, name string, val []byte) []byte {
	i := bytes.Index(v, []byte(name))
	if i < 0 {
		return append(b, v...)
	}
	j := i + len(name)
	// the value is a string without escapes or a number: it ends at ", "
	end := bytes.Index(v[j:], []byte(", "))
	if end < 0 {
		return append(b, v...)
	}
	end += j
	if val == nil {
		b = append(b, v[:i]...)
		return append(b, v[end+2:]...)
	}
	b = append(b, v[:j]...)
	b = append(b, val...)
	return append(b, v[end:]...)
}
