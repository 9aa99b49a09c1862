package tests

import (
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

// Half the trials of TestCrashKill9LosesAndDuplicatesNothing.
func TestCitusCrashKill9LosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	crashKill9LosesAndDuplicatesNothing(t, testdb.NewCitus, max(1, reliabilityTrials()/2))
}
