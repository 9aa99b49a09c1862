package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// hostileCase is one message of TestHostileMessagesAreStoredOrKept: it is
// either stored (and check then looks at the stored row) or rejected with
// reason, its key, value and headers kept byte for byte.
type hostileCase struct {
	name    string
	key     []byte
	value   []byte
	env     []byte // RASA_ENVIRONMENT header; nil: none
	reason  string // "" means stored
	check   func(t *testing.T, b *bundle, id [16]byte)
	nilBody bool // a Kafka tombstone (null value)
}

// Size limit of the hostile test's loader: a 10 MB value fits, 11 MB does not.
const hostileMaxEventBytes = 10 << 20

// noise is n bytes of incompressible text, so that TOAST cannot shrink it
// under an index's size limit.
func noise(n int) string {
	var sb strings.Builder
	r := rand.New(rand.NewPCG(uint64(n), 2))
	for sb.Len() < n {
		fmt.Fprintf(&sb, "%016x", r.Uint64())
	}
	return sb.String()[:n]
}

// sqlMeta are strings that would break SQL built by concatenation.
var sqlMeta = []string{
	`'; DROP TABLE "ConversationEvent"; --`,
	`$1`,
	`") OR ("1"="1`,
	`back\slash \' \" \\`,
	`%s %d %x {} ${x} E'\n'`,
	"multi\nline\ttab",
}

