package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

const (
	rulesFile           = "../deploy/prometheus/rules.yaml"
	operationsDashboard = "../deploy/grafana/dashboards/loader-operations.json"
	operationsDoc       = "../docs/operations.md"
)

// ruleFile is a Prometheus rule file (rule_files:) with every field
// Prometheus's rulefmt accepts; readRuleFile refuses any other, as
// Prometheus does when it loads the file.
type ruleFile struct {
	Groups []ruleGroup `yaml:"groups"`
}

type ruleGroup struct {
	Name        string            `yaml:"name"`
	Interval    string            `yaml:"interval"`
	QueryOffset string            `yaml:"query_offset"`
	Limit       int               `yaml:"limit"`
	Labels      map[string]string `yaml:"labels"`
	Rules       []struct {
		Record        string            `yaml:"record"`
		Alert         string            `yaml:"alert"`
		Expr          string            `yaml:"expr"`
		For           string            `yaml:"for"`
		KeepFiringFor string            `yaml:"keep_firing_for"`
		Labels        map[string]string `yaml:"labels"`
		Annotations   map[string]string `yaml:"annotations"`
	} `yaml:"rules"`
}

// readRuleFile parses a rule file strictly: a PrometheusRule, or a typo in
// a field name, is an error here as it is for Prometheus.
func readRuleFile(t *testing.T, path string) ruleFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s is not a Prometheus rule file: %v", path, err)
	}
	if len(f.Groups) == 0 {
		t.Fatalf("%s: no rule groups", path)
	}
	return f
}

// metricNames are the metrics a PromQL expression selects; it fails the
// test when the expression does not parse.
func metricNames(t *testing.T, where, expr string) []string {
	t.Helper()
	e, err := parser.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v\n%s", where, err, expr)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	if len(names) == 0 {
		t.Errorf("%s selects no metric: %s", where, expr)
	}
	return names
}

// grafanaExpr replaces the Grafana variables the operations dashboard uses
// by what Grafana would send.
var grafanaExpr = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "6h")

// alertQueries are the alerting rules (name → expression) and the
// dashboard's queries (panel → expression), checked for validity on the way.
func alertQueries(t *testing.T) (rules, panels map[string]string) {
	rf := readRuleFile(t, rulesFile)
	doc, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	rules = map[string]string{}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a name and rules are required", g.Name)
		}
		for _, r := range g.Rules {
			if r.Alert == "" || r.Record != "" {
				t.Errorf("rule %q/%q: only alerting rules here", r.Alert, r.Record)
				continue
			}
			if _, dup := rules[r.Alert]; dup {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			rules[r.Alert] = r.Expr
			if d, err := model.ParseDuration(r.For); err != nil || time.Duration(d) < time.Minute {
				t.Errorf("%s: for %q: want a duration of a minute or more (%v)", r.Alert, r.For, err)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, s)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary", r.Alert)
			}
			// The runbook is a section of docs/operations.md named after the alert.
			if want := "docs/operations.md#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !regexp.MustCompile(`(?m)^#{2,4} ` + r.Alert + `$`).Match(doc) {
				t.Errorf("%s: docs/operations.md has no runbook section titled %s", r.Alert, r.Alert)
			}
		}
	}
	for _, want := range []string{"AnalyticsdbLagGrowing", "AnalyticsdbRejectionsRising", "AnalyticsdbStatisticsRefreshFailing", "AnalyticsdbNoProgress"} {
		if _, ok := rules[want]; !ok {
			t.Errorf("no alert %s", want)
		}
	}

	raw, err := os.ReadFile(operationsDashboard)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var dash struct {
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", operationsDashboard, err)
	}
	panels = map[string]string{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for i, tg := range p.Targets {
			panels[p.Title+"#"+string(rune('A'+i))] = grafanaExpr.Replace(tg.Expr)
		}
	}
	return rules, panels
}

// exposedNames are the metric names of a /metrics page.
func exposedNames(page string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(page, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

// TestAlertsAndDashboardNameRealMetrics: the rule file is a valid
// Prometheus rule file whose alerts all have a runbook, every query of the rules
// and of the operations dashboard parses, and every metric they name is on
// the /metrics page of a loader that loaded traffic. Every analyticsdb_
// metric of that page is documented.
func TestAlertsAndDashboardNameRealMetrics(t *testing.T) {
	t.Parallel()
	rules, panels := alertQueries(t)

	b := setup(t)
	c := newCluster(t, 2)
	p := produceTraffic(t, c, trafficConfig(5, 300))
	s := b.startSource(t, c, sourceOptions{group: "alerts", limits: loader.BatchLimits{MaxMessages: 50, MaxWait: 20 * time.Millisecond}, refreshInterval: 100 * time.Millisecond})
	waitFor(t, 60*time.Second, "everything stored", func() bool { return b.storedOffsets() >= p.endOffsets() })
	var page string
	waitFor(t, 30*time.Second, "a statistics refresh covered a batch", func() bool {
		page = metricsText(t, s.loader)
		return !strings.Contains(page, `analyticsdb_statistics_lag_recent_seconds_count 0`)
	})
	exposed := exposedNames(page)
	for _, standard := range []string{"go_goroutines", "go_build_info", "process_resident_memory_bytes", "process_cpu_seconds_total", "analyticsdb_build_info"} {
		if !exposed[standard] {
			t.Errorf("the loader does not expose %s", standard)
		}
	}

	for what, queries := range map[string]map[string]string{"alert": rules, "dashboard panel": panels} {
		for name, expr := range queries {
			for _, m := range metricNames(t, what+" "+name, expr) {
				if !exposed[m] {
					t.Errorf("%s %s names %s, which the loader does not expose", what, name, m)
				}
			}
		}
	}

	doc, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	var undocumented []string
	for name := range exposed {
		family := regexp.MustCompile(`_(bucket|sum|count)$`).ReplaceAllString(name, "")
		if strings.HasPrefix(name, "analyticsdb_") && !strings.HasPrefix(name, "analyticsdb_kafka_") &&
			!strings.Contains(string(doc), "`"+family) {
			undocumented = append(undocumented, family)
		}
	}
	slices.Sort(undocumented)
	if undocumented = slices.Compact(undocumented); len(undocumented) > 0 {
		t.Errorf("docs/operations.md does not list %v", undocumented)
	}
}
