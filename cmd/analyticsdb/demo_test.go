package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/traffic"
	"github.com/urfave/cli/v2"
)

// TestDashboardDefaultRangeShowsTheDemo: every day of the traffic the demo
// (and generate) produces by default lies in the default time range of every
// Grafana dashboard under deploy/, so an analyst opening Grafana after
// `analyticsdb demo` sees the data without touching the time picker.
func TestDashboardDefaultRangeShowsTheDemo(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	var cfg traffic.Config
	app := &cli.App{Flags: trafficFlags(), Action: func(c *cli.Context) (err error) {
		cfg, err = trafficConfig(c, now)
		return err
	}}
	if err := app.Run([]string{"demo", "--events", "3000", "--bad-rate", "0"}); err != nil {
		t.Fatal(err)
	}
	days := map[time.Time]int{}
	if _, err := traffic.Generate(context.Background(), cfg, func(m traffic.Message) error {
		var ev struct{ Timestamp float64 }
		if err := json.Unmarshal(m.Value, &ev); err != nil {
			return err
		}
		days[time.Unix(int64(ev.Timestamp), 0).UTC().Truncate(24*time.Hour)]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(days) < cfg.Days {
		t.Fatalf("the demo's traffic covers %d days, want %d: %v", len(days), cfg.Days, days)
	}

	files, _ := filepath.Glob("../../deploy/grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards under deploy/grafana/dashboards")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(`"grafana-postgresql-datasource"`)) {
			continue // a Prometheus dashboard (loader-operations.json) shows the last hours, not the demo's days
		}
		var dash struct{ Time struct{ From, To string } }
		if err := json.Unmarshal(raw, &dash); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		from, err := grafanaTime(dash.Time.From, now, false)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		to, err := grafanaTime(dash.Time.To, now, true)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// $__timeFilter("date") compares a day as its midnight.
		for day, n := range days {
			if day.Before(from) || day.After(to) {
				t.Errorf("%s: its default range %s to %s (%s to %s) misses %s, a day with %d of the demo's events",
					filepath.Base(file), dash.Time.From, dash.Time.To, from.Format(time.RFC3339), to.Format(time.RFC3339), day.Format(time.DateOnly), n)
			}
		}
	}
}

var grafanaTimeRe = regexp.MustCompile(`^now(?:-(\d+)([smhdwMy]))?(/d)?$`)

// grafanaTime evaluates a relative Grafana time ("now", "now-30d",
// "now-1d/d": the start of that day for the range's start, its end for the
// range's end); an absolute one is refused (it cannot follow the demo's dates).
func grafanaTime(s string, now time.Time, end bool) (time.Time, error) {
	m := grafanaTimeRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("time %q: want now or now-<n><unit>, either perhaps rounded with /d", s)
	}
	t := now
	if m[1] != "" {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "s":
			t = t.Add(-time.Duration(n) * time.Second)
		case "m":
			t = t.Add(-time.Duration(n) * time.Minute)
		case "h":
			t = t.Add(-time.Duration(n) * time.Hour)
		case "d":
			t = t.AddDate(0, 0, -n)
		case "w":
			t = t.AddDate(0, 0, -7*n)
		case "M":
			t = t.AddDate(0, -n, 0)
		case "y":
			t = t.AddDate(-n, 0, 0)
		}
	}
	if m[3] != "" {
		t = t.Truncate(24 * time.Hour)
		if end {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
	}
	return t, nil
}
