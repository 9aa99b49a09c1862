package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/tests/reference"
)

// TestEraseSenderLeavesTheStreamWithoutThem: after `analyticsdb erase
// --sender`, no table holds the sender's id or text, the statistics equal
// those of the same stream without that sender, a second erase finds
// nothing, and the command's output carries nothing of theirs.
func TestEraseSenderLeavesTheStreamWithoutThem(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	const victim, secret = "victim-5e7c1d", "my IBAN is DE44 5001 0517 5407 3249 31"
	others := randomStream(rng)
	mine := newScript(victim, "bank", "m1", day("2024-11-04 20:30:00")).startSession().user(secret, "rest").bot("noted").
		flow("started", "transfer_money").action("action_human_handoff").
		slot("session_started_metadata", map[string]any{"email": "victim@example.com"}).startSession().user(secret, "rest")
	mine.sessionID = "2f1c7a52-0000-4000-8000-000000000001"
	mine.user(secret+" again", "rest").bot("ok")
	// The victim's messages interleaved with the others', both in order.
	var stream [][]byte
	rest := mine.msgs
	for _, m := range others {
		for len(rest) > 0 && rng.IntN(len(others)/len(mine.msgs)+1) == 0 {
			stream, rest = append(stream, rest[0]), rest[1:]
		}
		stream = append(stream, m)
	}
	stream = append(stream, rest...)
	stream = append(stream, []byte(`{"sender_id": "`+victim+`", "event": "foo_bar", "timestamp": 1730752200, "text": "`+secret+`"}`))
	b := setup(t)
	b.load(stream, 1+rng.IntN(50))
	if n := one[int](b, `SELECT count(*)::int FROM "Conversation" WHERE "senderId" = $1`, victim); n != 3 {
		t.Fatalf("the victim has %d conversations before the erasure, want 3", n)
	}
	for _, needle := range []string{victim, "DE44 5001"} {
		if len(tablesHolding(t, b, needle)) == 0 {
			t.Fatalf("%q is nowhere before the erasure: the search cannot find it", needle)
		}
	}

	out := runCLI(t, b, "erase", "--sender", victim)
	if strings.Contains(out, victim) || strings.Contains(out, "IBAN") {
		t.Errorf("erase printed the sender's id or text: %s", out)
	}
	if want := fmt.Sprintf("erased %d events, 3 conversations and 1 rejected messages", len(mine.msgs)); !strings.Contains(out, want) {
		t.Errorf("erase printed %q", out)
	}
	for _, needle := range []string{victim, "DE44 5001", "victim@example.com"} {
		if where := tablesHolding(t, b, needle); len(where) > 0 {
			t.Errorf("after the erasure %q is still in %v", needle, where)
		}
	}
	without := slices.DeleteFunc(slices.Clone(stream), func(m []byte) bool { return senderOf(m) == victim })
	compareWithReference(t, b, reference.Compute(without, reference.Options{DefaultAssistant: defaultAssistant}))
	checkLatencyExactlyAsPercentileCont(t, b)
	if out := runCLI(t, b, "erase", "--sender", victim); !strings.Contains(out, "erased 0 events, 0 conversations and 0 rejected messages") {
		t.Errorf("a second erase printed %q", out)
	}
}

func senderOf(m []byte) string {
	var ev struct {
		SenderID string `json:"sender_id"`
	}
	_ = json.Unmarshal(m, &ev)
	return ev.SenderID
}

// tablesHolding lists the tables of schemas public and analytics with a row
// whose text, or one of whose bytea columns, holds needle.
func tablesHolding(t *testing.T, b *bundle, needle string) []string {
	t.Helper()
	var where []string
	for _, table := range b.strings(`SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
		WHERE table_schema IN ('public', 'analytics') AND table_type = 'BASE TABLE'`) {
		match := []string{"strpos(t::text, $1) > 0"}
		for _, col := range b.strings(`SELECT format('%I', attname) FROM pg_attribute
			WHERE attrelid = $1::regclass AND atttypid = 'bytea'::regtype AND attnum > 0 AND NOT attisdropped`, table) {
			match = append(match, fmt.Sprintf("position(convert_to($1, 'UTF8') IN t.%s) > 0", col))
		}
		if n := one[int](b, fmt.Sprintf(`SELECT count(*)::int FROM %s AS t WHERE %s`, table, strings.Join(match, " OR ")), needle); n > 0 {
			where = append(where, fmt.Sprintf("%s (%d rows)", table, n))
		}
	}
	return where
}

// runCLI runs the analyticsdb binary against the bundle's database and fails
// the test unless it succeeds.
func runCLI(t *testing.T, b *bundle, args ...string) string {
	t.Helper()
	out, code := runCLIEnv(t, []string{"DATABASE_URL=" + b.db.URL}, args...)
	if code != 0 {
		t.Fatalf("analyticsdb %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// runCLIFailing runs the analyticsdb binary, which must fail (exit 1: the
// work failed), and returns its output.
func runCLIFailing(t *testing.T, b *bundle, args ...string) string {
	t.Helper()
	out, code := runCLIEnv(t, []string{"DATABASE_URL=" + b.db.URL}, args...)
	if code != 1 {
		t.Fatalf("analyticsdb %s: exit %d, want 1:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// runCLIAt runs the analyticsdb binary with DATABASE_URL dbURL and returns
// what it printed, and an error when it exited with another code than 0.
func runCLIAt(t *testing.T, dbURL string, args ...string) (string, error) {
	t.Helper()
	out, code := runCLIEnv(t, []string{"DATABASE_URL=" + dbURL}, args...)
	if code != 0 {
		return out, fmt.Errorf("exit %d", code)
	}
	return out, nil
}
