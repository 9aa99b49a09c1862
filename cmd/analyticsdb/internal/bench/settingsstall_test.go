package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/tests/testdb"
)

// TestSettingsStallRunsInASmallConfiguration keeps `bench --settings-stall`
// working: every phase must finish, its commits and stall be measured, and
// the rows the rebuilds made while the stream ran must equal a fresh load
// under the final settings. Its timings mean nothing at this size
// (docs/performance.md, "Maintenance during ingestion").
func TestSettingsStallRunsInASmallConfiguration(t *testing.T) {
	if testing.Short() {
		t.Skip("bench in -short mode")
	}
	var out bytes.Buffer
	res, err := SettingsStall(context.Background(), StallOptions{
		Options:       Options{ServerURL: testdb.AdminURL(t), BatchSize: 500, Out: &out},
		Conversations: 900,
		Days:          3,
		Rate:          40,
		Baseline:      2 * time.Second,
		RebuildChunk:  100, // several chunks, several refreshes
		RecomputeChk:  200,
		Verify:        true,
	})
	if err != nil {
		t.Fatalf("settings stall: %v\n%s", err, out.String())
	}
	t.Logf("%s", out.String())
	if res.Events < 4*900 || res.FillSeconds <= 0 || res.StreamEvents <= 0 {
		t.Errorf("fill or stream empty: %+v", res)
	}
	if res.Baseline.Commits == 0 || res.Baseline.LongestGapMs <= 0 {
		t.Errorf("baseline measured nothing: %+v", res.Baseline)
	}
	if len(res.Phases) != len(StallPhases) {
		t.Fatalf("phases %+v, want %v", res.Phases, StallPhases)
	}
	for _, p := range res.Phases {
		if !p.Finished || p.Commits == 0 || p.CommitMaxMs <= 0 || p.LongestGapMs <= 0 || p.Seconds <= 0 || p.StatementMs <= 0 {
			t.Errorf("phase %s measured nothing: %+v", p.Name, p)
		}
	}
	// 900 conversations and more in chunks of 100: not in one refresh
	// (the watch polls, and may miss one that ends right after another)
	if p := res.Phases[0]; p.Refreshes < 3 {
		t.Errorf("settings change rebuilt in %d refreshes, want chunks in several", p.Refreshes)
	}
	if res.RowsMatchFreshLoad == nil || !*res.RowsMatchFreshLoad {
		t.Errorf("rows differ from a fresh load: %s", res.Mismatch)
	}
	for _, want := range []string{"longest ingest stall during maintenance", `{"conversations":900`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
