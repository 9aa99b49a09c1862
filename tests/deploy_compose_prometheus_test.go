package tests

// Compose's Prometheus and its Grafana data source, checked by reading
// docker-compose.yml and the files it mounts, like deploy_test.go.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// prometheusConfig is the part of prometheus.yml the test reads.
type prometheusConfig struct {
	Global struct {
		ScrapeInterval string `yaml:"scrape_interval"`
	} `yaml:"global"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		Scheme        string `yaml:"scheme"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// commandFlag is the value of --name=value or --name value in args, else def.
func commandFlag(args []string, name, def string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}

// hostPath is the file of this repository a service sees at target, through
// a bind mount of it or of a directory above it, the innermost one wins (""
// when none, or when the innermost mount is not from this repository).
func hostPath(s *composeService, target string) string {
	best, found := "", ""
	for _, m := range volumeMounts(s) {
		src, dir := m[0], path.Clean(m[1])
		if rel, ok := strings.CutPrefix(target, dir); ok && (rel == "" || strings.HasPrefix(rel, "/")) && len(dir) > len(best) {
			best, found = dir, ""
			if strings.HasPrefix(src, ".") { // not a named volume or a host path
				found = filepath.ToSlash(filepath.Join(src, rel))
			}
		}
	}
	return found
}

// publishedHosts are the host addresses a service's ports are published on
// ("" for all interfaces).
func publishedHosts(s *composeService) []string {
	var hosts []string
	for _, p := range s.Ports {
		switch p := p.(type) {
		case map[string]any:
			hosts = append(hosts, yamlStr(p["host_ip"]))
		default:
			parts := strings.Split(withDefaults(fmt.Sprint(p)), ":")
			if len(parts) == 3 {
				hosts = append(hosts, strings.Trim(parts[0], "[]"))
			} else {
				hosts = append(hosts, "")
			}
		}
	}
	return hosts
}

// TestComposePrometheus: the prometheus service of docker-compose.yml
// scrapes the loader where the loader listens, loads
// deploy/prometheus/rules.yaml from the path its configuration names, is
// published on the loopback interface only, and is the Grafana data source
// the loader-operations dashboard asks for, which Grafana provisions.
func TestComposePrometheus(t *testing.T) {
	h := binaryHelp(t)
	f := readCompose(t)
	prom := f.Services["prometheus"]
	if prom == nil {
		t.Fatalf("no prometheus service; have %v", slices.Sorted(maps.Keys(f.Services)))
	}
	if !strings.HasPrefix(prom.Image, "prom/prometheus:v3.") {
		t.Errorf("prometheus image %s: want prom/prometheus:v3.x", prom.Image)
	}
	if !prom.hasHealthcheck() {
		t.Error("prometheus has no healthcheck")
	}
	args := yamlStrings(prom.Command)
	_, listenPort, err := net.SplitHostPort(commandFlag(args, "web.listen-address", ":9090"))
	if err != nil {
		t.Fatalf("prometheus --web.listen-address: %v", err)
	}
	for _, p := range prom.containerPorts(t) {
		if strconv.Itoa(p) != listenPort {
			t.Errorf("prometheus publishes container port %d; it listens on %s", p, listenPort)
		}
	}
	for _, host := range publishedHosts(prom) {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			t.Errorf("prometheus is published on %q: want 127.0.0.1 (Prometheus has no login)", host)
		}
	}
	if len(prom.Ports) == 0 {
		t.Error("prometheus publishes no port: its UI and /alerts are out of reach")
	}

	// The configuration, as the container sees it.
	configPath := commandFlag(args, "config.file", "/etc/prometheus/prometheus.yml")
	configFile := hostPath(prom, configPath)
	if configFile == "" {
		t.Fatalf("prometheus reads %s, which no bind mount of this repository provides", configPath)
	}
	raw, err := os.ReadFile(filepath.Join(deployRoot, configFile))
	if err != nil {
		t.Fatal(err)
	}
	var cfg prometheusConfig
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", configFile, err)
	}

	// Scraped: the service running `analyticsdb run`, on its HTTP_ADDRESS port.
	var want []string
	for name, s := range f.Services {
		if a := yamlStrings(s.Command); len(a) > 0 && a[0] == "run" && (s.Build != nil || isAnalyticsdbImage(s.Image)) {
			want = append(want, net.JoinHostPort(name, strconv.Itoa(httpPort(t, h, s.environment()))))
		}
	}
	if len(want) == 0 {
		t.Fatal("no service runs `analyticsdb run`")
	}
	scraped := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" || sc.Scheme != "" && sc.Scheme != "http" {
			t.Errorf("%s: job %s scrapes %s://…%s; the loader serves http://…/metrics", configFile, sc.JobName, sc.Scheme, sc.MetricsPath)
			continue
		}
		for _, sc := range sc.StaticConfigs {
			for _, target := range sc.Targets {
				scraped[target] = true
			}
		}
	}
	for _, w := range want {
		if !scraped[w] {
			t.Errorf("%s scrapes %v, not the loader at %s", configFile, slices.Sorted(maps.Keys(scraped)), w)
		}
	}

	// The rule files: relative names are relative to the configuration's
	// directory; deploy/prometheus/rules.yaml must be one of them.
	var loaded []string
	for _, rf := range cfg.RuleFiles {
		if !path.IsAbs(rf) {
			rf = path.Join(path.Dir(configPath), rf)
		}
		src := hostPath(prom, rf)
		if src == "" {
			t.Errorf("%s loads %s, which no bind mount of this repository provides", configFile, rf)
			continue
		}
		if _, err := os.Stat(filepath.Join(deployRoot, src)); err != nil {
			t.Errorf("%s loads %s, mounted from %s: %v", configFile, rf, src, err)
		}
		loaded = append(loaded, path.Clean(src))
	}
	if !slices.Contains(loaded, ruleFileSource) {
		t.Errorf("%s loads the rule files %v (rule_files %v); want %s among them", configFile, loaded, cfg.RuleFiles, ruleFileSource)
	}
	readRuleFile(t, filepath.Join(deployRoot, ruleFileSource))

	checkGrafanaPrometheus(t, f, "prometheus", listenPort, cfg.Global.ScrapeInterval)
}

