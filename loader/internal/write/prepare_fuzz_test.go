package write

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// fuzzLabels are the ConversationEventType labels the first migration creates.
var fuzzLabels = strings.Fields(`ACTION SESSION_STARTED SLOT RESET_SLOTS FLOW_STARTED FLOW_INTERRUPTED FLOW_RESUMED
	FLOW_COMPLETED FLOW_CANCELLED FORM ACTIVE_LOOP RESTART CONVERSATION_INACTIVE SESSION_ENDED ENTITIES FOLLOWUP
	ACTION_EXECUTION_REJECTED STACK ROUTING_SESSION_ENDED REMINDER CANCEL_REMINDER REWIND UNDO EXPORT PAUSE RESUME
	LOOP_INTERRUPTED AGENT_STARTED AGENT_COMPLETED AGENT_INTERRUPTED AGENT_CANCELLED AGENT_RESUMED USER BOT
	USER_FEATURIZATION SESSION_PAUSED AGENT ERROR`)

// decoderReasons are the reasons decode may give; database_refused only comes
// from PostgreSQL.
var decoderReasons = map[scan.Reason]bool{
	scan.NotJSON: true, scan.NotObject: true, scan.Unstorable: true, scan.TooLarge: true,
	scan.MissingField: true, scan.InvalidField: true, scan.BadTimestamp: true, scan.UnknownType: true,
}

// rasaEventExamples are the JSON examples of /work/shared/rasa-events.md (the
// payload reference the loader was built from), as written there: some hold
// "…" placeholders, which makes them bad input as they are, and good input
// after repairExample.
var rasaEventExamples = []string{
	`{"sender_id":"c0a8…","event":"user","timestamp":1718964816.098185,
 "metadata":{"model_id":"14637f7d3d15487b9de4d21663c8797b","assistant_id":"20240418-073244-narrow-archive"},
 "text":"Add contact",
 "parse_data":{"intent":{"name":"add_contact","confidence":0.8393586103804717},
   "entities":[],"text":"Add contact","message_id":"42d39043f2014b77ae779f048b08488e","metadata":{},
   "commands":[{"flow":"add_contact","command":"start flow"},
               {"name":"route_session_to_calm","value":true,"extractor":"LLM","command":"set slot"}],
   "text_tokens":[[0,3],[4,11]],
   "intent_ranking":[{"name":"add_contact","confidence":0.8393586103804717}],
   "flows_from_semantic_search":[["list_contacts",0.8434605002403259],["add_contact",0.8285885453224182]],
   "flows_in_prompt":["transaction_search","add_contact"]},
 "input_channel":"inspector","message_id":"42d39043f2014b77ae779f048b08488e"}`,
	`{"sender_id":"c0a8…","event":"bot","timestamp":1727272173.989652,
 "metadata":{"active_flow":"pattern_session_start","step_id":"0_utter_greet","utter_action":"utter_greet",
   "utter_source":"TemplatedNaturalLanguageGenerator","model_id":"2fbbd6456437492c92a5079c90ecb33b",
   "assistant_id":"20240418-073244-narrow-archive"},
 "text":"Hi! I'm your Financial Assistant! How can I help you?",
 "data":{"elements":null,"quick_replies":null,"buttons":null,"attachment":null,"image":null,"custom":null}}`,
	`{"sender_id":"c0a8…","event":"action","timestamp":1727272173.989463,
 "metadata":{"active_flow":"pattern_session_start","step_id":"0_utter_greet",
   "model_id":"2fbbd6456437492c92a5079c90ecb33b","assistant_id":"20240418-073244-narrow-archive"},
 "name":"utter_greet","policy":"FlowPolicy","confidence":1.0,"action_text":null,"hide_rule_turn":false}`,
	`{"sender_id":"c0a8…","event":"slot","timestamp":1718964820.490399,
 "metadata":{"model_id":"14637f7d…","assistant_id":"20240418-073244-narrow-archive"},
 "name":"add_contact_handle","value":"John"}`,
	`{"sender_id":"c0a8…","event":"session_started","timestamp":1718964815.061358,
 "metadata":{"model_id":"14637f7d…","assistant_id":"20240418-073244-narrow-archive"}}`,
	`{"sender_id":"…","event":"reminder","timestamp":…,"metadata":{…},"intent":"EXTERNAL_dry_plant",
 "date_time":"2024-06-21T10:15:00.000000","entities":null,"name":"my_reminder","kill_on_user_msg":true}`,
	`{"sender_id":"…","event":"stack","timestamp":1718964816.1194339,"metadata":{…},
 "update":"[{\"op\": \"add\", \"path\": \"/0\", \"value\": {\"frame_id\": \"OQIATOZE\", \"flow_id\": \"add_contact\", \"step_id\": \"START\", \"frame_type\": \"regular\", \"type\": \"flow\"}}]"}`,
	`{"sender_id":"…","event":"flow_started","timestamp":1727272173.989456,
   "metadata":{"frame_id":"ZDDUSEJI","flow_id":"pattern_session_start","step_id":"0_utter_greet","type":"pattern_session_start",
     "model_id":"2fbbd645…","assistant_id":"20240418-073244-narrow-archive"},
   "flow_id":"pattern_session_start"}`,
	`{"sender_id":"…","event":"flow_completed","timestamp":1727272173.99669,"metadata":{…},
   "flow_id":"pattern_session_start","step_id":"0_utter_greet"}`,
	`{"sender_id":"…","user_id":"usr_a1b2","event":"session_ended","timestamp":1774000000.1,
   "metadata":{"_reason":"…","session_id":"4b3c1e2a-91f0-4d8e-b123-abc123def456","model_id":"…","assistant_id":"…"}}`,
	`{"event": self.type_name, "timestamp": self.timestamp}`,
	`{"sender_id":"…","event":"<name>","timestamp":1718964815.06,"metadata":{…}}`,
	`{"sender_id":"…","event":"followup","timestamp":…,"metadata":{…},"name":"action_xyz"}`,
	`{"event":"active_loop","name":"restaurant_form",…}`,
	`{"event":"loop_interrupted","is_interrupted":true,…}`,
	`{"event":"action_execution_rejected","name":"action_session_start","policy":null,"confidence":null,…}`,
	`{"event":"entities","entities":[{"entity":"city","value":"Berlin","start":10,"end":16}],…}`,
	`{"event":"user_featurization","use_text_for_featurization":false,…}`,
	`{"event":"agent","text":"…","data":…,…}`,
	`{"event":"session_ended","timestamp":…,"metadata":…}`,
	`{"event":"session_paused","timestamp":1761232628.512342,"reason":"Widget closed"}`,
	`{"sender_id":"…","event":"agent_completed","timestamp":…,"metadata":{…},"flow_id":"book_trip","agent_id":"travel_agent","status":"completed"}`,
	`{"event":"action","name":"action_handoff_metric","policy":"FlowPolicy",…}`,
	`{"command":"human handoff"}`,
	`{"event":"slot","name":"csat_score","value":"satisfied"}`,
	`{"command":"session start"}`,
}

