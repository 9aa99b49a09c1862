package write

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// rejection is a message that cannot be stored, with why.
type rejection struct {
	msg      *decode.Message
	err      *scan.Error
	senderID string
	index    int // position in the batch
}

// insertRejections stores the batch's rejected messages, with their bytes,
// headers and stream positions, for replay-rejected.
func insertRejections(ctx context.Context, tx pgx.Tx, rejections []rejection, block int64) error {
	if len(rejections) == 0 {
		return nil
	}
	n := len(rejections)
	var (
		ids        = make([][16]byte, n)
		reasons    = make([]string, n)
		details    = make([]string, n)
		positions  = make([]string, n)
		topics     = make([]*string, n)
		partitions = make([]*int32, n)
		offsets    = make([]*int64, n)
		files      = make([]*string, n)
		lines      = make([]*int64, n)
		keys       = make([][]byte, n)
		values     = make([][]byte, n)
		headers    = make([]string, n)
		senders    = make([]*string, n)
		sequence   = make([]int64, n)
	)
	for i, r := range rejections {
		pos := r.msg.Pos
		ids[i] = decode.UUIDv5(r.msg.Value, []byte(pos.Identity()))
		reasons[i] = string(r.err.Reason)
		details[i] = scan.Truncate(r.err.Error(), 2000)
		positions[i] = scan.Truncate(pos.String(), 1000)
		if pos.File != "" {
			files[i], lines[i] = ptr(scan.Truncate(pos.File, 1000)), ptr(pos.Line)
		} else {
			topics[i], partitions[i], offsets[i] = ptr(pos.Topic), ptr(pos.Partition), ptr(pos.Offset)
		}
		keys[i] = r.msg.Key
		values[i] = r.msg.Value
		if values[i] == nil {
			values[i] = []byte{}
		}
		headers[i] = headersJSON(r.msg.Headers)
		if r.senderID != "" {
			senders[i] = ptr(r.senderID)
		}
		sequence[i] = block<<20 | int64(r.index)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO "RejectedEvent" ("id", "reason", "detail", "sourcePosition", "topic", "partition",
		  "offset", "fileName", "lineNumber", "key", "value", "headers", "senderId", "sequenceNumber")
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[],
		  $7::bigint[], $8::text[], $9::bigint[], $10::bytea[], $11::bytea[], $12::jsonb[], $13::text[], $14::bigint[])
		ON CONFLICT ("id") DO NOTHING`,
		ids, reasons, details, positions, topics, partitions, offsets, files, lines, keys, values, headers, senders, sequence)
	if err != nil {
		return fmt.Errorf("insert %d rejected messages: %w", n, err)
	}
	return nil
}

// headersJSON renders Kafka headers as a JSON array of {"key", "value"}, the
// value as text when it is valid UTF-8 without NUL, else as "base64".
func headersJSON(headers []decode.Header) string {
	type header struct {
		Key    string `json:"key"`
		Value  string `json:"value,omitempty"`
		Base64 []byte `json:"base64,omitempty"`
	}
	out := make([]header, 0, len(headers))
	for _, h := range headers {
		hh := header{Key: scan.Truncate(h.Key, 1000)}
		if utf8.Valid(h.Value) && !containsNUL(h.Value) {
			hh.Value = string(h.Value)
		} else {
			hh.Base64 = h.Value
		}
		out = append(out, hh)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func containsNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// parseHeadersJSON reverses headersJSON.
func parseHeadersJSON(raw []byte) []decode.Header {
	var hs []struct {
		Key    string `json:"key"`
		Value  string `json:"value"`
		Base64 []byte `json:"base64"`
	}
	if json.Unmarshal(raw, &hs) != nil {
		return nil
	}
	out := make([]decode.Header, 0, len(hs))
	for _, h := range hs {
		v := []byte(h.Value)
		if h.Base64 != nil {
			v = h.Base64
		}
		out = append(out, decode.Header{Key: h.Key, Value: v})
	}
	return out
}
