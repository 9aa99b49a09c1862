package scan

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scanCase is one input of the table, the PostgreSQL cross-check and the fuzz
// seed corpus.
type scanCase struct {
	name   string
	in     string
	reason Reason   // "" when the input must be accepted
	want   string   // accepted: expected JSON when it differs from in; rejected: exact Error() when set
	detail string   // rejected: substring of Detail
	fields []string // accepted: key, value, key, value… of Fields when set
}

// nestObjects is n nested objects: the top-level one is level 1.
func nestObjects(n int) string {
	return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
}

// nestArrays is an object holding n-1 nested arrays: n levels in all.
func nestArrays(n int) string {
	return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}"
}

func scanCases() []scanCase {
	const action = `{"sender_id": "c0a8", "event": "action", "timestamp": 1727272173.989463, "metadata": {"model_id": "2fbb", "assistant_id": "acme"}, "name": "utter_greet", "policy": "FlowPolicy", "confidence": 1.0, "action_text": null, "hide_rule_turn": false}`
	zeros := func(n int) string { return strings.Repeat("0", n) }
	return []scanCase{
		// Accepted.
		{name: "empty object", in: `{}`, fields: []string{}},
		{name: "whitespace around", in: " \t\r\n{ \"a\" : 1 , \"b\":[ ] }\n\t ", fields: []string{"a", "1", "b", "[ ]"}},
		{name: "rasa action", in: action, fields: []string{"sender_id", `"c0a8"`, "event", `"action"`, "timestamp", "1727272173.989463",
			"metadata", `{"model_id": "2fbb", "assistant_id": "acme"}`, "name", `"utter_greet"`, "policy", `"FlowPolicy"`,
			"confidence", "1.0", "action_text", "null", "hide_rule_turn", "false"}},
		{name: "duplicate keys", in: `{"a":1,"b":2,"a":3}`, fields: []string{"a", "1", "b", "2", "a", "3"}},
		{name: "empty key", in: `{"":1}`, fields: []string{"", "1"}},
		{name: "escaped top-level key", in: `{"sender\u005fid":"x","\u00e9\ud83d\ude00":1,"a\"b\\":2}`, fields: []string{"sender_id", `"x"`, "é😀", "1", `a"b\`, "2"}},
		{name: "literals", in: `{"t":true,"f":false,"n":null}`, fields: []string{"t", "true", "f", "false", "n", "null"}},
		{name: "NaN", in: `{"c": NaN}`, want: `{"c": null}`, fields: []string{"c", "null"}},
		{name: "Infinity", in: `{"c":Infinity,"d":1}`, want: `{"c":null,"d":1}`, fields: []string{"c", "null", "d", "1"}},
		{name: "-Infinity", in: `{"c": -Infinity }`, want: `{"c": null }`, fields: []string{"c", "null"}},
		{name: "nested non-finite", in: `{"p": {"i": {"c": Infinity}}, "x": [NaN, -Infinity, 1], "y": "z"}`,
			want:   `{"p": {"i": {"c": null}}, "x": [null, null, 1], "y": "z"}`,
			fields: []string{"p", `{"i": {"c": null}}`, "x", "[null, null, 1]", "y", `"z"`}},
		{name: "non-finite words in strings", in: `{"NaN": "NaN Infinity -Infinity", "s": NaN}`, want: `{"NaN": "NaN Infinity -Infinity", "s": null}`},
		{name: "big negative int", in: `{"id": -2085134107778963924}`, fields: []string{"id", "-2085134107778963924"}},
		{name: "huge int", in: `{"n": 123456789012345678901234567890}`, fields: []string{"n", "123456789012345678901234567890"}},
		{name: "number forms", in: `{"a":[0,-0,0.5,-0.0e-0,1E+5,1e-5,1.5E300,-1.731541806890066e+18,10e131070]}`},
		{name: "numeric max weight", in: `{"a":1e131071}`},
		{name: "numeric max weight via fraction", in: `{"a":0.0001e131075}`},
		{name: "numeric 131072 integer digits", in: `{"a":9` + strings.Repeat("9", 131071) + `}`},
		{name: "numeric max scale", in: `{"a":1e-16383}`},
		{name: "numeric max scale zeros", in: `{"a":0.` + zeros(16383) + `}`},
		{name: "numeric max scale trailing zeros", in: `{"a":1.` + zeros(16383) + `}`},
		{name: "numeric zero with huge exponent", in: `{"a":0e1073741822}`},
		{name: "numeric exponent leading zeros", in: `{"a":1e00000000000000000000131071}`},
		{name: "escapes", in: `{"s":"\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \uFFFF \uFFFE \uDBFF\uDFFF \uD800\uDC00"}`},
		{name: "raw UTF-8", in: "{\"s\":\"Jos\u00e9 \U0001F600 \u65e5\u672c \uffff \u007f\"}", fields: []string{"s", "\"Jos\u00e9 \U0001F600 \u65e5\u672c \uffff \u007f\""}},
		{name: "depth 512 objects", in: nestObjects(512)},
		{name: "depth 512 arrays", in: nestArrays(512)},

		// Not JSON.
		{name: "empty", in: ``, reason: NotJSON, want: "not JSON: empty input"},
		{name: "only whitespace", in: " \n", reason: NotJSON, detail: "only whitespace"},
		{name: "BOM", in: "\ufeff{}", reason: NotJSON, want: "not JSON: unexpected byte order mark U+FEFF at byte 0, expected a value"},
		{name: "unexpected character", in: `{"a":x}`, reason: NotJSON, want: "not JSON: unexpected character 'x' at byte 5, expected a value"},
		{name: "trailing garbage", in: `{}x`, reason: NotJSON, detail: "'x' at byte 2, after the end of the top-level value"},
		{name: "two objects", in: `{} {}`, reason: NotJSON, detail: "at byte 3"},
		{name: "trailing NUL", in: "{}\x00", reason: NotJSON, detail: `'\x00' at byte 2`},
		{name: "form feed is not whitespace", in: "\f{}", reason: NotJSON},
		{name: "vertical tab is not whitespace", in: "{}\v", reason: NotJSON},
		{name: "truncated in string", in: `{"sender_id": "b347`, reason: NotJSON, want: "not JSON: unexpected end of input at byte 19 inside the string that starts at byte 14"},
		{name: "truncated after colon", in: `{"a":`, reason: NotJSON, detail: "end of input at byte 5"},
		{name: "truncated after key", in: `{"a"`, reason: NotJSON},
		{name: "truncated open", in: `{`, reason: NotJSON},
		{name: "truncated in literal", in: `{"a":tru`, reason: NotJSON, detail: "end of input"},
		{name: "truncated in escape", in: `{"a":"\u00`, reason: NotJSON, detail: "end of input"},
		{name: "truncated after backslash", in: `{"a":"\`, reason: NotJSON, detail: "end of input"},
		{name: "trailing comma", in: `{"a":1,}`, reason: NotJSON, detail: "trailing comma"},
		{name: "lone comma", in: `{,}`, reason: NotJSON},
		{name: "missing colon", in: `{"a" 1}`, reason: NotJSON, detail: "expected ':'"},
		{name: "single quotes", in: `{'a':1}`, reason: NotJSON},
		{name: "bare key", in: `{a:1}`, reason: NotJSON},
		{name: "extra close", in: `{"a":1}}`, reason: NotJSON},
		{name: "mismatched close", in: `{"a":[1}}`, reason: NotJSON, detail: "expected ',' or ']'"},
		{name: "array trailing comma", in: `{"a":[1,]}`, reason: NotJSON},
		{name: "missing value", in: `{"a":}`, reason: NotJSON},
		{name: "missing element", in: `{"a":[,1]}`, reason: NotJSON},
		{name: "missing comma", in: `{"a":[1 2]}`, reason: NotJSON},
		{name: "leading zero", in: `{"a":01}`, reason: NotJSON, detail: "leading zero"},
		{name: "negative leading zero", in: `{"a":-01}`, reason: NotJSON, detail: "leading zero"},
		{name: "trailing dot", in: `{"a":1.}`, reason: NotJSON, detail: "no digit after '.'"},
		{name: "leading dot", in: `{"a":.5}`, reason: NotJSON},
		{name: "plus sign", in: `{"a":+1}`, reason: NotJSON},
		{name: "empty exponent", in: `{"a":1e}`, reason: NotJSON, detail: "exponent"},
		{name: "signed empty exponent", in: `{"a":1e+}`, reason: NotJSON},
		{name: "lone minus", in: `{"a":-}`, reason: NotJSON},
		{name: "hex number", in: `{"a":0x10}`, reason: NotJSON},
		{name: "number then letter", in: `{"a":1true}`, reason: NotJSON},
		{name: "raw tab in string", in: "{\"a\":\"x\ty\"}", reason: NotJSON, want: `not JSON: control character '\t' in a string at byte 7 (must be escaped)`},
		{name: "raw NUL in string", in: "{\"a\":\"\x00\"}", reason: NotJSON, detail: "control character"},
		{name: "raw newline in key", in: "{\"a\nb\":1}", reason: NotJSON, detail: "control character"},
		{name: "bad escape", in: `{"a":"\x"}`, reason: NotJSON, detail: `invalid escape "\\x"`},
		{name: "escaped single quote", in: `{"a":"\'"}`, reason: NotJSON},
		{name: "short unicode escape", in: `{"a":"\u00"}`, reason: NotJSON, detail: `\u escape`},
		{name: "non-hex unicode escape", in: `{"a":"\u00G0"}`, reason: NotJSON},
		{name: "bad escape after high surrogate", in: `{"a":"\ud800\u12G4"}`, reason: NotJSON},
		{name: "lower-case nan", in: `{"a":nan}`, reason: NotJSON, detail: `invalid token "nan"`},
		{name: "plus Infinity", in: `{"a":+Infinity}`, reason: NotJSON},
		{name: "minus NaN", in: `{"a":-NaN}`, reason: NotJSON},
		{name: "lower-case infinity", in: `{"a":infinity}`, reason: NotJSON},
		{name: "NaN with suffix", in: `{"a":NaNx}`, reason: NotJSON},
		{name: "Infinity with suffix", in: `{"a":Infinityy}`, reason: NotJSON},
		{name: "NaN as key", in: `{NaN:1}`, reason: NotJSON},
		{name: "python traceback", in: "Traceback (most recent call last):", reason: NotJSON, detail: `invalid token "Traceback"`},
		{name: "invalid UTF-8 outside strings", in: "{\xff}", reason: NotJSON, detail: "byte 0xff (invalid UTF-8) at byte 1"},
		{name: "non-ASCII outside strings", in: "{\u00e9}", reason: NotJSON, detail: "'\u00e9' (U+00E9) at byte 1"},
		{name: "not JSON wins over NUL", in: `{"a":"\u0000","b":}`, reason: NotJSON},
		{name: "not JSON wins over depth", in: nestObjects(600)[:3000], reason: NotJSON},

		// Not an object.
		{name: "array", in: `[{"a":1}]`, reason: NotObject, want: "not a JSON object: top-level value is an array"},
		{name: "empty array", in: ` [] `, reason: NotObject, detail: "an array"},
		{name: "string", in: `"user"`, reason: NotObject, detail: "a string"},
		{name: "number", in: `1.5`, reason: NotObject, detail: "a number"},
		{name: "bare NaN", in: `NaN`, reason: NotObject, detail: "a number"},
		{name: "true", in: `true`, reason: NotObject, detail: "a boolean"},
		{name: "null", in: `null`, reason: NotObject, detail: "is null"},
		{name: "not object wins over NUL", in: `["\u0000"]`, reason: NotObject},

		// Unstorable.
		{name: "NUL escape", in: `{"t":"bad\u0000byte"}`, reason: Unstorable, want: `text jsonb cannot store: \u0000 in a string at byte 9`},
		{name: "NUL escape in key", in: `{"\u0000":1}`, reason: Unstorable, detail: `\u0000 in a string at byte 2`},
		{name: "NUL escape in nested key", in: `{"a":{"b\u0000":1}}`, reason: Unstorable},
		{name: "lone high surrogate", in: `{"s":"\ud800"}`, reason: Unstorable, detail: `high surrogate \ud800 not followed by a low surrogate at byte 6`},
		{name: "lone low surrogate", in: `{"s":"\udc00"}`, reason: Unstorable, detail: `low surrogate \udc00 without a high surrogate`},
		{name: "high surrogate then BMP", in: `{"s":"\ud800\u0041"}`, reason: Unstorable},
		{name: "high surrogate then text", in: `{"s":"\ud800x"}`, reason: Unstorable},
		{name: "surrogates reversed", in: `{"s":"\udc00\ud800"}`, reason: Unstorable},
		{name: "two high surrogates", in: `{"s":"\ud800\ud800"}`, reason: Unstorable},
		{name: "high surrogate then backslash", in: `{"s":"\ud800\\"}`, reason: Unstorable},
		{name: "high surrogate then NUL", in: `{"s":"\ud800\u0000"}`, reason: Unstorable},
		{name: "lone surrogate in key", in: `{"\uDFFF":1}`, reason: Unstorable},
		{name: "Latin-1 text", in: "{\"s\":\"caf\xe9\"}", reason: Unstorable, want: "text jsonb cannot store: invalid UTF-8 at byte 9"},
		{name: "overlong UTF-8", in: "{\"s\":\"\xc0\xaf\"}", reason: Unstorable, detail: "invalid UTF-8 at byte 6"},
		{name: "UTF-8 surrogate", in: "{\"s\":\"\xed\xa0\x80\"}", reason: Unstorable, detail: "invalid UTF-8"},
		{name: "UTF-8 above U+10FFFF", in: "{\"s\":\"\xf4\x90\x80\x80\"}", reason: Unstorable, detail: "invalid UTF-8"},
		{name: "truncated UTF-8", in: "{\"s\":\"\xe2\x82\"}", reason: Unstorable, detail: "invalid UTF-8"},
		{name: "invalid UTF-8 in key", in: "{\"\x80\":1}", reason: Unstorable, detail: "invalid UTF-8 at byte 2"},
		{name: "exponent 1e1000000", in: `{"a":1e1000000}`, reason: Unstorable, want: "text jsonb cannot store: number 1e1000000 at byte 5 is outside PostgreSQL numeric range (more than 131072 digits before the decimal point)"},
		{name: "exponent 1e-1000000", in: `{"a":1e-1000000}`, reason: Unstorable, detail: "more than 16383 digits after the decimal point"},
		{name: "weight overflow", in: `{"a":1e131072}`, reason: Unstorable},
		{name: "weight overflow via mantissa", in: `{"a":10e131071}`, reason: Unstorable},
		{name: "weight overflow via fraction", in: `{"a":0.0001e131076}`, reason: Unstorable},
		{name: "131073 integer digits", in: `{"a":1` + zeros(131072) + `}`, reason: Unstorable, detail: "number 1000000000000000000000000000000000000... at byte 5"},
		{name: "200000 integer digits", in: `{"a":[` + strings.Repeat("7", 200000) + `]}`, reason: Unstorable},
		{name: "scale overflow", in: `{"a":1e-16384}`, reason: Unstorable},
		{name: "scale overflow zero", in: `{"a":0e-16384}`, reason: Unstorable},
		{name: "scale overflow fraction", in: `{"a":1.0e-16383}`, reason: Unstorable},
		{name: "scale overflow zeros", in: `{"a":0.` + zeros(16384) + `}`, reason: Unstorable},
		{name: "scale overflow fraction digits", in: `{"a":1.5e-20000}`, reason: Unstorable},
		{name: "zero with exponent limit", in: `{"a":0e1073741823}`, reason: Unstorable, detail: "exponent too large"},
		{name: "zero with negative exponent", in: `{"a":0e-1073741822}`, reason: Unstorable},
		{name: "exponent beyond int64", in: `{"a":1e99999999999999999999999}`, reason: Unstorable, detail: "exponent too large"},
		{name: "depth 513 objects", in: nestObjects(513), reason: Unstorable, want: "text jsonb cannot store: nesting deeper than 512 levels at byte 2560"},
		{name: "depth 513 arrays", in: nestArrays(513), reason: Unstorable, detail: "nesting deeper than 512 levels at byte 516"},
		{name: "depth 5000", in: nestArrays(5000), reason: Unstorable, detail: "nesting deeper than 512 levels"},
		{name: "first unstorable wins", in: `{"a":"\ud800","b":"\u0000"}`, reason: Unstorable, detail: "surrogate"},
	}
}

func TestScanMessageTable(t *testing.T) {
	t.Parallel()
	for _, tc := range scanCases() {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			m, err := Message(in, 512)
			if tc.reason != "" {
				var re *Error
				if !errors.As(err, &re) {
					t.Fatalf("got %v (%T), want a *Error %q", err, err, tc.reason)
				}
				if re.Reason != tc.reason {
					t.Fatalf("reason %q, want %q (%v)", re.Reason, tc.reason, err)
				}
				if tc.want != "" && err.Error() != tc.want {
					t.Errorf("Error() = %q\nwant      %q", err.Error(), tc.want)
				}
				if !strings.Contains(re.Detail, tc.detail) {
					t.Errorf("Detail %q does not contain %q", re.Detail, tc.detail)
				}
				if m.JSON != nil || m.Fields != nil {
					t.Errorf("rejected, but returned a message")
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
				if len(in) > 0 && &m.JSON[0] != &in[0] {
					t.Errorf("JSON is a copy although nothing was replaced")
				}
			}
			if string(m.JSON) != want {
				t.Errorf("JSON = %s\nwant   %s", m.JSON, want)
			}
			if tc.fields != nil {
				var got []string
				for _, f := range m.Fields {
					got = append(got, f.Key, string(f.Value))
				}
				if !slices.Equal(got, tc.fields) {
					t.Errorf("Fields = %q\nwant     %q", got, tc.fields)
				}
			}
			checkFieldsPointIntoJSON(t, m)
		})
	}
}

// checkFieldsPointIntoJSON checks that every Value is a subslice of m.JSON
// whose capacity ends with it (so an append cannot write into JSON).
func checkFieldsPointIntoJSON(t testing.TB, m Scanned) {
	t.Helper()
	from := 0
	for _, f := range m.Fields {
		if len(f.Value) == 0 || cap(f.Value) != len(f.Value) {
			t.Fatalf("field %q: len %d cap %d", f.Key, len(f.Value), cap(f.Value))
		}
		found := false
		for ; from+len(f.Value) <= len(m.JSON); from++ {
			if &m.JSON[from] == &f.Value[0] {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("field %q does not point into JSON after the previous field", f.Key)
		}
	}
}

func TestScannedMessageField(t *testing.T) {
	t.Parallel()
	m, err := Message([]byte(`{"timestamp": NaN, "a": 1, "b": {"c": 2}, "a": Infinity, "x": [NaN], "d": NaN, "d": 4}`), 512)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, want string
		ok        bool
		nonFinite bool
	}{
		{"a", "null", true, true}, // the last "a" wins, as in jsonb
		{"b", `{"c": 2}`, true, false},
		{"timestamp", "null", true, true},
		{"x", "[null]", true, false}, // only a whole value counts
		{"d", "4", true, false},
		{"missing", "", false, false},
	} {
		v, ok := m.Value(tc.key)
		if string(v) != tc.want || ok != tc.ok {
			t.Errorf("field(%q) = %q, %v; want %q, %v", tc.key, v, ok, tc.want, tc.ok)
		}
		if got := m.IsNonFinite(tc.key); got != tc.nonFinite {
			t.Errorf("nonFinite(%q) = %v, want %v", tc.key, got, tc.nonFinite)
		}
	}
	if m.NonFinite != 4 {
		t.Errorf("NonFinite = %d, want 4", m.NonFinite)
	}
	// A Value's capacity ends with it: appending to it must not write into JSON.
	v, _ := m.Value("b")
	_ = append(v, 'X')
	if !bytes.Contains(m.JSON, []byte(`{"c": 2}, "a"`)) {
		t.Errorf("append to a field value changed JSON: %s", m.JSON)
	}
}

func TestScanObject(t *testing.T) {
	t.Parallel()
	m, err := Message([]byte(`{"metadata": {"model_id": "m1", "assistant_id": "acme", "model_id": "m2", "x": {"y": 1}}}`), 512)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := m.Value("metadata")
	fields, err := Object(raw, 512)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fields {
		got = append(got, f.Key+"="+string(f.Value))
	}
	want := []string{`model_id="m1"`, `assistant_id="acme"`, `model_id="m2"`, `x={"y": 1}`}
	if !slices.Equal(got, want) {
		t.Errorf("Object = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		in     string
		reason Reason
		msg    string
	}{
		{`null`, NotObject, "not a JSON object: value is null"},
		{`[]`, NotObject, "not a JSON object: value is an array"},
		{`{"a":`, NotJSON, ""},
		{nestObjects(4), Unstorable, "text jsonb cannot store: nesting deeper than 3 levels at byte 15"},
	} {
		_, err := Object([]byte(tc.in), 3)
		var re *Error
		if !errors.As(err, &re) || re.Reason != tc.reason || tc.msg != "" && err.Error() != tc.msg {
			t.Errorf("Object(%.20q) = %v, want %s %q", tc.in, err, tc.reason, tc.msg)
		}
	}
	if _, err := Object([]byte(`{}`), 0); err != nil {
		t.Errorf("Object({}, 0) = %v", err)
	}
	if _, err := Object([]byte(nestObjects(MaxDepth+1)), 0); err == nil {
		t.Errorf("maxDepth 0 did not default to %d", MaxDepth)
	}
}

func TestJSONString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`"user"`, "user", true},
		{`""`, "", true},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", true},
		{`"Jos\u00e9 \u20ac \ud83d\ude00 \uD83D\uDE00"`, "José € 😀 😀", true},
		{"\"Jos\u00e9\"", "José", true},
		{`"\u0000"`, "", false},
		{`"\ud800"`, "", false},
		{`"\udc00\ud800"`, "", false},
		{`"\ud800\u0041"`, "", false},
		{`"\x"`, "", false},
		{`"\u12"`, "", false},
		{`"a"b"`, "", false},
		{"\"a\tb\"", "", false},
		{"\"caf\xe9\"", "", false},
		{`"abc\"`, "", false},
		{`"`, "", false},
		{`abc`, "", false},
		{`null`, "", false},
		{` "a"`, "", false},
		{`1`, "", false},
		{``, "", false},
	} {
		got, ok := String([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("String(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			var std string
			if err := json.Unmarshal([]byte(tc.in), &std); err != nil || std != got {
				t.Errorf("String(%q) = %q, encoding/json says %q (%v)", tc.in, got, std, err)
			}
		}
	}
}

func TestJSONIsNull(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"null": true, " null\n": true, "nul": false, "nulll": false, `"null"`: false, "": false, "NaN": false, "Null": false,
	} {
		if got := IsNull([]byte(in)); got != want {
			t.Errorf("IsNull(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRejectErrorMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  Error
		want string
	}{
		{Error{NotJSON, "unexpected character 'x' at byte 123"}, "not JSON: unexpected character 'x' at byte 123"},
		{Error{NotObject, "top-level value is an array"}, "not a JSON object: top-level value is an array"},
		{Error{Unstorable, `\u0000 in a string at byte 57`}, `text jsonb cannot store: \u0000 in a string at byte 57`},
		{Error{"missing_field", `missing event`}, `missing event`}, // the decoder's reasons read whole
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

// sampleFile is the shared sample stream, copied into the test fixtures.
var sampleFile = filepath.Join("..", "..", "..", "tests", "fixtures", "sample", "rasa-events-small.jsonl")

// sampleLines returns the lines of the sample stream without their newlines;
// line n is at index n-1.
func sampleLines(t testing.TB) [][]byte {
	t.Helper()
	data, err := os.ReadFile(sampleFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) != 7397 {
		t.Fatalf("sample has %d lines, want 7397", len(lines))
	}
	return lines
}

// Bad lines of the sample and what Message must say about them. The lines
// rejected for missing or unknown fields are the decoder's business.
var sampleRejects = map[int]Reason{
	2659: NotObject,  // a bare string
	2934: NotObject,  // an array
	6437: Unstorable, // \u0000
	6661: NotJSON,    // a Python traceback
	6676: NotObject,  // an array
	6714: NotJSON,    // truncated
}

// Lines with bare NaN/Infinity/-Infinity; in 6100 and 6698 it is the timestamp.
var sampleNonFinite = map[int]bool{1021: false, 2448: false, 3080: false, 3462: false, 3680: false, 6100: true, 6698: true, 7047: false}

// sampleBigIntLine keeps an integer beyond float64's precision in parse_data.
const sampleBigIntLine = 3260

func TestScanMessageSample(t *testing.T) {
	t.Parallel()
	for n, line := range sampleLines(t) {
		n++
		m, err := Message(line, 512)
		if want, bad := sampleRejects[n]; bad {
			var re *Error
			if !errors.As(err, &re) || re.Reason != want {
				t.Errorf("line %d: got %v, want reason %q", n, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("line %d: %v", n, err)
			continue
		}
		tsNonFinite, hasNonFinite := sampleNonFinite[n]
		if (m.NonFinite > 0) != hasNonFinite || m.IsNonFinite("timestamp") != tsNonFinite {
			t.Errorf("line %d: NonFinite %d, timestamp non-finite %v", n, m.NonFinite, m.IsNonFinite("timestamp"))
		}
		if n == sampleBigIntLine {
			if pd, _ := m.Value("parse_data"); !bytes.Contains(pd, []byte(`"id": -2085134107778963924}`)) {
				t.Errorf("line %d: big int lost: %s", n, pd)
			}
		}
		compareWithEncodingJSON(t, fmt.Sprintf("line %d", n), m)
	}
}

// compareWithEncodingJSON checks m against encoding/json: JSON is valid and
// has the same top-level keys, and field() gives the value encoding/json keeps.
func compareWithEncodingJSON(t testing.TB, where string, m Scanned) {
	t.Helper()
	if !json.Valid(m.JSON) {
		t.Fatalf("%s: encoding/json says JSON is not valid: %.200s", where, m.JSON)
	}
	dec := json.NewDecoder(bytes.NewReader(m.JSON))
	dec.UseNumber()
	var asAny map[string]any
	if err := dec.Decode(&asAny); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(m.JSON, &raw); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	keys := map[string]bool{}
	for _, f := range m.Fields {
		keys[f.Key] = true
		if !json.Valid(f.Value) {
			t.Fatalf("%s: field %q is not valid JSON: %.100s", where, f.Key, f.Value)
		}
	}
	if len(keys) != len(asAny) {
		t.Fatalf("%s: %d distinct keys in Fields, encoding/json has %d", where, len(keys), len(asAny))
	}
	for k := range asAny {
		v, ok := m.Value(k)
		if !ok {
			t.Fatalf("%s: key %q missing from Fields", where, k)
		}
		if !bytes.Equal(v, raw[k]) {
			t.Fatalf("%s: field(%q) = %.100s, encoding/json keeps %.100s", where, k, v, raw[k])
		}
	}
	checkFieldsPointIntoJSON(t, m)
}

// TestScanMessageAgainstPostgres checks the contract with a real server: what
// Message accepts, PostgreSQL's jsonb input accepts too (and reads the
// same top-level members), and what jsonb rejects, Message rejects.
// Deliberate differences: non-objects, nesting deeper than maxDepth, and NaN
// (accepted by us as null, rejected by jsonb).
//
// It needs TEST_DATABASE_URL. A throw-away server, as root:
//
//	mkdir /tmp/pgx && chown postgres /tmp/pgx
//	su postgres -c "initdb -D /tmp/pgx/data -U postgres --auth=trust"
//	su postgres -c "pg_ctl -D /tmp/pgx/data -o '-p 55432 -k /tmp/pgx -c listen_addresses=127.0.0.1' -l /tmp/pgx/log start"
//	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable' go test -run Postgres ./loader
func TestScanMessageAgainstPostgres(t *testing.T) {
	conn := connectTestPostgres(t)

	type input struct {
		name string
		in   []byte
	}
	var corpus []input
	for _, tc := range scanCases() {
		corpus = append(corpus, input{tc.name, []byte(tc.in)})
		// As a member value, a non-object input gets checked too.
		corpus = append(corpus, input{tc.name + " (as member)", []byte(`{"v": ` + tc.in + `}`)})
	}
	for n, line := range sampleLines(t) {
		corpus = append(corpus, input{fmt.Sprintf("sample line %d", n+1), line})
	}
	for i, in := range generatedCorpus() {
		corpus = append(corpus, input{fmt.Sprintf("generated %d", i), in})
	}
	var accepted, rejected, deliberate int
	for _, c := range corpus {
		m, err := Message(c.in, 512)
		if err == nil {
			accepted++
			same, pgErr := conn.jsonbEqual(m.JSON, rebuildObject(m.Fields))
			if pgErr != nil {
				t.Errorf("%s: Message accepts, PostgreSQL rejects: %v\ninput: %.300q", c.name, pgErr, c.in)
			} else if !same {
				t.Errorf("%s: PostgreSQL reads other top-level members than field() gives\ninput: %.300q", c.name, c.in)
			}
			continue
		}
		rejected++
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("%s: error %T", c.name, err)
		}
		if re.Reason == NotObject || strings.HasPrefix(re.Detail, "nesting deeper than") {
			deliberate++
			continue
		}
		if _, pgErr := conn.jsonb(c.in); pgErr == nil {
			t.Errorf("%s: Message rejects (%v), PostgreSQL accepts\ninput: %.300q", c.name, err, c.in)
		}
	}
	t.Logf("%d inputs: %d accepted by both, %d rejected by both, %d rejected by us only on purpose (not an object, too deep)",
		len(corpus), accepted, rejected-deliberate, deliberate)
}

// generatedCorpus covers the edges where jsonb's rules are easy to get
// wrong: numeric's range, UTF-8 validity, every ASCII byte as whitespace, as
// string content and after a backslash.
func generatedCorpus() [][]byte {
	var out [][]byte
	add := func(s string) { out = append(out, []byte(s)) }
	mantissas := []string{"0", "-0", "1", "-9", "10", "99", "0.0001", "0.5", "12345.678", "0.000", "1.000", "100.0", "0.0010"}
	var exps []int64
	for _, base := range []int64{131068, -16380, pgNumericMaxExponent - 2, -pgNumericMaxExponent - 2} {
		for d := int64(0); d < 6; d++ {
			exps = append(exps, base+d)
		}
	}
	for _, m := range mantissas {
		for _, e := range exps {
			add(fmt.Sprintf(`{"n":%se%d}`, m, e))
			add(fmt.Sprintf(`{"n":%sE+%d}`, m, e))
		}
	}
	for _, n := range []int{131071, 131072, 131073} {
		add(`{"n":` + strings.Repeat("5", n) + `}`)
		add(`{"n":-` + strings.Repeat("5", n) + `.5}`)
		add(`{"n":` + strings.Repeat("5", n) + `e-3}`)
		add(`{"n":` + strings.Repeat("5", n) + `e-4}`)
		add(`{"n":0.` + strings.Repeat("0", n-131072+16383) + `1}`)
	}
	for _, n := range []int{16382, 16383, 16384} {
		add(`{"n":0.` + strings.Repeat("0", n) + `}`)
		add(`{"n":7.` + strings.Repeat("0", n-1) + `7}`)
		add(`{"n":0.` + strings.Repeat("0", n-1) + `7e1}`)
		add(`{"n":0.` + strings.Repeat("0", n-1) + `7e-1}`)
	}
	for b1 := 0x80; b1 <= 0xff; b1++ {
		for _, b2 := range []byte{0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0} {
			for _, rest := range []string{"", "\x80", "\xbf\xbf"} {
				tail, _ := strconv.Unquote(`"` + rest + `"`)
				add(`{"s":"` + string([]byte{byte(b1), b2}) + tail + `"}`)
			}
		}
	}
	for c := 0; c < 0x80; c++ {
		b := string(rune(c))
		add(b + `{}`)
		add(`{}` + b)
		add(`{"s":"` + b + `"}`)
		add(`{"s":"\` + b + `"}`)
		add(`{"s":` + b + `}`)
	}
	for _, r := range []int{0, 1, 0x1f, 0x7f, 0xfeff, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffe, 0xffff} {
		add(fmt.Sprintf(`{"s":"\u%04x"}`, r))
		add(fmt.Sprintf(`{"s":"\u%04X\udc00"}`, r))
		add(fmt.Sprintf(`{"s":"\ud800\u%04x"}`, r))
	}
	return out
}

// TestPostgresDepthLimit finds how deep PostgreSQL's jsonb input nests, to
// show that MaxDepth is well inside it.
func TestPostgresDepthLimit(t *testing.T) {
	conn := connectTestPostgres(t)
	for _, kind := range []struct {
		name string
		nest func(int) string
	}{{"objects", nestObjects}, {"arrays", nestArrays}} {
		if _, err := conn.jsonb([]byte(kind.nest(4 * MaxDepth))); err != nil {
			t.Fatalf("PostgreSQL rejects %d levels of %s: %v", 4*MaxDepth, kind.name, err)
		}
		lo, hi := 4*MaxDepth, 1<<20 // lo is accepted
		if _, err := conn.jsonb([]byte(kind.nest(hi))); err == nil {
			t.Logf("PostgreSQL accepts %d levels of %s", hi, kind.name)
			continue
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if _, err := conn.jsonb([]byte(kind.nest(mid))); err == nil {
				lo = mid
			} else {
				hi = mid
			}
		}
		_, err := conn.jsonb([]byte(kind.nest(hi)))
		t.Logf("PostgreSQL jsonb input accepts %d levels of %s, not %d: %v", lo, kind.name, hi, err)
	}
}

// rebuildObject writes the members PostgreSQL should keep: the last of each
// key, with the key re-encoded by encoding/json.
func rebuildObject(fields []Field) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if LastIndex(fields, f.Key) != i {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// A minimal PostgreSQL client (protocol 3.0, extended query, text format):
// enough to send a value as a text parameter, with the standard library only.

type testPGConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

type testPGError struct{ code, message, detail string }

func (e *testPGError) Error() string {
	if e.detail != "" {
		return fmt.Sprintf("%s (SQLSTATE %s; %s)", e.message, e.code, e.detail)
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", e.message, e.code)
}

func connectTestPostgres(t *testing.T) *testPGConn {
	t.Helper()
	dsn := os.Getenv("TEST_DATABASE_URL")
	if dsn == "" {
		t.Skip("TEST_DATABASE_URL is not set: skipping the PostgreSQL cross-check " +
			"(set it to e.g. postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable)")
	}
	conn, err := dialTestPostgres(dsn)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() {
		conn.send('X', nil)
		conn.w.Flush()
		conn.c.Close()
	})
	return conn
}

func dialTestPostgres(dsn string) (*testPGConn, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("scheme %q: want postgres://", u.Scheme)
	}
	q := u.Query()
	if m := q.Get("sslmode"); m != "" && m != "disable" && m != "allow" && m != "prefer" {
		return nil, fmt.Errorf("sslmode=%s: this test's client speaks no TLS; use sslmode=disable", m)
	}
	user := u.User.Username()
	if user == "" {
		user = "postgres"
	}
	password, _ := u.User.Password()
	if password == "" {
		password = os.Getenv("PGPASSWORD")
	}
	database := strings.TrimPrefix(u.Path, "/")
	if database == "" {
		database = user
	}
	host, port := u.Hostname(), u.Port()
	if h := q.Get("host"); h != "" {
		host = h
	}
	if p := q.Get("port"); p != "" {
		port = p
	}
	if port == "" {
		port = "5432"
	}
	var c net.Conn
	if strings.HasPrefix(host, "/") {
		c, err = net.DialTimeout("unix", filepath.Join(host, ".s.PGSQL."+port), 10*time.Second)
	} else {
		if host == "" {
			host = "localhost"
		}
		c, err = net.DialTimeout("tcp", net.JoinHostPort(host, port), 10*time.Second)
	}
	if err != nil {
		return nil, err
	}
	conn := &testPGConn{c: c, r: bufio.NewReaderSize(c, 1<<16), w: bufio.NewWriterSize(c, 1<<16)}
	if err := conn.startup(user, password, database); err != nil {
		c.Close()
		return nil, err
	}
	return conn, nil
}

func (p *testPGConn) send(typ byte, body []byte) {
	if typ != 0 {
		p.w.WriteByte(typ)
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)+4))
	p.w.Write(n[:])
	p.w.Write(body)
}

func (p *testPGConn) receive() (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(p.r, h[:]); err != nil {
		return 0, nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(h[1:])-4)
	_, err := io.ReadFull(p.r, body)
	return h[0], body, err
}

func parsePGError(body []byte) *testPGError {
	e := &testPGError{}
	for len(body) > 1 {
		field := body[0]
		end := bytes.IndexByte(body[1:], 0)
		if end < 0 {
			break
		}
		v := string(body[1 : 1+end])
		body = body[2+end:]
		switch field {
		case 'C':
			e.code = v
		case 'M':
			e.message = v
		case 'D':
			e.detail = v
		}
	}
	return e
}

func cstr(s string) []byte { return append([]byte(s), 0) }

func (p *testPGConn) startup(user, password, database string) error {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 196608) // protocol 3.0
	for _, kv := range [][2]string{{"user", user}, {"database", database}, {"client_encoding", "UTF8"}} {
		b = append(append(b, cstr(kv[0])...), cstr(kv[1])...)
	}
	p.send(0, append(b, 0))
	var scram *testSCRAM
	for {
		if err := p.w.Flush(); err != nil {
			return err
		}
		typ, body, err := p.receive()
		if err != nil {
			return err
		}
		switch typ {
		case 'E':
			return parsePGError(body)
		case 'Z':
			return nil
		case 'R':
			switch code := binary.BigEndian.Uint32(body); code {
			case 0: // ok
			case 3: // cleartext
				p.send('p', cstr(password))
			case 5: // md5
				inner := md5.Sum([]byte(password + user))
				outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), body[4:8]...))
				p.send('p', cstr("md5"+hex.EncodeToString(outer[:])))
			case 10: // SASL
				if !bytes.Contains(body[4:], cstr("SCRAM-SHA-256")) {
					return fmt.Errorf("server offers SASL %q, want SCRAM-SHA-256", body[4:])
				}
				scram = newTestSCRAM(password)
				first := scram.clientFirst()
				msg := cstr("SCRAM-SHA-256")
				msg = binary.BigEndian.AppendUint32(msg, uint32(len(first)))
				p.send('p', append(msg, first...))
			case 11: // SASL continue
				final, err := scram.clientFinal(body[4:])
				if err != nil {
					return err
				}
				p.send('p', final)
			case 12: // SASL final
			default:
				return fmt.Errorf("unsupported authentication method %d", code)
			}
		}
	}
}

// testSCRAM is SCRAM-SHA-256 (RFC 5802/7677) without channel binding.
type testSCRAM struct {
	password, nonce, clientFirstBare string
}

func newTestSCRAM(password string) *testSCRAM {
	n := make([]byte, 18)
	rand.Read(n)
	s := &testSCRAM{password: password, nonce: base64.StdEncoding.EncodeToString(n)}
	s.clientFirstBare = "n=,r=" + s.nonce
	return s
}

func (s *testSCRAM) clientFirst() []byte { return []byte("n,," + s.clientFirstBare) }

func (s *testSCRAM) clientFinal(serverFirst []byte) ([]byte, error) {
	var nonce, salt string
	iter := 0
	for _, part := range strings.Split(string(serverFirst), ",") {
		switch {
		case strings.HasPrefix(part, "r="):
			nonce = part[2:]
		case strings.HasPrefix(part, "s="):
			salt = part[2:]
		case strings.HasPrefix(part, "i="):
			iter, _ = strconv.Atoi(part[2:])
		}
	}
	saltBytes, err := base64.StdEncoding.DecodeString(salt)
	if err != nil || !strings.HasPrefix(nonce, s.nonce) || iter < 1 {
		return nil, fmt.Errorf("bad SCRAM server-first-message %q", serverFirst)
	}
	salted, err := pbkdf2.Key(sha256.New, s.password, saltBytes, iter, sha256.Size)
	if err != nil {
		return nil, err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	withoutProof := "c=biws,r=" + nonce
	sig := mac(storedKey[:], s.clientFirstBare+","+string(serverFirst)+","+withoutProof)
	for i := range clientKey {
		clientKey[i] ^= sig[i]
	}
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(clientKey)), nil
}

// query runs sql with text parameters and returns the first column of the
// first row (nil for SQL NULL), or the server's error.
func (p *testPGConn) query(sql string, params ...[]byte) ([]byte, error) {
	parse := append(cstr(""), cstr(sql)...)
	parse = append(parse, 0, 0) // no parameter types: the server infers them
	p.send('P', parse)
	bind := append(cstr(""), cstr("")...)
	bind = append(bind, 0, 0) // all parameters in text format
	bind = binary.BigEndian.AppendUint16(bind, uint16(len(params)))
	for _, v := range params {
		bind = binary.BigEndian.AppendUint32(bind, uint32(len(v)))
		bind = append(bind, v...)
	}
	bind = append(bind, 0, 0) // results in text format
	p.send('B', bind)
	p.send('E', append(cstr(""), 0, 0, 0, 0))
	p.send('S', nil)
	if err := p.w.Flush(); err != nil {
		return nil, err
	}
	var result []byte
	var qerr error
	gotRow := false
	for {
		typ, body, err := p.receive()
		if err != nil {
			return nil, err
		}
		switch typ {
		case 'E':
			qerr = parsePGError(body)
		case 'D':
			if !gotRow && len(body) >= 6 {
				gotRow = true
				if n := int32(binary.BigEndian.Uint32(body[2:6])); n >= 0 {
					result = body[6 : 6+n]
				}
			}
		case 'Z':
			return result, qerr
		}
	}
}

// jsonb parses value with PostgreSQL's jsonb input.
func (p *testPGConn) jsonb(value []byte) ([]byte, error) {
	return p.query("SELECT $1::jsonb::text", value)
}

// jsonbEqual reports whether PostgreSQL reads a and b as equal jsonb values.
func (p *testPGConn) jsonbEqual(a, b []byte) (bool, error) {
	res, err := p.query("SELECT $1::jsonb = $2::jsonb", a, b)
	if err != nil {
		if _, errA := p.jsonb(a); errA == nil {
			return false, fmt.Errorf("the rebuilt object was rejected: %w", err)
		}
		return false, err
	}
	return string(res) == "t", nil
}

// Benchmarks: Message against encoding/json into map[string]json.RawMessage
// (which neither replaces NaN nor checks what jsonb can store).

func benchmarkInputs(b *testing.B) []struct {
	name  string
	value []byte
} {
	read := func(name string) []byte {
		v, err := os.ReadFile(filepath.Join("testdata", "rawjson", name))
		if err != nil {
			b.Fatal(err)
		}
		return bytes.TrimSpace(v)
	}
	user := read("user_event.json")
	withNaN := bytes.Replace(user, []byte(`"confidence": 0.8393586103804717}, "entities"`), []byte(`"confidence": NaN}, "entities"`), 1)
	return []struct {
		name  string
		value []byte
	}{
		{"user_1.5KB", user},
		{"action_300B", read("action_event.json")},
		{"user_1.5KB_NaN", withNaN},
	}
}

func BenchmarkScanMessage(b *testing.B) {
	for _, in := range benchmarkInputs(b) {
		b.Run(in.name+"/Message", func(b *testing.B) {
			b.SetBytes(int64(len(in.value)))
			b.ReportAllocs()
			for b.Loop() {
				m, err := Message(in.value, 512)
				if err != nil || len(m.Fields) == 0 {
					b.Fatal(err)
				}
			}
		})
		if bytes.Contains(in.value, []byte("NaN")) {
			continue // encoding/json rejects it
		}
		b.Run(in.name+"/encoding_json", func(b *testing.B) {
			b.SetBytes(int64(len(in.value)))
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(in.value, &m); err != nil || len(m) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
