package tests

// The optional objects for the Prometheus Operator
// (deploy/kubernetes/prometheus-operator), checked by reading them like
// deploy_test.go, and the PrometheusRule generated from the rule file.

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	// ruleFileSource is the alerts' source, a plain rule file.
	ruleFileSource = "deploy/prometheus/rules.yaml"
	// promOperatorDir holds the optional objects that need the Prometheus
	// Operator's CRDs; prometheusRuleFile is generated from ruleFileSource.
	promOperatorDir    = "deploy/kubernetes/prometheus-operator"
	prometheusRuleFile = promOperatorDir + "/analyticsdb-prometheusrule.yaml"
)

// readPromOperator parses the files of deploy/kubernetes/prometheus-operator.
func readPromOperator(t *testing.T) (objects []k8sObject, files []string) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(deployRoot, promOperatorDir, "*.y*ml"))
	for _, p := range paths {
		files = append(files, filepath.Base(p))
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		objects = append(objects, k8sObject{file: filepath.Base(p), doc: doc})
	}
	if len(objects) == 0 {
		t.Fatalf("no manifests in %s", promOperatorDir)
	}
	return objects, files
}

// labelsMatch: a label selector (matchLabels, matchExpressions) selects labels.
func labelsMatch(t *testing.T, selector map[string]any, labels map[string]any) bool {
	t.Helper()
	ml, _ := selector["matchLabels"].(map[string]any)
	exprs := yamlMaps(selector["matchExpressions"])
	if len(ml) == 0 && len(exprs) == 0 {
		return false // selects everything: not what a ServiceMonitor here means
	}
	for k, v := range ml {
		if yamlStr(labels[k]) != yamlStr(v) {
			return false
		}
	}
	for _, e := range exprs {
		v, has := labels[yamlStr(e["key"])]
		values := yamlStrings(e["values"])
		switch op := yamlStr(e["operator"]); op {
		case "In":
			if !has || !slices.Contains(values, yamlStr(v)) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(values, yamlStr(v)) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			t.Errorf("selector operator %q", op)
			return false
		}
	}
	return true
}

// TestKubernetesServiceMonitor: deploy/kubernetes/prometheus-operator is a
// kustomization of its own, listing every file there, and the base does not
// apply kinds that need the operator's CRDs. Its ServiceMonitor selects the
// Service of the loader pods by that Service's labels, in its namespace, on
// a port the Service has, which reaches the loader's metrics port.
func TestKubernetesServiceMonitor(t *testing.T) {
	base, _ := readK8s(t)
	for _, o := range base {
		if strings.HasPrefix(yamlStr(o.doc["apiVersion"]), "monitoring.coreos.com/") {
			t.Errorf("%s/%s: %s needs the Prometheus Operator; put it in %s", k8sDir, o.file, o.kind(), promOperatorDir)
		}
		if o.kind() == "Kustomization" && slices.ContainsFunc(yamlStrings(o.doc["resources"]), func(r string) bool {
			return strings.Contains(r, "prometheus-operator")
		}) {
			t.Errorf("%s/%s applies %s, which fails on clusters without the Prometheus Operator", k8sDir, o.file, promOperatorDir)
		}
	}

	objects, files := readPromOperator(t)
	var resources []string
	for _, o := range objects {
		if o.kind() == "Kustomization" {
			resources = append(resources, yamlStrings(o.doc["resources"])...)
		}
	}
	for _, f := range files {
		if f != "kustomization.yaml" && !slices.Contains(resources, f) {
			t.Errorf("%s/kustomization.yaml does not list %s", promOperatorDir, f)
		}
	}
	for _, r := range resources {
		if !slices.Contains(files, r) {
			t.Errorf("%s/kustomization.yaml lists %s, which is not there", promOperatorDir, r)
		}
	}

	// The pods running `analyticsdb run`, and the metrics port by name.
	var loaderPods []map[string]any
	loaderPorts := map[string]string{} // port name → number
	for _, o := range base {
		spec := podSpec(o)
		for _, c := range containersOf(spec) {
			if args := append(yamlStrings(c["command"]), yamlStrings(c["args"])...); isAnalyticsdbImage(yamlStr(c["image"])) && len(args) > 0 && args[0] == "run" {
				labels, _ := yamlDig(o.doc, "spec", "template", "metadata", "labels").(map[string]any)
				loaderPods = append(loaderPods, labels)
				for _, p := range yamlMaps(c["ports"]) {
					loaderPorts[yamlStr(p["name"])] = yamlStr(p["containerPort"])
				}
			}
		}
	}
	if len(loaderPods) == 0 {
		t.Fatal("no pod template runs `analyticsdb run`")
	}

	var monitors int
	for _, o := range objects {
		if o.kind() != "ServiceMonitor" {
			continue
		}
		monitors++
		where := o.file + ": ServiceMonitor " + o.name()
		if v := yamlStr(o.doc["apiVersion"]); v != "monitoring.coreos.com/v1" {
			t.Errorf("%s: apiVersion %s", where, v)
		}
		if ns, ok := yamlDig(o.doc, "spec", "namespaceSelector").(map[string]any); ok && ns["any"] != true {
			t.Errorf("%s: namespaceSelector %v: the example applies everything to one namespace", where, ns)
		}
		selector, _ := yamlDig(o.doc, "spec", "selector").(map[string]any)
		var selected []k8sObject
		for _, s := range base {
			labels, _ := yamlDig(s.doc, "metadata", "labels").(map[string]any)
			if s.kind() == "Service" && labelsMatch(t, selector, labels) {
				selected = append(selected, s)
			}
		}
		if len(selected) != 1 {
			var names []string
			for _, s := range selected {
				names = append(names, s.name())
			}
			t.Errorf("%s: selector %v selects the Services %v; want exactly the loader's metrics Service", where, selector, names)
			continue
		}
		svc := selected[0]
		podSel, _ := yamlDig(svc.doc, "spec", "selector").(map[string]any)
		if !slices.ContainsFunc(loaderPods, func(labels map[string]any) bool {
			return labelsMatch(t, map[string]any{"matchLabels": podSel}, labels)
		}) {
			t.Errorf("%s selects Service %s, whose selector %v matches no loader pod", where, svc.name(), podSel)
		}
		servicePorts := map[string]map[string]any{}
		for _, p := range yamlMaps(yamlDig(svc.doc, "spec", "ports")) {
			servicePorts[yamlStr(p["name"])] = p
		}
		endpoints := yamlMaps(yamlDig(o.doc, "spec", "endpoints"))
		if len(endpoints) == 0 {
			t.Errorf("%s: no endpoints", where)
		}
		for _, ep := range endpoints {
			name := yamlStr(ep["port"])
			p, ok := servicePorts[name]
			if !ok {
				t.Errorf("%s: endpoint port %q is not a port of Service %s (it has %v)", where, name, svc.name(), slices.Sorted(maps.Keys(servicePorts)))
				continue
			}
			// The Service port reaches the loader's metrics port, by name or number.
			target := yamlStr(p["targetPort"])
			if target == "" {
				target = yamlStr(p["port"])
			}
			reaches := false
			for name, number := range loaderPorts {
				reaches = reaches || target == name || target == number
			}
			if !reaches {
				t.Errorf("%s: Service %s port %s targets %s, not a port of the loader container (%v)", where, svc.name(), name, target, loaderPorts)
			}
			if p := yamlStr(ep["path"]); p != "" && p != "/metrics" {
				t.Errorf("%s: path %q; the loader serves /metrics", where, p)
			}
		}
	}
	if monitors == 0 {
		t.Errorf("no ServiceMonitor in %s", promOperatorDir)
	}
}