// repairExample turns the placeholders of an example into JSON.
func repairExample(s string) string {
	r := strings.NewReplacer(`{…}`, `{}`, `,…}`, `}`, `:…,`, `:null,`, `:…}`, `:null}`)
	s = r.Replace(s)
	if !strings.Contains(s, `"timestamp"`) {
		s = strings.Replace(s, `{`, `{"sender_id":"s","timestamp":1718964815.06,`, 1)
	}
	return s
}

// FuzzDecode feeds arbitrary message values (and RASA_ENVIRONMENT headers)
// through the decoder and Store.Prepare, the loader's whole path before
// PostgreSQL, and checks:
//   - nothing panics and the input is not modified;
//   - a rejection is a *scan.Error with a reason from the known set and a
//     non-empty detail;
//   - an accepted event has a timestamp in years 1 to 9999, a type that is
//     one of the enum's labels, the id UUIDv5(value), rawData that is valid
//     JSON which the scanner accepts again unchanged (the value itself unless
//     NaN/Infinity were replaced), metadata that is a JSON object, a slot
//     value that is JSON and not null, and text fields that PostgreSQL text
//     columns can hold (valid UTF-8, no NUL);
//   - in a batch between two valid messages, the valid ones are kept and the
//     fuzzed one is either a candidate or a rejection, and every COPY tuple is
//     well formed (16 fields whose lengths add up).
//
// Seeds: every line of the sample stream, the real-shaped events of
// testdata/events and the examples of rasa-events.md, raw and repaired.
func FuzzDecode(f *testing.F) {
	for _, line := range sampleLines(f) {
		f.Add(line, []byte("production"), true)
	}
	files, _ := filepath.Glob(filepath.Join("..", "decode", "testdata", "events", "*.json"))
	files2, _ := filepath.Glob(filepath.Join("..", "scan", "testdata", "rawjson", "*.json"))
	for _, name := range append(files, files2...) {
		if v, err := os.ReadFile(name); err == nil {
			f.Add(v, []byte("RASA_ENVIRONMENT_NOT_SET"), true)
		}
	}
	for _, ex := range rasaEventExamples {
		f.Add([]byte(ex), []byte(""), false)
		f.Add([]byte(repairExample(ex)), []byte("staging"), true)
	}
	for _, v := range []string{"", " ", "\ufeff{}", "{\"sender_id\":\"a\",\"event\":\"user\",\"timestamp\":253402300800}",
		"{\"sender_id\":\"a\",\"event\":\"slot\",\"timestamp\":-1.5,\"value\":null,\"name\":\"\\ud83d\\ude00\"}"} {
		f.Add([]byte(v), []byte("\xff"), true)
	}

	types := decode.NewEventTypes(fuzzLabels)
	labels := map[string]bool{}
	for _, l := range fuzzLabels {
		labels[l] = true
	}
	d := decode.Decoder{Types: types, MaxEventBytes: 1 << 20}
	store := &Store{decoder: d}
	valid := [][]byte{
		[]byte(`{"sender_id": "v1", "event": "user", "timestamp": 1730000000.5, "text": "hi"}`),
		[]byte(`{"sender_id": "v2", "event": "bot", "timestamp": 1730000001.25, "text": "hello"}`),
	}

	f.Fuzz(func(t *testing.T, value, env []byte, hasEnv bool) {
		orig := bytes.Clone(value)
		msg := decode.Message{Value: value, Pos: decode.Position{Topic: "rasa-events", Partition: 1, Offset: 7}}
		if hasEnv {
			msg.Headers = []decode.Header{{Key: "RASA_ENVIRONMENT", Value: env}}
		}
		e, err := d.Decode(&msg)
		if !bytes.Equal(value, orig) {
			t.Fatal("decode modified the message value")
		}
		if err != nil {
			var re *scan.Error
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *scan.Error: %v", err, err)
			}
			if !decoderReasons[re.Reason] {
				t.Fatalf("unknown reject reason %q", re.Reason)
			}
			if re.Detail == "" {
				t.Fatalf("reason %s without detail", re.Reason)
			}
		} else {
			checkAcceptedEvent(t, e, value, labels)
		}

		batch := &Batch{Messages: []decode.Message{{Value: valid[0]}, msg, {Value: valid[1]}}}
		p, perr := store.Prepare(batch)
		if perr != nil {
			t.Fatalf("Prepare: %v", perr)
		}
		if n := len(p.candidates) + len(p.rejections) + p.repeats; n != 3 {
			t.Fatalf("Prepare accounted for %d of 3 messages", n)
		}
		kept := map[int]bool{}
		for _, c := range p.candidates {
			kept[c.Index] = true
			checkTuple(t, encodeRow(nil, c))
		}
		if !kept[0] || (!kept[2] && !bytes.Equal(value, valid[1])) {
			t.Fatalf("a valid message of the batch was lost: kept %v", kept)
		}
		if (err == nil) != (kept[1] || bytes.Equal(value, valid[0])) {
			t.Fatalf("decode said %v, but Prepare kept it: %v", err, kept[1])
		}
	})
}

