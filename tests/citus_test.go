package tests

import (
	"io"
	"os"
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