func hostileCases() []hostileCase {
	ev := func(fields map[string]any) []byte {
		b, err := json.Marshal(fields)
		if err != nil {
			panic(err)
		}
		return b
	}
	base := func(sender, event string) map[string]any {
		return map[string]any{"sender_id": sender, "event": event, "timestamp": json.Number("1730000000.123456"),
			"metadata": map[string]any{"assistant_id": "hostile", "model_id": "m1"}}
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	raw := func(s string) []byte { return []byte(s) }
	nested := func(depth int) string {
		return `{"sender_id":"deep","event":"bot","timestamp":1730000000,"data":` +
			strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
	}
	big := func(size int, sender string) []byte {
		prefix := `{"sender_id":"` + sender + `","event":"bot","timestamp":1730000000,"text":"`
		return []byte(prefix + strings.Repeat("x", size-len(prefix)-2) + `"}`)
	}
	stored := func(sql string, want any) func(t *testing.T, b *bundle, id [16]byte) {
		return func(t *testing.T, b *bundle, id [16]byte) {
			t.Helper()
			got := one[*string](b, `SELECT (`+sql+`)::text FROM "ConversationEvent" e
				JOIN "Conversation" c ON c."id" = e."conversationId"
				LEFT JOIN "Environment" env ON env."id" = e."environmentId"
				LEFT JOIN "MachineLearningModel" m ON m."id" = e."modelId"
				WHERE e."id" = $1`, id)
			if fmt.Sprint(deref(got)) != fmt.Sprint(want) {
				t.Errorf("%s = %.200v, want %.200v", sql, deref(got), want)
			}
		}
	}
	all := func(checks ...func(*testing.T, *bundle, [16]byte)) func(*testing.T, *bundle, [16]byte) {
		return func(t *testing.T, b *bundle, id [16]byte) {
			t.Helper()
			for _, c := range checks {
				c(t, b, id)
			}
		}
	}

	cases := []hostileCase{
		{name: "invalid UTF-8 in a text", value: raw("{\"sender_id\":\"u1\",\"event\":\"user\",\"timestamp\":1730000000,\"text\":\"\xff\xfe\"}"), reason: "unstorable_text"},
		{name: "invalid UTF-8 in sender_id", key: []byte("\xff"), value: raw("{\"sender_id\":\"\xc3\x28\",\"event\":\"user\",\"timestamp\":1730000000}"), reason: "unstorable_text"},
		{name: `\u0000 in a text`, value: raw(`{"sender_id":"n1","event":"user","timestamp":1730000000,"text":"a\u0000b"}`), reason: "unstorable_text"},
		{name: `\u0000 in sender_id`, value: raw(`{"sender_id":"n\u0000","event":"user","timestamp":1730000000}`), reason: "unstorable_text"},
		{name: `\u0000 in a metadata key`, value: raw(`{"sender_id":"n2","event":"user","timestamp":1730000000,"metadata":{"k\u0000":1}}`), reason: "unstorable_text"},
		{name: "raw NUL byte between tokens", value: raw("{\"sender_id\":\"n3\",\x00\"event\":\"user\",\"timestamp\":1730000000}"), reason: "not_json"},
		{name: "raw NUL byte in a string", value: raw("{\"sender_id\":\"n4\",\"event\":\"user\",\"timestamp\":1730000000,\"text\":\"a\x00b\"}"), reason: "not_json"},
		{name: "10 MB value under --max-event-bytes", value: big(10_000_000, "big-ok"),
			check: stored(`length(e."rawData"->>'text')`, 10_000_000-len(`{"sender_id":"big-ok","event":"bot","timestamp":1730000000,"text":"`)-2)},
		{name: "11 MB value over --max-event-bytes", value: big(11_000_000, "big-no"), reason: "too_large"},
		{name: "600 levels of nesting", value: raw(nested(600)), reason: "unstorable_text"},
		{name: "20000 levels of nesting", value: raw(nested(20000)), reason: "unstorable_text"},
		{name: "1e400000 in a field", value: raw(`{"sender_id":"num","event":"bot","timestamp":1730000000,"confidence":1e400000}`), reason: "unstorable_text"},
		// Beyond numeric's range, jsonb cannot hold it: the scanner says so before the decoder looks at timestamps.
		{name: "1e400000 as timestamp", value: raw(`{"sender_id":"num","event":"bot","timestamp":1e400000}`), reason: "unstorable_text"},
		{name: "-1e400000 as timestamp", value: raw(`{"sender_id":"num","event":"bot","timestamp":-1e400000}`), reason: "unstorable_text"},
		{name: "1e300 as timestamp", value: raw(`{"sender_id":"num","event":"bot","timestamp":1e300}`), reason: "bad_timestamp"},
		{name: "timestamp in year 1", value: raw(`{"sender_id":"y1","event":"bot","timestamp":-62135596800}`),
			check: stored(`to_char(e."timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`, "0001-01-01 00:00:00.000000")},
		{name: "timestamp at the end of year 9999", value: raw(`{"sender_id":"y9999","event":"bot","timestamp":253402300799.999999}`),
			check: stored(`to_char(e."timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`, "9999-12-31 23:59:59.999999")},
		{name: "timestamp in year 10000", value: raw(`{"sender_id":"y10000","event":"bot","timestamp":253402300800}`), reason: "bad_timestamp"},
		{name: "timestamp before year 1", value: raw(`{"sender_id":"y0","event":"bot","timestamp":-62135596801}`), reason: "bad_timestamp"},
		{name: "negative timestamp", value: raw(`{"sender_id":"neg","event":"bot","timestamp":-1.5}`),
			check: stored(`to_char(e."timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`, "1969-12-31 23:59:58.500000")},
		{name: "timestamp with exponent", value: raw(`{"sender_id":"exp","event":"bot","timestamp":1.73e9}`),
			check: stored(`extract(epoch FROM e."timestamp")::bigint`, 1730000000)},
		{name: "timestamp as a string", value: raw(`{"sender_id":"ts","event":"bot","timestamp":"1730000000"}`), reason: "bad_timestamp"},
		{name: "timestamp NaN", value: raw(`{"sender_id":"ts","event":"bot","timestamp":NaN}`), reason: "bad_timestamp"},
		{name: "timestamp true", value: raw(`{"sender_id":"ts","event":"bot","timestamp":true}`), reason: "bad_timestamp"},
		{name: "unknown type", value: raw(`{"sender_id":"t","event":"foo_bar","timestamp":1730000000}`), reason: "unknown_type"},
		{name: "type in the wrong case", value: raw(`{"sender_id":"t","event":"User","timestamp":1730000000}`), reason: "unknown_type"},
		{name: "event null", value: raw(`{"sender_id":"t","event":null,"timestamp":1730000000}`), reason: "missing_field"},
		{name: "sender_id a number", value: raw(`{"sender_id":42,"event":"bot","timestamp":1730000000}`), reason: "invalid_field"},
		{name: "duplicate keys: the last wins, as in jsonb", value: raw(`{"sender_id":"dup-a","sender_id":"dup-b","event":"bot","event":"user",` +
			`"timestamp":1,"timestamp":1730000000.25,"text":"first","text":"last"}`),
			check: all(stored(`e."senderId"`, "dup-b"), stored(`e."type"`, "USER"), stored(`e."rawData"->>'text'`, "last"),
				stored(`e."rawData"->>'sender_id'`, "dup-b"), stored(`extract(epoch FROM e."timestamp")`, "1730000000.250000"))},
		{name: "lone high surrogate", value: raw(`{"sender_id":"sur","event":"bot","timestamp":1730000000,"text":"\ud800"}`), reason: "unstorable_text"},
		{name: "lone low surrogate", value: raw(`{"sender_id":"sur","event":"bot","timestamp":1730000000,"text":"x\udc00"}`), reason: "unstorable_text"},
		{name: "surrogates in the wrong order", value: raw(`{"sender_id":"sur","event":"bot","timestamp":1730000000,"text":"\ude00\ud83d"}`), reason: "unstorable_text"},
		{name: "surrogate pair", value: raw(`{"sender_id":"\ud83d\ude00","event":"action","timestamp":1730000000,"name":"\ud83d\ude00"}`),
			check: all(stored(`e."senderId"`, "😀"), stored(`e."name"`, "😀"))},
		{name: "byte order mark", value: raw("\xef\xbb\xbf{\"sender_id\":\"bom\",\"event\":\"bot\",\"timestamp\":1730000000}"), reason: "not_json"},
		{name: "empty value", value: raw(""), reason: "not_json"},
		{name: "null value (tombstone)", nilBody: true, reason: "not_json"},
		{name: "whitespace only", value: raw(" \t\r\n "), reason: "not_json"},
		{name: "trailing garbage", value: raw(`{"sender_id":"tg","event":"bot","timestamp":1730000000} x`), reason: "not_json"},
		{name: "two objects", value: raw(`{"sender_id":"tg","event":"bot","timestamp":1730000000}{}`), reason: "not_json"},
		{name: "an array", value: raw(`[{"sender_id":"arr","event":"bot","timestamp":1730000000}]`), reason: "not_object"},
		{name: "NaN and Infinity outside the timestamp", value: raw(`{"sender_id":"nan","event":"user","timestamp":1730000000,"parse_data":{"intent":{"name":"x","confidence":NaN}},"x":-Infinity}`),
			check: all(stored(`e."rawData"->'parse_data'->'intent'->>'confidence'`, nil), stored(`e."rawData" ? 'x'`, true))},
		{name: "an integer beyond 2^64 keeps its digits", value: raw(`{"sender_id":"int","event":"user","timestamp":1730000000,"parse_data":{"intent":{"name":"x","id":123456789012345678901234567890}}}`),
			check: stored(`e."rawData"->'parse_data'->'intent'->>'id'`, "123456789012345678901234567890")},
		{name: "metadata not an object", value: raw(`{"sender_id":"meta","event":"bot","timestamp":1730000000,"metadata":"x"}`),
			check: all(stored(`e."metadata"`, "{}"), stored(`e."rawData"->>'metadata'`, "x"))},
		{name: "RASA_ENVIRONMENT not UTF-8", value: ev(base("env1", "bot")), env: []byte("\xff\xfe"), reason: "unstorable_text"},
		{name: "RASA_ENVIRONMENT with NUL", value: ev(base("env2", "bot")), env: []byte("prod\x00"), reason: "unstorable_text"},
		{name: "huge event name", value: ev(base("hugename", noise(300_000))), reason: "unknown_type"},
		{name: "huge action name", value: ev(with(base("hugeaction", "action"), "name", noise(300_000))),
			check: stored(`length(e."name")`, 300_000)},
	}
	for i, m := range sqlMeta {
		sender := fmt.Sprintf("meta%d %s", i, m)
		meta := map[string]any{"assistant_id": m, "model_id": m, "model_name": m, m: m, "session_id": m}
		cases = append(cases,
			hostileCase{name: fmt.Sprintf("SQL metacharacters %d in every text field of a user event", i), key: []byte(m), env: []byte(m),
				value: ev(with(base(sender, "user"), "text", m, "input_channel", m, "metadata", meta, "flow_id", m, "step_id", m, "agent_id", m,
					"parse_data", map[string]any{"intent": map[string]any{"name": m}})),
				check: all(stored(`e."senderId"`, sender), stored(`e."name"`, m), stored(`e."flowId"`, m), stored(`e."stepId"`, m),
					stored(`e."agentId"`, m), stored(`e."rawData"->>'text'`, m), stored(`e."metadata"->>(e."metadata"->>'assistant_id')`, m),
					stored(`env."name"`, m), stored(`c."assistantName"`, m), stored(`c."channelName"`, m), stored(`m."modelId"`, m),
					stored(`c."assistantVersion"`, m))},
			hostileCase{name: fmt.Sprintf("SQL metacharacters %d in an action and a slot", i), key: []byte(m), env: []byte(m),
				value: ev(with(base(sender, "slot"), "name", m, "value", m, "action_text", m)),
				check: all(stored(`e."name"`, m), stored(`e."slotValue" #>> '{}'`, m))},
			hostileCase{name: fmt.Sprintf("SQL metacharacters %d as an end-to-end action's text", i), key: []byte(m), env: []byte(m),
				value: ev(with(base(sender, "action"), "name", nil, "action_text", m)),
				check: all(stored(`e."actionText"`, m))},
			hostileCase{name: fmt.Sprintf("SQL metacharacters %d as the event name", i), key: []byte(m), env: []byte(m),
				value: ev(base(sender, m)), reason: "unknown_type"},
		)
	}
	return cases
}

// TestHostileMessagesAreStoredOrKept loads hostile messages, each between
// valid ones, through the real path into PostgreSQL: over Kafka with the
// Kafka source, and as one batch written by the store. Each is either stored
// with the fields the SPEC and docs/decisions.md derive (checked in the
// stored row), or kept in RejectedEvent with its reason and its key, value
// and headers byte for byte. The valid messages of the same batches are all
// stored, nothing is stored twice, the schema is intact and the statistics
// equal recompute().
func TestHostileMessagesAreStoredOrKept(t *testing.T) {
	t.Parallel()
	cases := hostileCases()
	var recs []*kgo.Record
	var valid [][]byte
	var at []int // index of each case's record in recs
	for i, hc := range cases {
		s := newScript(fmt.Sprintf("valid-%d", i), "bank", "m1", day("2024-11-04 10:00:00").Add(time.Duration(i)*time.Minute))
		s.startSession().user("hi", "rest")
		for _, v := range s.msgs {
			valid = append(valid, v)
			recs = append(recs, &kgo.Record{Key: senderKey(v), Value: v, Headers: []kgo.RecordHeader{{Key: "RASA_ENVIRONMENT", Value: []byte("production")}}})
		}
		r := &kgo.Record{Key: hc.key, Value: hc.value}
		if hc.nilBody {
			r.Value = nil
		}
		if hc.env != nil {
			r.Headers = []kgo.RecordHeader{{Key: "RASA_ENVIRONMENT", Value: hc.env}}
		}
		at = append(at, len(recs))
		recs = append(recs, r)
	}

	t.Run("kafka", func(t *testing.T) {
		t.Parallel()
		b := setupWith(t, loader.Config{AssistantName: defaultAssistant, MaxEventBytes: hostileMaxEventBytes})
		c := newClusterWith(t, 1, kfake.BrokerConfigs(map[string]string{"message.max.bytes": fmt.Sprint(64 << 20)}))
		mine := cloneRecords(recs)
		produceRecords(t, c, mine)
		src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 10_000, MaxBytes: 128 << 20, MaxWait: 2 * time.Second}})
		end := mine[len(mine)-1].Offset + 1
		waitFor(t, 2*time.Minute, "every offset stored", func() bool {
			if exited, err := src.exited(); exited {
				t.Fatalf("the source stopped: %v\n%s", err, tail(src.logs.String(), 3000))
			}
			return b.storedOffsets() >= end
		})
		if err := src.stop(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d messages in %d batches", src.loader.Totals().Messages, src.loader.Totals().Batches)
		checkHostile(t, b, cases, at, mine, valid)
	})

	t.Run("one batch", func(t *testing.T) {
		t.Parallel()
		b := setupWith(t, loader.Config{AssistantName: defaultAssistant, MaxEventBytes: hostileMaxEventBytes})
		mine := cloneRecords(recs)
		batch := &loader.Batch{Offsets: []loader.OffsetUpdate{{Topic: topic, Partition: 0, Expected: loader.NoStoredOffset, Next: int64(len(mine))}}}
		for i, r := range mine {
			r.Topic, r.Partition, r.Offset = topic, 0, int64(i)
			m := loader.Message{Key: r.Key, Value: r.Value, Pos: loader.Position{Topic: topic, Partition: 0, Offset: int64(i)}}
			for _, h := range r.Headers {
				m.Headers = append(m.Headers, loader.Header{Key: h.Key, Value: h.Value})
			}
			batch.Messages = append(batch.Messages, m)
		}
		res, err := b.loader.Write(context.Background(), batch)
		if err != nil {
			t.Fatalf("the batch was not written: %v", err)
		}
		t.Logf("one batch: %d stored, %d rejected %v", res.Stored, res.RejectedTotal(), res.Rejected)
		checkHostile(t, b, cases, at, mine, valid)
	})
}

