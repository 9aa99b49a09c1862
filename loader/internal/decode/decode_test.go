package decode

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// The ConversationEventType labels, as the first migration creates them.
var testEventTypes = NewEventTypes(strings.Fields(`ACTION SESSION_STARTED SLOT RESET_SLOTS FLOW_STARTED
	FLOW_INTERRUPTED FLOW_RESUMED FLOW_COMPLETED FLOW_CANCELLED FORM ACTIVE_LOOP RESTART CONVERSATION_INACTIVE
	SESSION_ENDED ENTITIES FOLLOWUP ACTION_EXECUTION_REJECTED STACK ROUTING_SESSION_ENDED REMINDER CANCEL_REMINDER
	REWIND UNDO EXPORT PAUSE RESUME LOOP_INTERRUPTED AGENT_STARTED AGENT_COMPLETED AGENT_INTERRUPTED AGENT_CANCELLED
	AGENT_RESUMED USER BOT USER_FEATURIZATION SESSION_PAUSED AGENT ERROR`))

// TestDecodeEveryRasaEventType decodes one real-shaped payload of every event
// Rasa emits (testdata/events, shapes from shared/rasa-events.md).
func TestDecodeEveryRasaEventType(t *testing.T) {
	type want struct {
		typ, name, flow, step, agent, actionText, slot, session string
	}
	wants := map[string]want{
		"user":                      {typ: "USER", name: "add_contact"},
		"bot":                       {typ: "BOT", flow: "pattern_session_start", step: "0_utter_greet"},
		"action":                    {typ: "ACTION", name: "utter_greet", actionText: "utter_greet", flow: "pattern_session_start", step: "0_utter_greet"},
		"slot":                      {typ: "SLOT", name: "add_contact_handle", slot: `"John"`},
		"session_started":           {typ: "SESSION_STARTED"},
		"reset_slots":               {typ: "RESET_SLOTS"},
		"restart":                   {typ: "RESTART"},
		"rewind":                    {typ: "REWIND"},
		"undo":                      {typ: "UNDO"},
		"pause":                     {typ: "PAUSE"},
		"resume":                    {typ: "RESUME"},
		"routing_session_ended":     {typ: "ROUTING_SESSION_ENDED"},
		"export":                    {typ: "EXPORT"},
		"cancel_reminder":           {typ: "CANCEL_REMINDER"},
		"followup":                  {typ: "FOLLOWUP", name: "action_xyz"},
		"reminder":                  {typ: "REMINDER", name: "my_reminder"},
		"active_loop":               {typ: "ACTIVE_LOOP", name: "restaurant_form"},
		"form":                      {typ: "FORM", name: "restaurant_form"},
		"loop_interrupted":          {typ: "LOOP_INTERRUPTED"},
		"form_validation":           {typ: "LOOP_INTERRUPTED"}, // legacy name
		"action_execution_rejected": {typ: "ACTION_EXECUTION_REJECTED", name: "action_session_start"},
		"entities":                  {typ: "ENTITIES"},
		"user_featurization":        {typ: "USER_FEATURIZATION"},
		"agent":                     {typ: "AGENT"},
		"stack":                     {typ: "STACK"},
		"flow_started":              {typ: "FLOW_STARTED", flow: "pattern_session_start", step: "0_utter_greet"},
		"flow_interrupted":          {typ: "FLOW_INTERRUPTED", flow: "transfer_money", step: "ask_amount"},
		"flow_resumed":              {typ: "FLOW_RESUMED", flow: "transfer_money", step: "ask_amount"},
		"flow_completed":            {typ: "FLOW_COMPLETED", flow: "pattern_session_start", step: "0_utter_greet"},
		"flow_cancelled":            {typ: "FLOW_CANCELLED", flow: "transfer_money", step: "ask_recipient"},
		"session_ended":             {typ: "SESSION_ENDED", session: "4b3c1e2a-91f0-4d8e-b123-abc123def456"},
		"conversation_inactive":     {typ: "CONVERSATION_INACTIVE", session: "4b3c1e2a-91f0-4d8e-b123-abc123def456"},
		"session_paused":            {typ: "SESSION_PAUSED"},
		"error":                     {typ: "ERROR"},
		"agent_started":             {typ: "AGENT_STARTED", flow: "book_trip", agent: "travel_agent"},
		"agent_completed":           {typ: "AGENT_COMPLETED", flow: "book_trip", agent: "travel_agent"},
		"agent_interrupted":         {typ: "AGENT_INTERRUPTED", flow: "book_trip", agent: "travel_agent"},
		"agent_resumed":             {typ: "AGENT_RESUMED", flow: "book_trip", agent: "travel_agent"},
		"agent_cancelled":           {typ: "AGENT_CANCELLED", flow: "book_trip", agent: "travel_agent"},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if len(files) != len(wants) {
		t.Fatalf("%d fixtures for %d event names", len(files), len(wants))
	}
	d := Decoder{Types: testEventTypes}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		w, ok := wants[name]
		if !ok {
			t.Errorf("fixture %s has no expectation", name)
			continue
		}
		value, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		value = bytes.TrimSpace(value)
		msg := &Message{Value: value, Headers: []Header{{Key: "RASA_ENVIRONMENT", Value: []byte("production")}}}
		e, err := d.Decode(msg)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := want{typ: e.Type, name: e.Name.S, flow: e.FlowID.S, step: e.StepID.S, agent: e.AgentID.S,
			actionText: e.ActionText.S, slot: string(e.SlotValue), session: e.SessionID}
		if got != w {
			t.Errorf("%s decoded as %+v, want %+v", name, got, w)
		}
		if e.ID != UUIDv5(value) || e.Timestamp != time.UnixMicro(1727272173989652).UTC() || e.SenderID != "c0a8f00e5b4c4a2e" {
			t.Errorf("%s: id, timestamp or sender wrong: %v %v %q", name, e.ID, e.Timestamp, e.SenderID)
		}
		if e.Environment != "production" || e.EnvironmentID != UUIDv5([]byte("production")) {
			t.Errorf("%s: environment %q", name, e.Environment)
		}
		if name != "session_paused" && e.ModelID != UUIDv5([]byte("2fbbd6456437492c92a5079c90ecb33b")) {
			t.Errorf("%s: modelId %v", name, e.ModelID)
		}
	}
}

