package tests

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

// uuidV5InSQL runs analytics.uuid_v5 on every name in one query, in order,
// with the names passed as an array of sqlType.
func uuidV5InSQL[T any](t *testing.T, db *testdb.DB, sqlType string, names []T) []string {
	t.Helper()
	var got []string
	err := db.Pool.QueryRow(context.Background(), `
		SELECT coalesce(array_agg(analytics.uuid_v5(n)::text ORDER BY i), '{}')
		FROM unnest($1::`+sqlType+`[]) WITH ORDINALITY AS u(n, i)`, names).Scan(&got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(names) {
		t.Fatalf("%d results for %d names", len(got), len(names))
	}
	return got
}

// checkUUIDV5 compares analytics.uuid_v5(bytea) with Go's on each name.
func checkUUIDV5(t *testing.T, db *testdb.DB, names [][]byte) {
	t.Helper()
	for i, got := range uuidV5InSQL(t, db, "bytea", names) {
		if want := uuid.NewSHA1(uuid.NameSpaceURL, names[i]).String(); got != want {
			t.Errorf("uuid_v5(%x) (%d bytes) = %s, want %s", names[i], len(names[i]), got, want)
		}
	}
}

// analytics.uuid_v5 is SHA-1 written in PL/pgSQL; it must agree with the
// loader's ids (uuid.NewSHA1 in the URL namespace) on every input.
func TestUUIDV5MatchesGo(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	rng := rand.New(rand.NewPCG(5, 4122))
	randomBytes := func(n int) []byte {
		b := make([]byte, n) // non-nil when empty: nil would be NULL
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}

	t.Run("known", func(t *testing.T) {
		// Python's uuid.uuid5(uuid.NAMESPACE_URL, ...), independent of Go's package.
		for name, want := range map[string]string{
			"":                   "1b4db7eb-4057-5ddf-91e0-36dec72071f5",
			"python.org":         "7af94e2b-4dd9-50f0-9c9a-8a48519bdef0",
			"http://example.com": "8c9ddcb0-8084-5a7f-a988-1095ab18b5df",
		} {
			if got := uuidV5InSQL(t, db, "bytea", [][]byte{[]byte(name)})[0]; got != want {
				t.Errorf("uuid_v5(%q) = %s, want %s", name, got, want)
			}
		}
	})

	// The hashed message is the 16-byte namespace and the name, so lengths
	// 0..130 cross every padding boundary: messages of 55/56 and 63/64 bytes
	// (names of 39/40 and 47/48) and of 119/120 bytes (names of 103/104) and
	// names of those lengths themselves.
	t.Run("lengths", func(t *testing.T) {
		var names [][]byte
		for n := 0; n <= 130; n++ {
			zeros, ones := make([]byte, n), make([]byte, n)
			for i := range ones {
				ones[i] = 0xff
			}
			names = append(names, zeros, ones, randomBytes(n))
		}
		checkUUIDV5(t, db, names)
	})

	t.Run("random", func(t *testing.T) {
		names := make([][]byte, 3000)
		for i := range names {
			names[i] = randomBytes(rng.IntN(300))
		}
		checkUUIDV5(t, db, names)
	})

	t.Run("text", func(t *testing.T) {
		names := []string{"", "a", "conversation/sender-1", "héllo wörld", "日本語のテキスト", "emoji 😀🎉",
			"Ελληνικά", "ß\u00a0\u200b\u2028", "mixed ascii and ünïcödé, long enough to take a second SHA-1 block"}
		for i, got := range uuidV5InSQL(t, db, "text", names) {
			if want := uuid.NewSHA1(uuid.NameSpaceURL, []byte(names[i])).String(); got != want {
				t.Errorf("uuid_v5(%q) = %s, want %s", names[i], got, want)
			}
		}
	})

	t.Run("null", func(t *testing.T) {
		var bytesNull, textNull bool
		if err := db.Pool.QueryRow(context.Background(),
			`SELECT analytics.uuid_v5(NULL::bytea) IS NULL, analytics.uuid_v5(NULL::text) IS NULL`).Scan(&bytesNull, &textNull); err != nil {
			t.Fatal(err)
		}
		if !bytesNull || !textNull {
			t.Errorf("uuid_v5 of NULL: bytea IS NULL %t, text IS NULL %t; want both true", bytesNull, textNull)
		}
	})
}