func cloneRecords(recs []*kgo.Record) []*kgo.Record {
	out := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		c := *r
		out[i] = &c
	}
	return out
}

func checkHostile(t *testing.T, b *bundle, cases []hostileCase, at []int, recs []*kgo.Record, valid [][]byte) {
	t.Helper()
	ctx := context.Background()
	stored, rejected := 0, 0
	for i, hc := range cases {
		r := recs[at[i]]
		id := eventID(r.Value)
		t.Run(hc.name, func(t *testing.T) {
			var reason, headers string
			var key, value []byte
			err := b.pool.QueryRow(ctx, `SELECT "reason", "key", "value", "headers"::text FROM "RejectedEvent"
				WHERE "topic" = $1 AND "partition" = $2 AND "offset" = $3`, topic, r.Partition, r.Offset).Scan(&reason, &key, &value, &headers)
			isRejected := err == nil
			if err != nil && err != pgx.ErrNoRows {
				t.Fatal(err)
			}
			isStored := one[bool](b, `SELECT EXISTS (SELECT FROM "ConversationEvent" WHERE "id" = $1)`, id)
			switch {
			case isRejected && isStored:
				t.Errorf("both stored and rejected (%s)", reason)
			case hc.reason == "" && !isStored:
				t.Errorf("not stored; rejected: %v (%s)", isRejected, reason)
			case hc.reason != "" && !isRejected:
				t.Errorf("not in RejectedEvent (stored: %v), want reason %s", isStored, hc.reason)
			case hc.reason != "":
				rejected++
				if reason != hc.reason {
					t.Errorf("reason %s, want %s", reason, hc.reason)
				}
				if !bytes.Equal(value, r.Value) || !bytes.Equal(key, r.Key) {
					t.Errorf("key/value not kept byte for byte (value %d bytes, produced %d)", len(value), len(r.Value))
				}
				if hc.env != nil && !strings.Contains(headers, "RASA_ENVIRONMENT") {
					t.Errorf("headers %.200s lack RASA_ENVIRONMENT", headers)
				}
			default:
				stored++
				if hc.check != nil {
					hc.check(t, b, id)
				}
			}
		})
	}
	for _, v := range valid {
		if !one[bool](b, `SELECT EXISTS (SELECT FROM "ConversationEvent" WHERE "id" = $1)`, eventID(v)) {
			t.Errorf("valid message lost: %s", v)
		}
	}
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`); n != stored+len(valid) {
		t.Errorf("%d events stored, want %d hostile ones and %d valid ones", n, stored, len(valid))
	}
	if n := one[int](b, `SELECT count(*)::int FROM "RejectedEvent"`); n != rejected {
		t.Errorf("%d rejected rows, want %d", n, rejected)
	}
	if n := one[int](b, `SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('ConversationEvent', 'Conversation', 'RejectedEvent')`); n != 3 {
		t.Errorf("tables dropped: %d of 3 left", n)
	}
	checkStatsEqualRecompute(t, b)
}

// TestHugeIdentifiersDoNotBlockThePartition writes, in one batch between
// valid messages, a message whose sender_id, assistant_id, input_channel,
// model_id, model_name, flow_id or RASA_ENVIRONMENT header is 3 kB or 300 kB of
// incompressible text. These values end up in b-tree indexed columns
// (SenderSession, Conversation, the statistics keys, MachineLearningModel,
// Environment) whose entries PostgreSQL limits to about 2.7 kB. Bad input
// (docs/decisions.md): such a message is stored or kept in RejectedEvent, the batch goes in,
// nothing is blocked, and the statistics refresh still works.
func TestHugeIdentifiersDoNotBlockThePartition(t *testing.T) {
	t.Parallel()
	for _, size := range []int{3_000, 300_000} {
		for _, field := range []string{"sender_id", "assistant_id", "input_channel", "model_id", "model_name", "flow_id", "RASA_ENVIRONMENT"} {
			t.Run(fmt.Sprintf("%s of %d bytes", field, size), func(t *testing.T) {
				t.Parallel()
				huge := noise(size)
				ev := map[string]any{"sender_id": "huge", "event": "user", "timestamp": json.Number("1730000000.5"), "text": "hi",
					"input_channel": "rest", "metadata": map[string]any{"assistant_id": "bank", "model_id": "m1", "model_name": "v1"}}
				meta := ev["metadata"].(map[string]any)
				var env []byte
				switch field {
				case "sender_id", "input_channel":
					ev[field] = huge
				case "assistant_id", "model_id", "model_name":
					meta[field] = huge
				case "flow_id":
					ev["event"], ev["flow_id"] = "flow_started", huge
				case "RASA_ENVIRONMENT":
					env = []byte(huge)
				}
				value, err := json.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				b := setup(t)
				before := newScript("before", "bank", "m1", day("2024-10-27 10:00:00")).startSession().user("hi", "rest").bot("hello").msgs
				after := newScript("after", "bank", "m1", day("2024-10-27 11:00:00")).startSession().user("hi", "rest").bot("hello").msgs
				batch := &loader.Batch{}
				for _, v := range before {
					batch.Messages = append(batch.Messages, loader.Message{Value: v})
				}
				hostile := loader.Message{Key: []byte("huge"), Value: value}
				if env != nil {
					hostile.Headers = []loader.Header{{Key: "RASA_ENVIRONMENT", Value: env}}
				}
				batch.Messages = append(batch.Messages, hostile)
				for _, v := range after {
					batch.Messages = append(batch.Messages, loader.Message{Value: v})
				}
				for i := range batch.Messages {
					batch.Messages[i].Pos = loader.Position{Topic: topic, Partition: 0, Offset: int64(i)}
				}
				batch.Offsets = []loader.OffsetUpdate{{Topic: topic, Partition: 0, Expected: loader.NoStoredOffset, Next: int64(len(batch.Messages))}}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if _, err := b.loader.Write(ctx, batch); err != nil {
					t.Fatalf("the batch was not written, so the partition is blocked: %v", err)
				}
				for _, v := range append(before, after...) {
					if !one[bool](b, `SELECT EXISTS (SELECT FROM "ConversationEvent" WHERE "id" = $1)`, eventID(v)) {
						t.Errorf("valid message lost: %s", v)
					}
				}
				isStored := one[bool](b, `SELECT EXISTS (SELECT FROM "ConversationEvent" WHERE "id" = $1)`, eventID(value))
				var kept []byte
				_ = b.pool.QueryRow(ctx, `SELECT "value" FROM "RejectedEvent" WHERE "offset" = $1`, len(before)).Scan(&kept)
				if isStored == (kept != nil) {
					t.Errorf("stored: %v, rejected: %v; want exactly one", isStored, kept != nil)
				}
				if kept != nil && !bytes.Equal(kept, value) {
					t.Error("the rejected value was not kept byte for byte")
				}
				if _, err := b.pool.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
					t.Fatalf("the statistics refresh fails from now on: %v", err)
				}
				checkStatsEqualRecompute(t, b)
			})
		}
	}
}