// prometheusRuleHeader starts the PrometheusRule generated from the rule
// file; the rule file's groups follow, indented under spec.
const prometheusRuleHeader = `# GENERATED from deploy/prometheus/rules.yaml, the alerts' source: edit that
# file, then run
#   UPDATE_PROMETHEUS_RULE=1 go test ./tests -run TestPrometheusRuleIsCurrent
# The loader's alerts as a PrometheusRule for the Prometheus Operator. Each
# alert's runbook is a section of docs/operations.md ("Alerts").
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: analyticsdb-loader
  labels:
    app.kubernetes.io/name: analyticsdb
    app.kubernetes.io/component: loader
spec:
`

// prometheusRuleFrom wraps a rule file in a PrometheusRule: the header
// comment of the rule file is dropped, the rest (from groups:) indented
// under spec:, its comments kept.
func prometheusRuleFrom(t *testing.T, ruleFile []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(prometheusRuleHeader)
	body := false
	for line := range strings.Lines(string(ruleFile)) {
		if !body {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			if !strings.HasPrefix(line, "groups:") {
				t.Fatalf("%s: after its header comment, want groups:, got %q", ruleFileSource, line)
			}
			body = true
		}
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
		} else {
			b.WriteString("  " + line)
		}
	}
	return b.Bytes()
}

// TestPrometheusRuleIsCurrent: the PrometheusRule for the Prometheus
// Operator is generated from deploy/prometheus/rules.yaml
// (UPDATE_PROMETHEUS_RULE=1 rewrites it), and its spec holds the very groups
// of the rule file.
func TestPrometheusRuleIsCurrent(t *testing.T) {
	source := filepath.Join(deployRoot, ruleFileSource)
	plain, err := os.ReadFile(source)
	if err != nil {
		t.Fatal(err)
	}
	generated := prometheusRuleFrom(t, plain)
	target := filepath.Join(deployRoot, prometheusRuleFile)
	if os.Getenv("UPDATE_PROMETHEUS_RULE") == "1" {
		if err := os.WriteFile(target, generated, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, generated) {
		t.Errorf("%s is stale or edited by hand: edit %s, then run `UPDATE_PROMETHEUS_RULE=1 go test ./tests -run TestPrometheusRuleIsCurrent`", prometheusRuleFile, ruleFileSource)
	}

	// The generator itself: the same groups, as data.
	readRuleFile(t, source) // a rule file Prometheus loads
	var rules, cr map[string]any
	if err := yaml.Unmarshal(plain, &rules); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(have, &cr); err != nil {
		t.Fatalf("%s: %v", prometheusRuleFile, err)
	}
	if cr["apiVersion"] != "monitoring.coreos.com/v1" || cr["kind"] != "PrometheusRule" {
		t.Errorf("%s: %v %v, want a monitoring.coreos.com/v1 PrometheusRule", prometheusRuleFile, cr["apiVersion"], cr["kind"])
	}
	if spec, _ := cr["spec"].(map[string]any); !reflect.DeepEqual(spec, rules) {
		t.Errorf("%s: spec differs from %s", prometheusRuleFile, ruleFileSource)
	}
}
