package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// FuzzScanMessage checks Message against encoding/json and itself:
//   - it never panics and only returns *Error with a known reason;
//   - input that encoding/json finds valid is never "not JSON": it is "not an
//     object" exactly when the top-level value is not an object, and
//     otherwise accepted or unstorable;
//   - accepted output is valid JSON and UTF-8, has the top-level members
//     encoding/json reads (field() gives the value encoding/json keeps), and
//     is the input itself when nothing was replaced;
//   - scanning the output again accepts it unchanged, without a copy;
//   - with TEST_DATABASE_URL set, PostgreSQL's jsonb input agrees, as in
//     TestScanMessageAgainstPostgres (slower, but it fuzzes the contract
//     itself).
func FuzzScanMessage(f *testing.F) {
	for _, tc := range scanCases() {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in))
		}
	}
	for _, name := range []string{"user_event.json", "action_event.json"} {
		if v, err := os.ReadFile(filepath.Join("testdata", "rawjson", name)); err == nil {
			f.Add(v)
		}
	}
	// The sample's odd lines, and the first line of each event type.
	lines := sampleLines(f)
	seen := map[string]bool{}
	for n, line := range lines {
		_, bad := sampleRejects[n+1]
		_, nonFinite := sampleNonFinite[n+1]
		event := ""
		if m, err := Message(line, 512); err == nil {
			v, _ := m.Value("event")
			event, _ = String(v)
		}
		if bad || nonFinite || n+1 == sampleBigIntLine || !seen[event] {
			seen[event] = true
			f.Add(line)
		}
	}

	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		m, err := Message(in, 512)
		if !bytes.Equal(in, orig) {
			t.Fatalf("Message modified its input")
		}
		stdValid := json.Valid(in)
		if err != nil {
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %T: %v", err, err)
			}
			switch re.Reason {
			case NotJSON, NotObject, Unstorable:
			default:
				t.Fatalf("unknown reason %q", re.Reason)
			}
			if re.Detail == "" || err.Error() == "" {
				t.Fatalf("empty message")
			}
			if pg := fuzzPostgres(t); pg != nil && re.Reason != NotObject && !strings.HasPrefix(re.Detail, "nesting deeper than") {
				if _, pgErr := pg.jsonb(in); pgErr == nil {
					t.Fatalf("we reject (%v), PostgreSQL accepts", err)
				}
			}
			if stdValid {
				wantObject := bytes.TrimLeft(in, " \t\r\n")[0] == '{'
				if re.Reason == NotJSON {
					t.Fatalf("encoding/json accepts, we say %v", err)
				}
				if (re.Reason == NotObject) == wantObject {
					t.Fatalf("top-level object %v, but %v", wantObject, err)
				}
			}
			return
		}
		if m.NonFinite == 0 {
			if !stdValid {
				t.Fatalf("accepted without replacing anything, but encoding/json rejects it")
			}
			if len(in) == 0 || len(m.JSON) != len(in) || &m.JSON[0] != &in[0] {
				t.Fatalf("JSON is not the input itself")
			}
		} else if bytes.Equal(m.JSON, in) {
			t.Fatalf("NonFinite %d but JSON unchanged", m.NonFinite)
		}
		if !utf8.Valid(m.JSON) {
			t.Fatalf("output is not UTF-8")
		}
		compareWithEncodingJSON(t, "output", m)
		for _, fl := range m.Fields {
			if s, ok := String(fl.Value); ok {
				var std string
				if err := json.Unmarshal(fl.Value, &std); err != nil || std != s {
					t.Fatalf("String(%q) = %q, encoding/json %q (%v)", fl.Value, s, std, err)
				}
			} else if fl.Value[0] == '"' {
				t.Fatalf("String rejects an accepted string %q", fl.Value)
			}
			if IsNull(fl.Value) != (string(fl.Value) == "null") {
				t.Fatalf("IsNull(%q)", fl.Value)
			}
		}

		if pg := fuzzPostgres(t); pg != nil {
			same, pgErr := pg.jsonbEqual(m.JSON, rebuildObject(m.Fields))
			if pgErr != nil || !same {
				t.Fatalf("we accept, PostgreSQL says equal=%v, %v", same, pgErr)
			}
		}

		again, err := Message(m.JSON, 512)
		if err != nil {
			t.Fatalf("output rejected on a second scan: %v", err)
		}
		if again.NonFinite != 0 || !bytes.Equal(again.JSON, m.JSON) || &again.JSON[0] != &m.JSON[0] {
			t.Fatalf("second scan changed the output")
		}
		if len(again.Fields) != len(m.Fields) {
			t.Fatalf("second scan: %d fields, first %d", len(again.Fields), len(m.Fields))
		}
		for i := range m.Fields {
			if again.Fields[i].Key != m.Fields[i].Key || !bytes.Equal(again.Fields[i].Value, m.Fields[i].Value) {
				t.Fatalf("second scan: field %d differs", i)
			}
		}
		if fields, err := Object(m.JSON, 512); err != nil || len(fields) != len(m.Fields) {
			t.Fatalf("Object disagrees with Message: %v", err)
		}
	})
}

var fuzzPG struct {
	once sync.Once
	conn *testPGConn
	err  error
}

// fuzzPostgres is one connection per fuzz worker process, or nil without
// TEST_DATABASE_URL.
func fuzzPostgres(t *testing.T) *testPGConn {
	dsn := os.Getenv("TEST_DATABASE_URL")
	if dsn == "" {
		return nil
	}
	fuzzPG.once.Do(func() { fuzzPG.conn, fuzzPG.err = dialTestPostgres(dsn) })
	if fuzzPG.err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", fuzzPG.err)
	}
	return fuzzPG.conn
}
