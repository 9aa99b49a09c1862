package bench

import (
	"context"
	"time"

	"encoding/json"
	"github.com/openrasa/analyticsdb/traffic"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestPaddingKeepsTheEvent: a padded event is the same JSON object plus a
// "bench_padding" field of the asked length; malformed messages stay as they
// are, so the loader rejects them for the same reasons.
func TestPaddingKeepsTheEvent(t *testing.T) {
	p := padder{n: 3000, rng: rand.New(rand.NewPCG(1, 0))}
	event := []byte(`{"sender_id": "s1", "event": "user", "timestamp": 1.5, "metadata": {"assistant_id": "a"}, "text": "hi"}`)
	var before, after map[string]any
	if err := json.Unmarshal(event, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(p.padded(event), &after); err != nil {
		t.Fatalf("padded event is not JSON: %v", err)
	}
	pad, _ := after["bench_padding"].(string)
	delete(after, "bench_padding")
	if len(pad) != 3000 || !reflect.DeepEqual(before, after) {
		t.Errorf("padding of %d bytes, rest %v; want 3000 bytes and %v", len(pad), after, before)
	}
	for _, bad := range []string{`not json`, `["sender_id"]`, `{"event": "user"}`} {
		if got := string(p.padded([]byte(bad))); got != bad {
			t.Errorf("malformed %q padded to %q", bad, got)
		}
	}
	if got := string(padder{}.padded(event)); got != string(event) {
		t.Errorf("no padding asked, got %q", got)
	}

	// Every event the bench generates gets its padding.
	cfg := trafficConfig(1, 2000, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), 1)
	cfg.BadRate = 0
	events, paddedEvents := 0, 0
	if _, err := traffic.Generate(context.Background(), cfg, func(m traffic.Message) error {
		events++
		if len(p.padded(m.Value)) == len(m.Value)+3000+len(`"bench_padding": "", `) {
			paddedEvents++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if events == 0 || paddedEvents != events {
		t.Errorf("%d of %d generated events padded", paddedEvents, events)
	}
}
