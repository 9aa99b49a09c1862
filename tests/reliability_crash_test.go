package tests

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/tests/reference"
	"github.com/openrasa/analyticsdb/tests/testdb"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Trials of TestCrashKill9LosesAndDuplicatesNothing: RELIABILITY_TRIALS, else
// 60 with RELIABILITY_SOAK=1, else 4 (3 with -short). RELIABILITY_SEED fixes
// the first trial's seed (trial i uses seed+i) to replay a failure.
func reliabilityTrials() int {
	if n, err := strconv.Atoi(os.Getenv("RELIABILITY_TRIALS")); err == nil && n > 0 {
		return n
	}
	if os.Getenv("RELIABILITY_SOAK") == "1" {
		return 60
	}
	if testing.Short() {
		return 3
	}
	return 4
}

func reliabilitySeed() int64 {
	if n, err := strconv.ParseInt(os.Getenv("RELIABILITY_SEED"), 10, 64); err == nil {
		return n
	}
	return time.Now().UnixNano() % 1_000_000
}

// crashModes are the ways a round of a trial ends its loaders.
var crashModes = []string{
	"failpoint:before-copy", // SIGKILL inside the batch transaction, before the COPY
	"failpoint:after-copy",  // SIGKILL after COPY, rejections and sender states, before COMMIT
	"failpoint:after-commit",
	"failpoint:assigned", // SIGKILL right after the partitions were assigned
	"mid-copy",           // the parent sends SIGKILL while PostgreSQL shows the loader's COPY in progress
	"random",             // the parent sends SIGKILL at a random moment
	"rebalance",          // a second loader joins the group; one of the two is killed during the rebalance
	"revoked",            // as rebalance, the first loader dies in its revoke callback (failpoint)
	"sigterm",            // a clean stop at a random moment (not a crash: the baseline)
}

type crashTally struct {
	mu                        sync.Mutex
	trials, produced, stored  int
	lost, duplicated, crashes int
	byMode                    map[string]int
	failpointsFired           int
	midStream                 int // rounds whose loader died with messages left to store
}

// TestCrashKill9LosesAndDuplicatesNothing runs the real loader binary
// (`analyticsdb run`) against kfake and PostgreSQL and kills it with SIGKILL
// at failpoints inside the batch's life (before the COPY, between COPY and
// COMMIT, right after COMMIT, at partition assignment and revocation), while
// PostgreSQL shows its COPY in progress, at random moments and during
// rebalances with a second loader. Each trial has one to three such rounds,
// then a last loader reads to the end. Afterwards every produced message is
// in ConversationEvent exactly once or in RejectedEvent at its position, the
// conversations and statistics equal the Go reference's, and a full
// analytics.recompute() changes nothing (docs/decisions.md, "Metrics" and "Delivery").
func TestCrashKill9LosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	crashKill9LosesAndDuplicatesNothing(t, testdb.New, reliabilityTrials())
}

func crashKill9LosesAndDuplicatesNothing(t *testing.T, newDB newDB, trials int) {
	loaderBinary(t) // build before the trials start their clocks
	seed := reliabilitySeed()
	tally := &crashTally{byMode: map[string]int{}}
	began := time.Now()
	t.Run("trials", func(t *testing.T) {
		for i := 0; i < trials; i++ {
			s := seed + int64(i)
			t.Run(fmt.Sprintf("seed%d", s), func(t *testing.T) {
				t.Parallel()
				crashTrial(t, newDB, s, tally)
			})
		}
	})
	modes := make([]string, 0, len(tally.byMode))
	for _, m := range slices.Sorted(maps.Keys(tally.byMode)) {
		modes = append(modes, fmt.Sprintf("%s=%d", m, tally.byMode[m]))
	}
	summary := fmt.Sprintf("crash trials: %d (first seed %d), crash rounds %d (%s), %d of them with messages left to store, failpoints fired %d; "+
		"messages produced %d, events stored %d, lost %d, duplicated %d; took %s",
		tally.trials, seed, tally.crashes, strings.Join(modes, " "), tally.midStream, tally.failpointsFired,
		tally.produced, tally.stored, tally.lost, tally.duplicated, time.Since(began).Round(time.Second))
	t.Log(summary)
	if os.Getenv("RELIABILITY_SOAK") == "1" || os.Getenv("RELIABILITY_TRIALS") != "" {
		fmt.Println(summary)
	}
}

