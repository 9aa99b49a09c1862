package loader

// Failpoints let the reliability tests kill the loader at exact moments of a
// batch's life (docs/reliability.md). They are read once, from the
// environment variable ANALYTICSDB_FAILPOINT, when the process starts:
//
//	ANALYTICSDB_FAILPOINT=after-copy:3          SIGKILL when the 3rd batch reaches after-copy
//	ANALYTICSDB_FAILPOINT=before-copy:1,assigned:2
//
// Each entry is NAME:N (N >= 1; ":N" may be left out for 1): the process
// sends SIGKILL to itself the N-th time the point is reached. Points:
//
//	before-copy   in the batch's transaction, offsets compare-and-set done, before the COPY
//	after-copy    COPY, rejected rows and sender states written, before COMMIT
//	after-commit  the source learns that a batch committed, before it moves on
//	assigned      partitions assigned, stored offsets read, before fetching starts
//	revoked       partitions revoked or lost in a rebalance
//
// Without the variable a failpoint call is one load of a false bool.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// FailpointEnv names the environment variable read at start-up.
const FailpointEnv = "ANALYTICSDB_FAILPOINT"

// failpointNames are the points the loader calls.
var failpointNames = map[string]bool{
	"before-copy": true, "after-copy": true, "after-commit": true, "assigned": true, "revoked": true,
}

type failpointSpec struct {
	at   int64 // kill on this hit
	hits atomic.Int64
}

var (
	failpointsOn bool
	failpoints   map[string]*failpointSpec
)

func init() {
	fps, err := parseFailpoints(os.Getenv(FailpointEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "analyticsdb: ignoring %s: %v\n", FailpointEnv, err)
		return
	}
	failpoints, failpointsOn = fps, len(fps) > 0
}

func parseFailpoints(s string) (map[string]*failpointSpec, error) {
	out := map[string]*failpointSpec{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, count, hasCount := strings.Cut(entry, ":")
		if !failpointNames[name] {
			return nil, fmt.Errorf("unknown failpoint %q", name)
		}
		n := int64(1)
		if hasCount {
			var err error
			if n, err = strconv.ParseInt(count, 10, 64); err != nil || n < 1 {
				return nil, fmt.Errorf("failpoint %q: count must be a number >= 1", entry)
			}
		}
		out[name] = &failpointSpec{at: n}
	}
	return out, nil
}

// failpoint kills the process when the named point is armed and reached for
// the configured time.
func failpoint(name string) {
	if failpointsOn {
		hitFailpoint(name)
	}
}

func hitFailpoint(name string) {
	fp := failpoints[name]
	if fp == nil || fp.hits.Add(1) != fp.at {
		return
	}
	fmt.Fprintf(os.Stderr, "analyticsdb: failpoint %s:%d reached; killing this process\n", name, fp.at)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill() // SIGKILL on Unix: no deferred function, no flush, no goodbye to Kafka or PostgreSQL
	}
	select {} // the signal is on its way
}