// actionText is the executed action's name on ACTION events, the uttered text
// of an end-to-end bot action that has no name, and NULL on any other type.
func TestDecodeActionText(t *testing.T) {
	d := Decoder{Types: testEventTypes}
	for _, c := range []struct {
		value string
		want  OptString
	}{
		{`{"sender_id":"s","event":"action","timestamp":1,"name":"action_listen","action_text":null}`, OptString{"action_listen", true}},
		{`{"sender_id":"s","event":"action","timestamp":1,"name":"utter_greet","action_text":"Hello"}`, OptString{"utter_greet", true}},
		{`{"sender_id":"s","event":"action","timestamp":1,"name":null,"action_text":"Hello there"}`, OptString{"Hello there", true}},
		{`{"sender_id":"s","event":"action","timestamp":1,"action_text":"Hello there"}`, OptString{"Hello there", true}},
		{`{"sender_id":"s","event":"action","timestamp":1,"name":null,"action_text":null}`, OptString{}},
		{`{"sender_id":"s","event":"slot","timestamp":1,"name":"x","value":1,"action_text":"t"}`, OptString{}},
		{`{"sender_id":"s","event":"bot","timestamp":1,"text":"hi","action_text":"t"}`, OptString{}},
	} {
		e, err := d.Decode(&Message{Value: []byte(c.value)})
		if err != nil {
			t.Fatalf("%s: %v", c.value, err)
		}
		if e.ActionText != c.want {
			t.Errorf("%s: actionText %+v, want %+v", c.value, e.ActionText, c.want)
		}
	}
}

// uuidV5 must be RFC 4122's name-based SHA-1 UUID in the URL namespace.
func TestUUIDv5(t *testing.T) {
	// Python: uuid.uuid5(uuid.NAMESPACE_URL, "production")
	if got := UUIDv5([]byte("production")).String(); got != "b44d1036-8423-5b74-a766-1ab4a4c93001" {
		h := sha1.Sum(append(urlNamespace[:], "production"...))
		t.Errorf("uuidV5(production) = %s (sha1 %x)", got, h)
	}
	for _, in := range []string{"fbe632b0-ef05-467e-b0f2-fecf6131ad1d", "FBE632B0-EF05-467E-B0F2-FECF6131AD1D", "{fbe632b0-ef05-467e-b0f2-fecf6131ad1d}", "fbe632b0ef05467eb0f2fecf6131ad1d"} {
		u, ok := parseUUID(in)
		if !ok || u.String() != "fbe632b0-ef05-467e-b0f2-fecf6131ad1d" {
			t.Errorf("parseUUID(%q) = %v, %v", in, u, ok)
		}
	}
	for _, in := range []string{"", "not-a-uuid", "fbe632b0-ef05-467e-b0f2-fecf6131ad1", "-fbe632b0ef05467eb0f2fecf6131ad1d", "fbe632b0--ef05467eb0f2fecf6131ad1d"} {
		if _, ok := parseUUID(in); ok {
			t.Errorf("parseUUID(%q) accepted", in)
		}
	}
}

