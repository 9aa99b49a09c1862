package loader

import (
	"encoding/binary"
	"io"
	"net"
	"time"
)

// Events are sent to PostgreSQL in COPY's binary format, encoded while the
// batch is decoded, off the database's critical path. Two fields are only
// known inside the batch's transaction (the conversation, from the sender's
// session state, and the sequence number, from the batch's block); they are
// fixed-size in this format, so they are written as placeholders and patched.

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

// encodedRow is an event's tuple and where its late fields are.
type encodedRow struct {
	tuple          []byte
	conversationAt int // offset of the conversationId's 16 bytes
	sequenceAt     int // offset of the sequenceNumber's 8 bytes
}

// encodeRow encodes e as one binary COPY tuple, appending to buf.
func encodeRow(buf []byte, e *event) ([]byte, encodedRow) {
	start := len(buf)
	buf = binary.BigEndian.AppendUint16(buf, copyFieldCount)
	buf = appendUUID(buf, e.id)
	buf = appendLen(buf, 16)
	convAt := len(buf) - start
	buf = append(buf, make([]byte, 16)...)
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
	seqAt := len(buf) - start
	buf = append(buf, make([]byte, 8)...)
	buf = appendOptionalUUID(buf, e.environmentID)
	return buf, encodedRow{tuple: buf[start:], conversationAt: convAt, sequenceAt: seqAt}
}

// patch writes the late fields into the tuple.
func (r encodedRow) patch(conversation uuid, sequence int64) {
	copy(r.tuple[r.conversationAt:], conversation[:])
	binary.BigEndian.PutUint64(r.tuple[r.sequenceAt:], uint64(sequence))
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

// copyPayload streams the header, the tuples and the trailer without copying them.
func copyPayload(rows []encodedRow) io.Reader {
	bufs := make(net.Buffers, 0, len(rows)+2)
	bufs = append(bufs, copyHeader)
	for _, r := range rows {
		bufs = append(bufs, r.tuple)
	}
	bufs = append(bufs, copyTrailer)
	return &bufs
}