func checkAcceptedEvent(t *testing.T, e *decode.Event, value []byte, labels map[string]bool) {
	t.Helper()
	if y := e.Timestamp.Year(); y < 1 || y > 9999 {
		t.Fatalf("accepted timestamp %v outside years 1 to 9999", e.Timestamp)
	}
	if !labels[e.Type] {
		t.Fatalf("accepted type %q is not a label", e.Type)
	}
	if e.ID != decode.UUIDv5(value) {
		t.Fatal("event id is not UUIDv5(value)")
	}
	if !json.Valid(e.RawData) || !utf8.Valid(e.RawData) {
		t.Fatalf("rawData is not valid JSON: %.200q", e.RawData)
	}
	again, err := scan.Message(e.RawData, scan.MaxDepth)
	if err != nil || again.NonFinite != 0 || !bytes.Equal(again.JSON, e.RawData) {
		t.Fatalf("the scanner does not accept rawData again unchanged: %v", err)
	}
	if m, _ := scan.Message(value, scan.MaxDepth); m.NonFinite == 0 && !bytes.Equal(e.RawData, value) {
		t.Fatal("rawData differs from the value though nothing was replaced")
	}
	if len(e.Metadata) == 0 || e.Metadata[0] != '{' || !json.Valid(e.Metadata) {
		t.Fatalf("metadata is not a JSON object: %.200q", e.Metadata)
	}
	if e.SlotValue != nil && (!json.Valid(e.SlotValue) || string(e.SlotValue) == "null") {
		t.Fatalf("slot value %.200q", e.SlotValue)
	}
	for name, s := range map[string]string{"sender_id": e.SenderID, "name": e.Name.S, "action_text": e.ActionText.S,
		"flow_id": e.FlowID.S, "step_id": e.StepID.S, "agent_id": e.AgentID.S, "environment": e.Environment,
		"assistant_id": e.AssistantID, "session_id": e.SessionID} {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			t.Fatalf("%s %q cannot go into a text column", name, s)
		}
	}
}

// checkTuple parses a binary COPY tuple: 16 fields, each a length (-1: NULL)
// and that many bytes, nothing left over.
func checkTuple(t *testing.T, tuple []byte) {
	t.Helper()
	if len(tuple) < 2 || binary.BigEndian.Uint16(tuple) != copyFieldCount {
		t.Fatal("tuple does not start with its field count")
	}
	rest := tuple[2:]
	for i := 0; i < copyFieldCount; i++ {
		if len(rest) < 4 {
			t.Fatalf("tuple ends in field %d", i)
		}
		n := int32(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		if n == -1 {
			continue
		}
		if n < 0 || int(n) > len(rest) {
			t.Fatalf("field %d claims %d bytes, %d left", i, n, len(rest))
		}
		rest = rest[n:]
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the last field", len(rest))
	}
}

// sampleLines returns the lines of the shared sample stream.
func sampleLines(t testing.TB) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "tests", "fixtures", "sample", "rasa-events-small.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}
