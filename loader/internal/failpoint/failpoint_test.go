package failpoint

import (
	"os"
	"testing"
)

func TestParseFailpoints(t *testing.T) {
	fps, err := parse(" after-copy:3, before-copy ,assigned:1")
	if err != nil {
		t.Fatal(err)
	}
	for name, at := range map[string]int64{"after-copy": 3, "before-copy": 1, "assigned": 1} {
		if fps[name] == nil || fps[name].at != at {
			t.Errorf("%s: %+v, want at %d", name, fps[name], at)
		}
	}
	if len(fps) != 3 {
		t.Errorf("%d failpoints, want 3", len(fps))
	}
	for _, bad := range []string{"after-copy:0", "after-copy:x", "nowhere:1", "after-copy:-2"} {
		if _, err := parse(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if fps, err := parse(""); err != nil || len(fps) != 0 {
		t.Errorf("empty: %v, %v", fps, err)
	}
}

// TestFailpointsCostNothingWhenUnset: without ANALYTICSDB_FAILPOINT a
// failpoint call allocates nothing and kills nothing (the reliability tests
// set it in child processes only).
func TestFailpointsCostNothingWhenUnset(t *testing.T) {
	if os.Getenv(Env) != "" {
		t.Skipf("%s is set", Env)
	}
	if on {
		t.Fatal("failpoints are on without the environment variable")
	}
	if n := testing.AllocsPerRun(1000, func() { Hit("after-copy") }); n != 0 {
		t.Errorf("a failpoint call allocates %v times", n)
	}
}

// TestFailpointCountsHits: a point armed for its 3rd hit lets two pass.
func TestFailpointCountsHits(t *testing.T) {
	fp := &spec{at: 3}
	for i := 0; i < 2; i++ {
		if fp.hits.Add(1) == fp.at {
			t.Fatalf("hit %d would kill", i+1)
		}
	}
	if fp.hits.Add(1) != fp.at {
		t.Fatal("the 3rd hit would not kill")
	}
}

func BenchmarkFailpointUnset(b *testing.B) {
	for b.Loop() {
		Hit("after-copy")
	}
}
