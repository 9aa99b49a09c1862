package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Env names the environment variable read at start-up.
const Env = "ANALYTICSDB_FAILPOINT"

// names are the points the loader calls.
var names = map[string]bool{
	"before-copy": true, "after-copy": true, "after-commit": true, "assigned": true, "revoked": true,
}

type spec struct {
	at   int64 // kill on this hit
	hits atomic.Int64
}

var (
	on    bool
	armed map[string]*spec
)

func init() {
	fps, err := parse(os.Getenv(Env))
	if err != nil {
		fmt.Fprintf(os.Stderr, "analyticsdb: ignoring %s: %v\n", Env, err)
		return
	}
	armed, on = fps, len(fps) > 0
}

func parse(s string) (map[string]*spec, error) {
	out := map[string]*spec{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, count, hasCount := strings.Cut(entry, ":")
		if !names[name] {
			return nil, fmt.Errorf("unknown failpoint %q", name)
		}
		n := int64(1)
		if hasCount {
			var err error
			if n, err = strconv.ParseInt(count, 10, 64); err != nil || n < 1 {
				return nil, fmt.Errorf("failpoint %q: count must be a number >= 1", entry)
			}
		}
		out[name] = &spec{at: n}
	}
	return out, nil
}

// Hit kills the process when the named point is armed and reached for
// the configured time.
func Hit(name string) {
	if on {
		hit(name)
	}
}

func hit(name string) {
	fp := armed[name]
	if fp == nil || fp.hits.Add(1) != fp.at {
		return
	}
	fmt.Fprintf(os.Stderr, "analyticsdb: failpoint %s:%d reached; killing this process\n", name, fp.at)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill() // SIGKILL on Unix: no deferred function, no flush, no goodbye to Kafka or PostgreSQL
	}
	select {} // the signal is on its way
}
