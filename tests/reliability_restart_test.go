package tests

import (
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/tests/reference"
)

// TestRestartAfterKill9ResumesWithinTheSessionTimeout kills a loader and
// starts its replacement in the same consumer group, as an orchestrator
// does. The group hands the dead member's partitions over only when its
// session times out; --kafka-session-timeout (here 6 s, Kafka's default is
// 45 s) bounds that pause, and the replacement must store everything, once,
// well before the default would have let it start.
func TestRestartAfterKill9ResumesWithinTheSessionTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newClusterWith(t, 3)
	p := generate(t, trafficConfig(11, 2000))
	recs := p.records
	half := len(recs) / 2
	produceRecords(t, c, recs[:half])

	args := runArgs(b.db.URL, c, "restarted", 200, "--kafka-session-timeout", "6s")
	first := startChild(t, "first", args)
	waitFor(t, time.Minute, "the first loader to store the first half", func() bool {
		return first.exited() || b.storedOffsets() >= int64(half)
	})
	first.killAndWait()

	second := startChild(t, "second", args)
	produceRecords(t, c, recs[half:])
	total := p.endOffsets()
	began := time.Now()
	// Well under the 45 s default, well over the 6 s configured.
	waitFor(t, 30*time.Second, "the replacement to get the partitions and store the rest", func() bool {
		return second.exited() || b.storedOffsets() >= total
	})
	if second.exited() {
		t.Fatalf("the replacement exited: %v\n%s", second.err, tail(second.out.String(), 2000))
	}
	t.Logf("the replacement stored the second half %s after it was produced", time.Since(began).Round(100*time.Millisecond))
	if err := second.terminate(t, time.Minute); err != nil {
		t.Error(err)
	}

	want := reference.Compute(p.values(), reference.Options{DefaultAssistant: defaultAssistant})
	checkExactlyOnce(t, b, p, want)
	b.refresh()
	checkStatsEqualRecompute(t, b)
}