func crashTrial(t *testing.T, newDB newDB, seed int64, tally *crashTally) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	b := setupFrom(t, newDB)
	partitions := int32(1 + rng.IntN(4))
	c := newClusterWith(t, partitions)
	events := 2000 + rng.IntN(6000)
	if testing.Short() {
		events = 1000 + rng.IntN(2000)
	}
	p := generate(t, trafficConfig(seed, events))
	recs := p.records
	batch := 20 + rng.IntN(300)
	// Half of the trials produce everything first; the others produce the
	// second half while the loaders run (and die).
	upfront := len(recs)
	if rng.IntN(2) == 0 {
		upfront = len(recs) / 2
	}
	produceRecords(t, c, recs[:upfront])
	producing := make(chan error, 1)
	go func() {
		for rest := recs[upfront:]; len(rest) > 0; {
			n := min(len(rest), 200)
			if err := tryProduce(c, rest[:n]); err != nil {
				producing <- err
				return
			}
			rest = rest[n:]
			time.Sleep(20 * time.Millisecond)
		}
		producing <- nil
	}()
	// Until the producer is done, total is a moving target; the rounds only
	// use it to stop waiting early.
	total := int64(len(recs))

	var children []*child
	defer func() {
		if t.Failed() {
			for _, ch := range children {
				t.Logf("--- %s (exit: %v) ---\n%s", ch.name, ch.err, tail(ch.out.String(), 4000))
			}
		}
	}()
	rounds := 1 + rng.IntN(3)
	var modes []string
	fired, midStream := 0, 0
	for r := 0; r < rounds; r++ {
		mode := crashModes[rng.IntN(len(crashModes))]
		modes = append(modes, mode)
		ran, mid := crashRound(t, rng, b, c, mode, fmt.Sprintf("round%d", r), batch, total)
		children = append(children, ran...)
		if mid {
			midStream++
		}
		for _, ch := range ran {
			if strings.Contains(ch.out.String(), "failpoint") && ch.killedBySignal() {
				fired++
			}
		}
	}
	t.Logf("seed %d: %d partitions, %d messages (%d produced up front), batches of %d, rounds %v, stored offsets before the last loader %d",
		seed, partitions, len(p.records), upfront, batch, modes, b.storedOffsets())

	if err := <-producing; err != nil {
		t.Fatalf("produce: %v", err)
	}
	if total = p.endOffsets(); total != int64(len(recs)) {
		t.Fatalf("produced %d records, end offsets sum to %d", len(recs), total)
	}
	last := startChild(t, "last", runArgs(b.db.URL, c, "last", batch))
	children = append(children, last)
	waitFor(t, 3*time.Minute, "the last loader to store every offset", func() bool {
		return (b.storedOffsets() >= total && last.out.count("partitions assigned") > 0) || last.exited()
	})
	if last.exited() {
		t.Fatalf("the last loader exited early: %v", last.err)
	}
	if err := last.terminate(t, time.Minute); err != nil {
		t.Errorf("the last loader did not stop cleanly on SIGTERM: %v", err)
	}

	want := reference.Compute(p.values(), reference.Options{DefaultAssistant: defaultAssistant})
	lost, duplicated := checkExactlyOnce(t, b, p, want)
	b.refresh()
	compareWithReference(t, b, want)
	checkStatsEqualRecompute(t, b)

	tally.mu.Lock()
	defer tally.mu.Unlock()
	tally.trials++
	tally.produced += len(p.records)
	tally.stored += want.Stored
	tally.lost += lost
	tally.duplicated += duplicated
	tally.crashes += len(modes)
	tally.failpointsFired += fired
	tally.midStream += midStream
	for _, m := range modes {
		tally.byMode[m]++
	}
}

// crashRound runs one or two loaders and ends them as mode says. Each round
// uses its own consumer group, so that a killed member (which never leaves its
// group) does not hold up the next round's rebalance; offsets live in
// PostgreSQL, keyed by topic and partition, so the group does not matter to
// what is read.
func crashRound(t *testing.T, rng *rand.Rand, b *bundle, c *kfake.Cluster, mode, group string, batch int, total int64) (ran []*child, midStream bool) {
	t.Helper()
	done := func() bool { return b.storedOffsets() >= total }
	kill := func(ch *child) {
		if !ch.exited() || ch.killedBySignal() {
			midStream = midStream || !done()
		}
		ch.killAndWait()
	}
	args := runArgs(b.db.URL, c, group, batch)
	switch {
	case strings.HasPrefix(mode, "failpoint:"):
		point := strings.TrimPrefix(mode, "failpoint:")
		n := 1
		if point != "assigned" {
			n = 1 + rng.IntN(10)
		}
		ch := startChild(t, group, args, fmt.Sprintf("%s=%s:%d", loader.FailpointEnv, point, n))
		waitFor(t, 2*time.Minute, "the loader to reach "+point, func() bool { return ch.exited() || done() })
		kill(ch)
		return []*child{ch}, midStream

	case mode == "mid-copy":
		ch := startChild(t, group, args)
		waitFor(t, 2*time.Minute, "a COPY of the loader", func() bool {
			return ch.exited() || done() || one[int](b, `SELECT count(*)::int FROM pg_stat_progress_copy WHERE datname = current_database()`) > 0
		})
		kill(ch)
		return []*child{ch}, midStream

	case mode == "random", mode == "sigterm":
		ch := startChild(t, group, args)
		if mode == "sigterm" { // SIGTERM before the handler is installed kills, as for any program
			waitFor(t, time.Minute, "the loader to start", func() bool { return ch.exited() || ch.out.count("consuming") > 0 })
		}
		until := time.Now().Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
		waitFor(t, time.Minute, "a random moment", func() bool { return ch.exited() || done() || time.Now().After(until) })
		if mode == "sigterm" {
			if err := ch.terminate(t, time.Minute); err != nil {
				t.Errorf("SIGTERM: %v\n%s", err, tail(ch.out.String(), 2000))
			}
		}
		kill(ch)
		return []*child{ch}, midStream

	default: // rebalance, revoked
		var env []string
		if mode == "revoked" {
			env = append(env, loader.FailpointEnv+"=revoked:1")
		}
		first := startChild(t, group+"a", args, env...)
		before := b.storedOffsets()
		waitFor(t, time.Minute, "the first loader to start storing", func() bool {
			return first.exited() || done() || b.storedOffsets() > before
		})
		second := startChild(t, group+"b", args)
		time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
		victim, other := first, second
		if mode == "rebalance" && rng.IntN(2) == 0 {
			victim, other = second, first
		}
		if mode == "revoked" {
			waitFor(t, time.Minute, "the revoke failpoint", func() bool { return first.exited() || done() })
		}
		kill(victim)
		if rng.IntN(2) == 0 {
			// Its group waits for the dead member's session to time out, and
			// so may its goodbye: no need to wait for that.
			_ = other.terminate(t, 3*time.Second)
		}
		kill(other)
		return []*child{first, second}, midStream
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