// provisionedDatasource is a provisioned Grafana data source.
type provisionedDatasource struct {
	file     string
	Name     string         `yaml:"name"`
	UID      string         `yaml:"uid"`
	Type     string         `yaml:"type"`
	URL      string         `yaml:"url"`
	JSONData map[string]any `yaml:"jsonData"`
}

// provisionedDatasources are the data sources the grafana service provisions.
func provisionedDatasources(t *testing.T, f *composeFile) []provisionedDatasource {
	t.Helper()
	dir := hostPath(f.Services["grafana"], "/etc/grafana/provisioning/datasources")
	if dir == "" {
		t.Fatal("grafana mounts nothing at /etc/grafana/provisioning/datasources")
	}
	files, _ := filepath.Glob(filepath.Join(deployRoot, dir, "*.y*ml"))
	var all []provisionedDatasource
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var prov struct {
			Datasources []provisionedDatasource `yaml:"datasources"`
		}
		if err := yaml.Unmarshal(raw, &prov); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, ds := range prov.Datasources {
			ds.file = filepath.Base(file)
			all = append(all, ds)
		}
	}
	return all
}

// checkGrafanaPrometheus: Grafana provisions a Prometheus data source on
// the prometheus service, and every data source reference of every
// provisioned dashboard resolves to a provisioned data source: a uid to the
// data source of that uid and type, a $variable of type datasource to one of
// the variable's plugin type. The loader-operations dashboard is among them.
func checkGrafanaPrometheus(t *testing.T, f *composeFile, service, port, scrapeInterval string) {
	t.Helper()
	sources := provisionedDatasources(t, f)
	byUID := map[string]provisionedDatasource{}
	byType := map[string][]string{}
	for _, ds := range sources {
		if ds.UID == "" {
			t.Errorf("%s: data source %q has no uid: dashboards cannot name it", ds.file, ds.Name)
		}
		if _, dup := byUID[ds.UID]; dup {
			t.Errorf("%s: data source uid %q provisioned twice", ds.file, ds.UID)
		}
		byUID[ds.UID] = ds
		byType[ds.Type] = append(byType[ds.Type], ds.UID)
		if ds.Type != "prometheus" {
			continue
		}
		u, err := url.Parse(ds.URL)
		if err != nil || u.Scheme != "http" || u.Hostname() != service || u.Port() != port {
			t.Errorf("%s: Prometheus data source url %q, want http://%s:%s", ds.file, ds.URL, service, port)
		}
		if ti := yamlStr(ds.JSONData["timeInterval"]); scrapeInterval != "" && ti != scrapeInterval {
			t.Errorf("%s: Prometheus data source timeInterval %q; Prometheus scrapes every %s", ds.file, ti, scrapeInterval)
		}
	}
	if len(byType["prometheus"]) == 0 {
		t.Fatalf("Grafana provisions no Prometheus data source (have %v)", slices.Sorted(maps.Keys(byUID)))
	}

	dir := hostPath(f.Services["grafana"], "/var/lib/grafana/dashboards")
	files, _ := filepath.Glob(filepath.Join(deployRoot, dir, "*.json"))
	if !slices.Contains(files, filepath.FromSlash(operationsDashboard)) {
		t.Errorf("the dashboards Grafana provisions (%s) do not include loader-operations.json: %v", dir, files)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var dash map[string]any
		if err := json.Unmarshal(raw, &dash); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		variables := map[string]string{} // datasource variable → plugin type
		for _, v := range yamlMaps(yamlDig(dash, "templating", "list")) {
			if v["type"] == "datasource" {
				variables[yamlStr(v["name"])] = yamlStr(v["query"])
			}
		}
		name := filepath.Base(file)
		reported := map[string]bool{} // each wrong reference once, not once per panel
		errorf := func(format string, args ...any) {
			if msg := fmt.Sprintf(format, args...); !reported[msg] {
				reported[msg] = true
				t.Error(msg)
			}
		}
		seen := 0
		for ref := range datasourceRefs(dash) {
			seen++
			uid, typ := yamlStr(ref["uid"]), yamlStr(ref["type"])
			if v, ok := strings.CutPrefix(uid, "$"); ok {
				v = strings.Trim(v, "{}")
				plugin, isVar := variables[v]
				switch {
				case !isVar:
					errorf("%s: data source %s is no datasource variable of the dashboard", name, uid)
				case typ != "" && typ != plugin:
					errorf("%s: a %s query uses %s, a variable of %s data sources", name, typ, uid, plugin)
				case len(byType[plugin]) == 0:
					errorf("%s: %s asks for a %s data source; Grafana provisions none", name, uid, plugin)
				}
				continue
			}
			ds, ok := byUID[uid]
			switch {
			case !ok:
				errorf("%s: data source uid %q is not provisioned (have %v)", name, uid, slices.Sorted(maps.Keys(byUID)))
			case typ != "" && typ != ds.Type:
				errorf("%s: data source %s has type %s, the dashboard says %s", name, uid, ds.Type, typ)
			}
		}
		if seen == 0 {
			t.Errorf("%s names no data source", name)
		}
	}
}

// datasourceRefs yields every "datasource": {uid, type} of a dashboard
// (panels, their targets, rows' panels, variables, annotations), except
// Grafana's built-in ones.
func datasourceRefs(v any) func(yield func(map[string]any) bool) {
	return func(yield func(map[string]any) bool) {
		var walk func(v any) bool
		walk = func(v any) bool {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					if ref, ok := e.(map[string]any); ok && k == "datasource" {
						switch yamlStr(ref["uid"]) {
						case "grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --":
						default:
							if !yield(ref) {
								return false
							}
						}
					}
					if !walk(e) {
						return false
					}
				}
			case []any:
				for _, e := range v {
					if !walk(e) {
						return false
					}
				}
			}
			return true
		}
		walk(v)
	}
}
