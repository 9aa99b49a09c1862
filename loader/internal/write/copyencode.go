package write

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/decode"
)

// Events are sent to PostgreSQL in COPY's binary format, encoded as the
// COPY reads them (rowReader): a batch's rows are never all in memory at once
// beside its events, which keeps a loader with several writers within its
// memory budget. Encoding is mostly copying; it runs on the writer's
// goroutine while PostgreSQL parses the previous chunk.

var copyColumnsSQL = `COPY "ConversationEvent" ("id", "conversationId", "timestamp", "modelId", "type", "rawData",
 "metadata", "actionText", "name", "flowId", "stepId", "agentId", "slotValue", "senderId", "sequenceNumber",
 "environmentId") FROM STDIN (FORMAT binary)`

const copyFieldCount = 16

var (
	copyHeader  = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	copyTrailer = []byte{0xff, 0xff}
	// PostgreSQL timestamps count microseconds from 2000-01-01.
	postgresEpochMicros = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
)

// encodeRow appends e as one binary COPY tuple to buf.
func encodeRow(buf []byte, e *decode.Event) []byte {
	buf = binary.BigEndian.AppendUint16(buf, copyFieldCount)
	buf = appendUUID(buf, e.ID)
	buf = appendUUID(buf, e.ConversationID)
	buf = appendLen(buf, 8)
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.Timestamp.UnixMicro()-postgresEpochMicros))
	buf = appendOptionalUUID(buf, e.ModelID)
	buf = appendText(buf, e.Type)
	buf = appendJSONB(buf, e.RawData)
	buf = appendJSONB(buf, e.Metadata)
	for _, s := range []decode.OptString{e.ActionText, e.Name, e.FlowID, e.StepID, e.AgentID} {
		if s.OK {
			buf = appendText(buf, s.S)
		} else {
			buf = appendNull(buf)
		}
	}
	if e.SlotValue != nil {
		buf = appendJSONB(buf, e.SlotValue)
	} else {
		buf = appendNull(buf)
	}
	buf = appendText(buf, e.SenderID)
	buf = appendLen(buf, 8)
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.SequenceNumber))
	return appendOptionalUUID(buf, e.EnvironmentID)
}

func appendLen(buf []byte, n int) []byte          { return binary.BigEndian.AppendUint32(buf, uint32(n)) }
func appendNull(buf []byte) []byte                { return binary.BigEndian.AppendUint32(buf, 0xffffffff) }
func appendUUID(buf []byte, u decode.UUID) []byte { return append(appendLen(buf, 16), u[:]...) }

func appendOptionalUUID(buf []byte, u decode.UUID) []byte {
	if u.IsZero() {
		return appendNull(buf)
	}
	return appendUUID(buf, u)
}

func appendText(buf []byte, s string) []byte { return append(appendLen(buf, len(s)), s...) }

// appendJSONB writes jsonb's binary form: a version byte, then the JSON text.
func appendJSONB(buf []byte, json []byte) []byte {
	buf = appendLen(buf, len(json)+1)
	buf = append(buf, 1)
	return append(buf, json...)
}

// rowReader is a COPY's input: the header, the events' tuples, the trailer,
// encoded a chunk at a time as they are read.
type rowReader struct {
	events  []*decode.Event
	next    int    // first event not yet encoded
	chunk   []byte // encoded, from off on not yet read
	off     int
	started bool
	ended   bool
}

const rowChunkBytes = 64 << 10

func newRowReader(events []*decode.Event) *rowReader { return &rowReader{events: events} }

func (r *rowReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(p) {
		if r.off == len(r.chunk) && !r.fill() {
			break
		}
		c := copy(p[n:], r.chunk[r.off:])
		r.off += c
		n += c
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// fill encodes the next chunk; false when everything was read.
func (r *rowReader) fill() bool {
	r.chunk, r.off = r.chunk[:0], 0
	if !r.started {
		r.chunk, r.started = append(r.chunk, copyHeader...), true
	}
	for !r.ended && len(r.chunk) < rowChunkBytes {
		if r.next == len(r.events) {
			r.chunk, r.ended = append(r.chunk, copyTrailer...), true
			break
		}
		r.chunk = encodeRow(r.chunk, r.events[r.next])
		r.next++
	}
	return len(r.chunk) > 0
}
