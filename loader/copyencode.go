package loader

import (
	"encoding/binary"
	"io"
	"time"
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
func encodeRow(buf []byte, e *event) []byte {
	buf = binary.BigEndian.AppendUint16(buf, copyFieldCount)
	buf = appendUUID(buf, e.id)
	buf = appendUUID(buf, e.conversationID)
	buf = appendLen(buf, 8)
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.timestamp.UnixMicro()-postgresEpochMicros))
	buf = appendOptionalUUID(buf, e.modelID)
	buf = appendText(buf, e.typ)
	buf = appendJSONB(buf, e.rawData)
	buf = appendJSONB(buf, e.metadata)
	for _, s := range []optString{e.actionText, e.name, e.flowID, e.stepID, e.agentID} {
		if s.ok {
			buf = appendText(buf, s.s)
		} else {
			buf = appendNull(buf)
		}
	}
	if e.slotValue != nil {
		buf = appendJSONB(buf, e.slotValue)
	} else {
		buf = appendNull(buf)
	}
	buf = appendText(buf, e.senderID)
	buf = appendLen(buf, 8)
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.sequenceNumber))
	return appendOptionalUUID(buf, e.environmentID)
}

func appendLen(buf []byte, n int) []byte   { return binary.BigEndian.AppendUint32(buf, uint32(n)) }
func appendNull(buf []byte) []byte         { return binary.BigEndian.AppendUint32(buf, 0xffffffff) }
func appendUUID(buf []byte, u uuid) []byte { return append(appendLen(buf, 16), u[:]...) }

func appendOptionalUUID(buf []byte, u uuid) []byte {
	if u.isZero() {
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
	events  []*event
	next    int    // first event not yet encoded
	chunk   []byte // encoded, from off on not yet read
	off     int
	started bool
	ended   bool
}

const rowChunkBytes = 64 << 10

func newRowReader(events []*event) *rowReader { return &rowReader{events: events} }

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
