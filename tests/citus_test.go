package tests

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/tests/testdb"
)

// The Citus tests run the bodies of the acceptance, property and crash tests
// on a database distributed over a coordinator and two workers
// (testdb.NewCitus, db.Distribute), with the same assertions. They are
// lighter than the single-server tests where those are heavy: a Citus
// database takes longer to make, and each statement costs more.

func TestCitusSampleStreamThroughReplay(t *testing.T) {
	t.Parallel()
	sampleStreamThroughReplay(t, testdb.NewCitus)
}

// Two seeds (PROPERTY_SEEDS sets them) instead of six.
func TestCitusIncrementalEqualsRecomputeEqualsReference(t *testing.T) {
	seeds := 2
	if testing.Short() {
		seeds = 1
	}
	incrementalEqualsRecomputeEqualsReference(t, testdb.NewCitus, propertySeeds(seeds))
}

// One trial (RELIABILITY_TRIALS sets more) instead of four: with the Citus
// layout a trial took 130-200 s on 2 cores (32 shards), the four
// single-server trials 25 s together.
func TestCitusCrashKill9LosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	trials := 1
	if os.Getenv("RELIABILITY_TRIALS") != "" || os.Getenv("RELIABILITY_SOAK") == "1" {
		trials = reliabilityTrials()
	}
	crashKill9LosesAndDuplicatesNothing(t, testdb.NewCitus, trials)
}

// migrate --citus runs Distribute after every migrate: a second run changes
// nothing that works, and re-makes the mirrors from the tables.
func TestCitusDistributeTwice(t *testing.T) {
	t.Parallel()
	b := setupFrom(t, testdb.NewCitus)
	b.exec(`INSERT INTO "AssistantSettings" ("assistantName", "timezone") VALUES ('distribute-probe', 'America/Los_Angeles')`)
	if err := db.Distribute(t.Context(), b.db.URL, io.Discard); err != nil {
		t.Fatalf("second Distribute: %v", err)
	}
	if got := one[int64](b, `SELECT count(*) FROM analytics."AssistantSettingsMirror" WHERE "assistantName" = 'distribute-probe'`); got != 1 {
		t.Fatalf("the settings mirror holds %d rows of distribute-probe after the second Distribute, want 1", got)
	}
	f, err := os.Open(sampleStream)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := b.replay(sampleStream, f, 1000); err != nil {
		t.Fatal(err)
	}
	b.refresh()
	if got, want := one[int64](b, `SELECT count(*) FROM "Conversation"`), len(readOracle(t).Conversations); got != int64(want) {
		t.Fatalf("%d conversations after the second Distribute, oracle %d", got, want)
	}
}

// The least-privilege roles on Citus. grant-loader on the coordinator, then
// that role replays the first half of the sample stream (the insert trigger
// runs on the workers' shards as that role); the workers check foreign keys,
// since the right to set session_replication_role is each node's own. An
// administrator grants it on the workers (docs/scaling.md), and the role
// replays the second half without them. The tables equal the oracle, and a
// grant-readonly role reads them.
func TestCitusLeastPrivilegeRoles(t *testing.T) {
	t.Parallel()
	b := setupFrom(t, testdb.NewCitus)
	suffix := strings.ToLower(randomSuffix())
	loader, reader, password := "citus_loader_"+suffix, "citus_reader_"+suffix, "Pw-"+randomSuffix()
	for _, args := range [][]string{{"grant-loader", "--role", loader, "--password", password},
		{"grant-readonly", "--role", reader, "--password", password}} {
		if out, err := runCLIAt(t, b.db.URL, args...); err != nil || strings.Contains(out, "not done") {
			t.Fatalf("analyticsdb %s: %v\n%s", args[0], err, out)
		}
	}
	loaderURL := urlAs(t, b.db.URL, loader, password)
	msgs := sampleMessages(t)
	half := len(msgs) / 2
	const workersCheck = "foreign key checks stay on for COPY on the Citus workers"
	replayHalf := func(name string, part [][]byte, wantCheck bool) {
		t.Helper()
		out, err := runCLIAt(t, loaderURL, "replay", writeJSONL(t, name, part))
		if err != nil {
			t.Fatalf("replay %s as %s: %v\n%s", name, loader, err, out)
		}
		if strings.Contains(out, workersCheck) != wantCheck {
			t.Errorf("replay %s: said %q: %v, want %v\n%s", name, workersCheck, !wantCheck, wantCheck, out)
		}
	}
	replayHalf("first-half", msgs[:half], true)
	b.exec(`SELECT analytics.citus_run_on_workers(format('GRANT SET ON PARAMETER session_replication_role TO %I', $1::text))`, loader)
	replayHalf("second-half", msgs[half:], false)
	if out, err := runCLIAt(t, loaderURL, "refresh"); err != nil {
		t.Fatalf("refresh as %s: %v\n%s", loader, err, out)
	}
	o := readOracle(t)
	checkAgainstOracle(t, b, o)
	b.exec(`ANALYZE "Conversation", "ConversationEvent"`)
	out, err := runCLIAt(t, loaderURL, "status")
	if err != nil {
		t.Fatalf("status as %s: %v\n%s", loader, err, out)
	}
	checkRowEstimates(t, out, map[string]int64{"Conversation": int64(len(o.Conversations)), "ConversationEvent": one[int64](b, `SELECT count(*) FROM "ConversationEvent"`)})

	readerConn := connectURL(t, urlAs(t, b.db.URL, reader, password))
	var conversations, days int64
	if err := readerConn.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM "Conversation"), (SELECT count(*) FROM "DailyOverview")`).Scan(&conversations, &days); err != nil {
		t.Fatalf("the read-only role reads the distributed tables: %v", err)
	}
	if conversations != int64(len(o.Conversations)) || days == 0 {
		t.Errorf("the read-only role sees %d conversations (oracle %d) and %d DailyOverview rows", conversations, len(o.Conversations), days)
	}
}
