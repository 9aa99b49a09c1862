package tests

import (
	"os"
	"testing"

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
