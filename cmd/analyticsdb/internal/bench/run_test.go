package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/tests/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestBenchRunsInASmallConfiguration keeps the bench command working: it must
// complete and print its table and JSON line. Its numbers mean nothing at
// this size (the targets are checked with `analyticsdb bench`, see
// docs/performance.md).
func TestBenchRunsInASmallConfiguration(t *testing.T) {
	if testing.Short() {
		t.Skip("bench in -short mode")
	}
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{
		ServerURL: testdb.AdminURL(t),
		Events:    3000,
		History:   3000,
		BatchSize: 500,
		Rounds:    2,
		Seed:      3,
		Out:       &out,
	})
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, want := range []string{"ratio end to end / bare COPY", "median of 2 rounds", "ratio history / empty", "bare COPY, empty, just before / after", `{"events":`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench output lacks %q:\n%s", want, out.String())
		}
	}
	if !res.IndexesPrewarmed {
		t.Error("the indexes were not read into shared_buffers before the measured runs")
	}
	if res.CopyEventsPerSec <= 0 || res.FullEventsPerSec <= 0 || res.Ratio <= 0 || res.HistoryRatio <= 0 || len(res.RoundRatios) != 2 ||
		res.HistoryCopyRatio <= 0 || len(res.HistoryCopyNeighboursPerSec) != 2 {
		t.Errorf("bench result %+v has empty figures", res)
	}
	t.Logf("%s", out.String())
}

// TestBenchRunsOnCitus runs the bench on the tests' Citus cluster and checks
// that it reports PostgreSQL's CPU per server, with work on every worker:
// the bare COPY goes into a table distributed over them.
func TestBenchRunsOnCitus(t *testing.T) {
	if testing.Short() {
		t.Skip("bench in -short mode")
	}
	c := testdb.Citus(t)
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{
		Citus:      true,
		Cluster:    c,
		ShardCount: 4,
		Events:     2000,
		BatchSize:  500,
		Rounds:     1,
		Seed:       3,
		Out:        &out,
	})
	if err != nil {
		t.Fatalf("bench --citus: %v\n%s", err, out.String())
	}
	t.Logf("%s", out.String())
	for _, want := range []string{"Citus shard count", "PostgreSQL on the coordinator", "PostgreSQL on the worker 2", `"citusWorkers":2`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench output lacks %q", want)
		}
	}
	if res.CPU == nil || len(res.CPU.BareCopyPostgresByNode) != 3 || len(res.CPU.EndToEndPostgresByNode) != 3 {
		t.Fatalf("CPU per server missing: %+v", res.CPU)
	}
	for i, ms := range res.CPU.BareCopyPostgresByNode[1:] {
		if ms <= 0 {
			t.Errorf("worker %d used no CPU for the bare COPY into a distributed table", i+1)
		}
	}
	if res.IndexesPrewarmed {
		t.Error("a Citus run claims the shards' indexes were prewarmed")
	}
	if res.CitusShardCount != 4 || res.FullEventsPerSec <= 0 || res.CopyEventsPerSec <= 0 {
		t.Errorf("bench result %+v", res)
	}
}