func TestDecodeRejectsWithReasons(t *testing.T) {
	d := Decoder{Types: testEventTypes, MaxEventBytes: 200}
	for _, tc := range []struct {
		value  string
		reason scan.Reason
	}{
		{`{"event": "user", "timestamp": 1}`, scan.MissingField},
		{`{"sender_id": null, "event": "user", "timestamp": 1}`, scan.MissingField},
		{`{"sender_id": 5, "event": "user", "timestamp": 1}`, scan.InvalidField},
		{`{"sender_id": "a", "timestamp": 1}`, scan.MissingField},
		{`{"sender_id": "a", "event": "user"}`, scan.MissingField},
		{`{"sender_id": "a", "event": "user", "timestamp": NaN}`, scan.BadTimestamp},
		{`{"sender_id": "a", "event": "user", "timestamp": "2024-11-05T18:44:45+00:00"}`, scan.BadTimestamp},
		{`{"sender_id": "a", "event": "user", "timestamp": 1e300}`, scan.BadTimestamp},
		{`{"sender_id": "a", "event": "user", "timestamp": -62135596801}`, scan.BadTimestamp},
		{`{"sender_id": "a", "event": "foo_bar", "timestamp": 1}`, scan.UnknownType},
		{`{"sender_id": "a", "event": "User", "timestamp": 1}`, scan.UnknownType},
		{`[{"sender_id": "a"}]`, scan.NotObject},
		{`{"sender_id": "a"`, scan.NotJSON},
		{`{"sender_id": "a", "event": "bot", "timestamp": 1, "text": "` + strings.Repeat("x", 200) + `"}`, scan.TooLarge},
	} {
		_, err := d.Decode(&Message{Value: []byte(tc.value)})
		var rerr *scan.Error
		if !errors.As(err, &rerr) || rerr.Reason != tc.reason {
			t.Errorf("%.60s: %v, want reason %s", tc.value, err, tc.reason)
		}
	}
	// Years 1 and 9999 are fine.
	for _, ts := range []string{"-62135596800", "253402300799.999999"} {
		if _, err := d.Decode(&Message{Value: []byte(`{"sender_id": "a", "event": "user", "timestamp": ` + ts + `}`)}); err != nil {
			t.Errorf("timestamp %s: %v", ts, err)
		}
	}
}

func TestEpochMicrosRoundsTheSeventhDecimal(t *testing.T) {
	for in, want := range map[string]int64{
		"1718964816.1194339": 1718964816119434,
		"1718964816.1194334": 1718964816119433,
		"1730679820.158515":  1730679820158515,
		"1730679820":         1730679820000000,
		"-1.5":               -1500000,
		"1.7e9":              1700000000000000,
	} {
		if got, ok := epochMicros(in); !ok || got != want {
			t.Errorf("epochMicros(%s) = %d, %v; want %d", in, got, ok, want)
		}
	}
}

func TestDecodeBoundsIdentifiersThatGoIntoIndexes(t *testing.T) {
	d := Decoder{Types: testEventTypes}
	long := strings.Repeat("x", maxIdentifierBytes+1)
	for _, value := range []string{
		`{"sender_id": "` + long + `", "event": "user", "timestamp": 1}`,
		`{"sender_id": "a", "event": "user", "timestamp": 1, "input_channel": "` + long + `"}`,
		`{"sender_id": "a", "event": "flow_started", "timestamp": 1, "flow_id": "` + long + `"}`,
		`{"sender_id": "a", "event": "bot", "timestamp": 1, "metadata": {"assistant_id": "` + long + `"}}`,
	} {
		_, err := d.Decode(&Message{Value: []byte(value)})
		var rerr *scan.Error
		if !errors.As(err, &rerr) || rerr.Reason != scan.InvalidField || !strings.Contains(rerr.Detail, "cannot be indexed") {
			t.Errorf("%.80s: %v, want an invalid_field rejection", value, err)
		}
	}
	if _, err := d.Decode(&Message{Value: []byte(`{"sender_id": "a", "event": "bot", "timestamp": 1}`),
		Headers: []Header{{Key: environmentHeader, Value: []byte(long)}}}); err == nil {
		t.Error("a RASA_ENVIRONMENT header too long for an index was accepted")
	}
	// A value that is not a string is no identifier: absent, however long.
	for _, value := range []string{
		`{"sender_id": "a", "event": "bot", "timestamp": 1, "metadata": {"model_name": ["` + long + `"]}}`,
		`{"sender_id": "a", "event": "bot", "timestamp": 1, "metadata": {"assistant_id": [1e131000, 1e70000]}}`,
		`{"sender_id": "a", "event": "user", "timestamp": 1, "input_channel": {"x": "` + long + `"}}`,
	} {
		e, err := d.Decode(&Message{Value: []byte(value)})
		if err != nil || e.AssistantID != "" {
			t.Errorf("%.80s: %v (assistant %q), want it stored without the identifier", value, err, e.AssistantID)
		}
	}
	// The limit counts decoded bytes: escapes do not make a short id too long.
	atLimit := strings.Repeat("x", maxIdentifierBytes)
	escaped := strings.Repeat(`\u0078`, maxIdentifierBytes)
	for _, id := range []string{atLimit, escaped} {
		if _, err := d.Decode(&Message{Value: []byte(`{"sender_id": "` + id + `", "event": "user", "timestamp": 1}`)}); err != nil {
			t.Errorf("sender_id of %d source bytes: %v", len(id), err)
		}
	}
}
