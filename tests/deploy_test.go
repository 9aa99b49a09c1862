package tests

// Checks of the deployment files (Dockerfile, .dockerignore,
// docker-compose.yml, deploy/kubernetes/) by reading them: no Docker engine,
// cluster or database is needed. What the files pass to the analyticsdb
// binary (subcommands, flags, environment variables, the metrics port) is
// compared with what the binary itself prints in `--help`.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"gopkg.in/yaml.v3"
)

// deployRoot is the module root, where the deployment files live.
const deployRoot = ".."

// loaderStopBudget is the longest a loader takes to stop after SIGTERM: it
// finishes the batch being written (loader.ShutdownGrace), then leaves the
// consumer group (up to 10 s) and shuts its HTTP server down (up to 5 s).
// Orchestrators must wait at least this long before they kill it.
const loaderStopBudget = loader.ShutdownGrace + 10*time.Second + 5*time.Second

// ---------------------------------------------------------------------------
// What the binary accepts, from its --help output.

// cliCommand is one subcommand as its --help describes it.
type cliCommand struct {
	flags    map[string]bool   // long and short names, without dashes
	env      map[string]bool   // environment variables ([$NAME])
	defaults map[string]string // flag name → default shown in help
}

type cliHelp struct {
	commands map[string]*cliCommand
}

var deployHelp struct {
	once sync.Once
	help *cliHelp
	err  error
}

// binaryHelp reads `--help` of every listed subcommand of the analyticsdb
// binary, once per test process.
func binaryHelp(t *testing.T) *cliHelp {
	t.Helper()
	bin := loaderBinary(t)
	deployHelp.once.Do(func() { deployHelp.help, deployHelp.err = readBinaryHelp(bin) })
	if deployHelp.err != nil {
		t.Fatal(deployHelp.err)
	}
	return deployHelp.help
}

func readBinaryHelp(bin string) (*cliHelp, error) {
	top, err := exec.Command(bin, "--help").Output()
	if err != nil {
		return nil, fmt.Errorf("analyticsdb --help: %w", err)
	}
	h := &cliHelp{commands: map[string]*cliCommand{}}
	for _, name := range parseHelpCommands(string(top)) {
		if name == "help" || name == "h" {
			continue
		}
		out, err := exec.Command(bin, name, "--help").Output()
		if err != nil {
			return nil, fmt.Errorf("analyticsdb %s --help: %w", name, err)
		}
		h.commands[name] = parseHelpOptions(string(out))
	}
	if len(h.commands) == 0 {
		return nil, errors.New("analyticsdb --help lists no commands")
	}
	return h, nil
}

// parseHelpCommands returns the command names (aliases included) of the
// COMMANDS section of urfave/cli's help.
func parseHelpCommands(help string) []string {
	var names []string
	in := false
	for line := range strings.Lines(help) {
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "COMMANDS:"):
			in = true
		case in && strings.TrimSpace(line) == "":
			in = false
		case in:
			col, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
			for n := range strings.SplitSeq(col, ",") {
				names = append(names, strings.TrimSpace(n))
			}
		}
	}
	return names
}

var (
	helpFlagRe    = regexp.MustCompile(`(?:^|[\s,])--?([A-Za-z0-9][A-Za-z0-9-]*)`)
	helpEnvRe     = regexp.MustCompile(`\[(\$[A-Z0-9_]+(?:, \$[A-Z0-9_]+)*)\]`)
	helpDefaultRe = regexp.MustCompile(`\(default: "?([^")]*)"?\)`)
)

// parseHelpOptions reads the OPTIONS section of one subcommand's help.
func parseHelpOptions(help string) *cliCommand {
	c := &cliCommand{flags: map[string]bool{}, env: map[string]bool{}, defaults: map[string]string{}}
	in := false
	for line := range strings.Lines(help) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "OPTIONS:") {
			in = true
			continue
		}
		if !in || !strings.HasPrefix(strings.TrimSpace(line), "-") {
			continue
		}
		col, rest, _ := strings.Cut(strings.TrimSpace(line), "  ")
		var names []string
		for _, m := range helpFlagRe.FindAllStringSubmatch(col, -1) {
			names = append(names, m[1])
			c.flags[m[1]] = true
		}
		if m := helpEnvRe.FindStringSubmatch(rest); m != nil {
			for v := range strings.SplitSeq(m[1], ", ") {
				c.env[strings.TrimPrefix(v, "$")] = true
			}
		}
		if m := helpDefaultRe.FindStringSubmatch(rest); m != nil && len(names) > 0 {
			c.defaults[names[0]] = m[1]
		}
	}
	return c
}

func TestDeployHelpParsing(t *testing.T) {
	h := binaryHelp(t)
	run := h.commands["run"]
	if run == nil {
		t.Fatalf("no run command in help; commands: %v", slices.Sorted(maps.Keys(h.commands)))
	}
	for _, env := range []string{"DATABASE_URL", "DB_HOST", "KAFKA_BROKERS", "KAFKA_TOPIC", "KAFKA_GROUP", "HTTP_ADDRESS"} {
		if !run.env[env] {
			t.Errorf("run --help does not list $%s; parsed %v", env, slices.Sorted(maps.Keys(run.env)))
		}
	}
	if !run.flags["group"] || !run.flags["kafka-group"] {
		t.Errorf("run: flag and alias not both parsed: %v", slices.Sorted(maps.Keys(run.flags)))
	}
	if got := run.defaults["http-address"]; got != ":9477" {
		t.Errorf("run --http-address default parsed as %q", got)
	}
	if h.commands["migrate"] == nil {
		t.Error("no migrate command in help")
	}
}

// httpPort is the port of the loader's --http-address: HTTP_ADDRESS from
// env when set, else the default the binary prints.
func httpPort(t *testing.T, h *cliHelp, env map[string]string) int {
	t.Helper()
	addr, ok := env["HTTP_ADDRESS"]
	if !ok {
		addr = h.commands["run"].defaults["http-address"]
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("http address %q: %v", addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("http address %q has no numeric port", addr)
	}
	return n
}

// ---------------------------------------------------------------------------
// docker-compose.yml

type composeFile struct {
	Version  any                        `yaml:"version"`
	Services map[string]*composeService `yaml:"services"`
	Volumes  map[string]any             `yaml:"volumes"`
}

type composeService struct {
	Image           string         `yaml:"image"`
	Build           any            `yaml:"build"`
	Command         any            `yaml:"command"`
	Entrypoint      any            `yaml:"entrypoint"`
	Environment     any            `yaml:"environment"`
	EnvFile         any            `yaml:"env_file"`
	Ports           []any          `yaml:"ports"`
	Volumes         []any          `yaml:"volumes"`
	Healthcheck     map[string]any `yaml:"healthcheck"`
	DependsOn       any            `yaml:"depends_on"`
	Restart         string         `yaml:"restart"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
}

func readCompose(t *testing.T) *composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(f.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return &f
}

var composeVarRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// withDefaults resolves ${VAR:-default} and ${VAR-default} to the default
// and ${VAR} to "" (the test must not depend on the caller's environment).
func withDefaults(s string) string {
	return composeVarRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := composeVarRe.FindStringSubmatch(m)
		if strings.HasSuffix(sub[2], "-") {
			return sub[3]
		}
		return ""
	})
}

func yamlStrings(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			out[i] = fmt.Sprint(e)
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// environment returns a service's variables, from map or list syntax.
func (s *composeService) environment() map[string]string {
	env := map[string]string{}
	switch v := s.Environment.(type) {
	case map[string]any:
		for k, val := range v {
			if val == nil {
				env[k] = ""
			} else {
				env[k] = withDefaults(fmt.Sprint(val))
			}
		}
	case []any:
		for _, e := range v {
			k, val, _ := strings.Cut(fmt.Sprint(e), "=")
			env[k] = withDefaults(val)
		}
	}
	return env
}

// dependsOn returns service → condition ("" for the short list syntax).
func (s *composeService) dependsOn() map[string]string {
	deps := map[string]string{}
	switch v := s.DependsOn.(type) {
	case []any:
		for _, d := range v {
			deps[fmt.Sprint(d)] = ""
		}
	case map[string]any:
		for name, d := range v {
			cond := ""
			if m, ok := d.(map[string]any); ok {
				cond = fmt.Sprint(m["condition"])
			}
			deps[name] = cond
		}
	}
	return deps
}

func (s *composeService) hasHealthcheck() bool {
	if s.Healthcheck == nil || s.Healthcheck["disable"] == true {
		return false
	}
	test := yamlStrings(s.Healthcheck["test"])
	return len(test) > 1 && test[0] != "NONE"
}

// containerPorts are the container sides of a service's published ports.
func (s *composeService) containerPorts(t *testing.T) []int {
	t.Helper()
	var ports []int
	for _, p := range s.Ports {
		var target string
		switch p := p.(type) {
		case map[string]any:
			target = fmt.Sprint(p["target"])
		default:
			spec := withDefaults(fmt.Sprint(p))
			spec, _, _ = strings.Cut(spec, "/")
			target = spec[strings.LastIndex(spec, ":")+1:]
		}
		n, err := strconv.Atoi(target)
		if err != nil {
			t.Errorf("port %v: container port %q is not one number", p, target)
			continue
		}
		ports = append(ports, n)
	}
	return ports
}

// volumeMount is a service volume as source:target.
func volumeMounts(s *composeService) [][2]string {
	var out [][2]string
	for _, v := range s.Volumes {
		switch v := v.(type) {
		case map[string]any:
			out = append(out, [2]string{fmt.Sprint(v["source"]), fmt.Sprint(v["target"])})
		default:
			parts := strings.Split(withDefaults(fmt.Sprint(v)), ":")
			if len(parts) >= 2 {
				out = append(out, [2]string{parts[0], parts[1]})
			}
		}
	}
	return out
}

var versionTagRe = regexp.MustCompile(`^v?\d+\.\d+`)

// imagePinned reports whether ref names an exact image: a digest, or a tag
// that is not "latest". External images must carry a version number too.
func imagePinned(ref string, needVersion bool) error {
	if ref == "" {
		return errors.New("no image")
	}
	if strings.Contains(ref, "${") {
		return fmt.Errorf("%s: image chosen by a variable", ref)
	}
	if _, digest, ok := strings.Cut(ref, "@"); ok {
		if !strings.HasPrefix(digest, "sha256:") {
			return fmt.Errorf("%s: malformed digest", ref)
		}
		return nil
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	switch {
	case !ok || tag == "":
		return fmt.Errorf("%s: no tag (means :latest)", ref)
	case tag == "latest":
		return fmt.Errorf("%s: :latest is not pinned", ref)
	case needVersion && !versionTagRe.MatchString(tag):
		return fmt.Errorf("%s: tag %q is not a version", ref, tag)
	}
	return nil
}

func TestDockerCompose(t *testing.T) {
	h := binaryHelp(t)
	f := readCompose(t)
	if f.Version != nil {
		t.Error("docker-compose.yml has a top-level version: key (obsolete in the Compose spec)")
	}
	for _, name := range []string{"postgres", "kafka", "migrate", "loader", "grafana"} {
		if f.Services[name] == nil {
			t.Fatalf("service %s missing; have %v", name, slices.Sorted(maps.Keys(f.Services)))
		}
	}
	loaderSvc := f.Services["loader"]
	if loaderSvc.Build == nil {
		t.Error("loader: no build: (the loader image is built from ./Dockerfile)")
	}

	for name, s := range f.Services {
		// Images: pinned everywhere; the locally built one needs no version.
		if err := imagePinned(s.Image, s.Build == nil); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
		// depends_on: long syntax with a condition that waits for real.
		for dep, cond := range s.dependsOn() {
			target := f.Services[dep]
			switch {
			case target == nil:
				t.Errorf("service %s depends on unknown service %s", name, dep)
			case cond == "service_healthy":
				if !target.hasHealthcheck() {
					t.Errorf("service %s waits for %s to be healthy, which has no healthcheck", name, dep)
				}
			case cond == "service_completed_successfully":
				if target.Restart == "always" || target.Restart == "unless-stopped" {
					t.Errorf("service %s waits for %s to complete, which restarts (%s)", name, dep, target.Restart)
				}
			default:
				t.Errorf("service %s: depends_on %s has condition %q; want service_healthy or service_completed_successfully", name, dep, cond)
			}
		}
		// Named volumes are declared.
		for _, m := range volumeMounts(s) {
			src := m[0]
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") && src != "" {
				if _, ok := f.Volumes[src]; !ok {
					t.Errorf("service %s mounts volume %s, not declared under volumes:", name, src)
				}
			}
		}
	}

	for _, name := range []string{"postgres", "kafka", "grafana"} {
		if !f.Services[name].hasHealthcheck() {
			t.Errorf("service %s has no healthcheck", name)
		}
	}
	if test := strings.Join(yamlStrings(f.Services["postgres"].Healthcheck["test"]), " "); !strings.Contains(test, "pg_isready") {
		t.Errorf("postgres healthcheck %q does not use pg_isready", test)
	}
	if test := strings.Join(yamlStrings(f.Services["kafka"].Healthcheck["test"]), " "); !strings.Contains(test, "kafka-broker-api-versions.sh") && !strings.Contains(test, "kafka-topics.sh") {
		t.Errorf("kafka healthcheck %q does not ask the broker", test)
	}
	if !strings.HasPrefix(f.Services["postgres"].Image, "postgres:16.") {
		t.Errorf("postgres image %s: want postgres:16.x", f.Services["postgres"].Image)
	}

	// Every container of the analyticsdb image gets a real subcommand, real
	// flags and only environment variables that subcommand reads.
	analyticsdb := map[string]string{} // service → subcommand
	for name, s := range f.Services {
		if s.Build == nil && s.Image != loaderSvc.Image {
			continue
		}
		if s.Entrypoint != nil {
			t.Errorf("service %s overrides the analyticsdb entrypoint", name)
		}
		if s.EnvFile != nil {
			t.Errorf("service %s: env_file cannot be checked against the binary; use environment:", name)
		}
		args := yamlStrings(s.Command)
		if len(args) == 0 {
			t.Errorf("service %s: no command (the image's default is run; say it)", name)
			continue
		}
		cmd := h.commands[args[0]]
		if cmd == nil {
			t.Errorf("service %s: %q is not an analyticsdb subcommand (have %v)", name, args[0], slices.Sorted(maps.Keys(h.commands)))
			continue
		}
		analyticsdb[name] = args[0]
		for _, a := range args[1:] {
			if flag, ok := strings.CutPrefix(a, "--"); ok {
				flag, _, _ = strings.Cut(flag, "=")
				if !cmd.flags[flag] {
					t.Errorf("service %s: analyticsdb %s has no flag --%s", name, args[0], flag)
				}
			}
		}
		env := s.environment()
		for k := range env {
			if !cmd.env[k] {
				t.Errorf("service %s passes %s, which `analyticsdb %s` does not read (it reads %v)", name, k, args[0], slices.Sorted(maps.Keys(cmd.env)))
			}
		}
		// dbmate's lib/pq requires TLS unless the URL says otherwise.
		if args[0] == "migrate" {
			if u, ok := env["DATABASE_URL"]; !ok || !strings.Contains(u, "sslmode=") {
				t.Errorf("service %s: migrate needs DATABASE_URL with sslmode= (lib/pq defaults to require); got %q", name, u)
			}
		}
	}
	if analyticsdb["loader"] != "run" {
		t.Errorf("loader runs %q, want run", analyticsdb["loader"])
	}
	if analyticsdb["migrate"] != "migrate" {
		t.Errorf("migrate service runs %q, want migrate", analyticsdb["migrate"])
	}
	if !slices.Contains(deployValues(analyticsdb), "grant-readonly") {
		t.Error("no service runs `analyticsdb grant-readonly` for Grafana's read-only role")
	}
	for name, cmd := range analyticsdb {
		if cmd == "grant-readonly" {
			if f.Services["grafana"].dependsOn()[name] != "service_completed_successfully" {
				t.Errorf("grafana does not wait for %s (grant-readonly) to complete", name)
			}
			if f.Services[name].dependsOn()["migrate"] != "service_completed_successfully" {
				t.Errorf("%s (grant-readonly) does not wait for migrate to complete", name)
			}
		}
	}

	// Roles (docs/operations.md, "Roles"): the migrations run as the owner,
	// the login roles are made by the superuser (the DBA), and the loader
	// runs as the role grant-loader makes, which it waits for.
	userOf := func(service string) string {
		u, err := url.Parse(f.Services[service].environment()["DATABASE_URL"])
		if err != nil || u.User == nil {
			t.Errorf("service %s: DATABASE_URL names no user", service)
			return ""
		}
		return u.User.Username()
	}
	var grantLoader string
	for name, cmd := range analyticsdb {
		if cmd == "grant-loader" || cmd == "grant-readonly" {
			if user := userOf(name); user != "postgres" {
				t.Errorf("%s (%s) connects as %s, want the superuser postgres, standing for the DBA", name, cmd, user)
			}
		}
		if cmd == "grant-loader" {
			grantLoader = name
		}
	}
	if grantLoader == "" {
		t.Fatal("no service runs `analyticsdb grant-loader` for the loader's role")
	}
	loaderRole := ""
	for _, a := range yamlStrings(f.Services[grantLoader].Command) {
		if r, ok := strings.CutPrefix(a, "--role="); ok {
			loaderRole = r
		}
	}
	if owner, loader := userOf("migrate"), userOf("loader"); owner == "postgres" || loader != loaderRole || loader == owner {
		t.Errorf("migrate connects as %s and the loader as %s; want the owner, and the role %s made by %s", owner, loader, loaderRole, grantLoader)
	}
	if loaderSvc.dependsOn()[grantLoader] != "service_completed_successfully" {
		t.Errorf("the loader does not wait for %s (grant-loader) to complete", grantLoader)
	}
	if f.Services[grantLoader].dependsOn()["migrate"] != "service_completed_successfully" {
		t.Errorf("%s (grant-loader) does not wait for migrate to complete", grantLoader)
	}

	// The loader: database and Kafka settings, order of start, port, stop.
	env := loaderSvc.environment()
	if env["DATABASE_URL"] == "" && env["DB_HOST"] == "" {
		t.Error("loader: neither DATABASE_URL nor DB_HOST is set")
	}
	if env["KAFKA_BROKERS"] == "" {
		t.Error("loader: KAFKA_BROKERS not set")
	}
	deps := loaderSvc.dependsOn()
	if deps["migrate"] != "service_completed_successfully" {
		t.Errorf("loader waits for migrate with %q, want service_completed_successfully", deps["migrate"])
	}
	if deps["kafka"] != "service_healthy" {
		t.Errorf("loader waits for kafka with %q, want service_healthy", deps["kafka"])
	}
	if f.Services["migrate"].dependsOn()["postgres"] != "service_healthy" {
		t.Error("migrate does not wait for a healthy postgres")
	}
	port := httpPort(t, h, env)
	if !slices.Contains(loaderSvc.containerPorts(t), port) {
		t.Errorf("loader publishes container ports %v; its --http-address port is %d", loaderSvc.containerPorts(t), port)
	}
	if grace, err := time.ParseDuration(loaderSvc.StopGracePeriod); err != nil || grace < loaderStopBudget {
		t.Errorf("loader stop_grace_period %q: want at least %s (Docker's default 10s kills it mid-batch)", loaderSvc.StopGracePeriod, loaderStopBudget)
	}

	// PostgreSQL: the SPEC's database, and an init script that grants
	// session_replication_role and creates no schema object.
	pg := f.Services["postgres"]
	if db := pg.environment()["POSTGRES_DB"]; db != "studio" {
		t.Errorf("POSTGRES_DB = %q, want studio", db)
	}
	var initDir string
	for _, m := range volumeMounts(pg) {
		if strings.TrimSuffix(m[1], "/") == "/docker-entrypoint-initdb.d" {
			initDir = m[0]
		}
	}
	if !strings.HasPrefix(filepath.ToSlash(filepath.Clean(initDir)), "deploy/compose/") {
		t.Fatalf("postgres: /docker-entrypoint-initdb.d is mounted from %q, want a directory under ./deploy/compose/", initDir)
	}
	scripts, _ := filepath.Glob(filepath.Join(deployRoot, initDir, "*"))
	var initText strings.Builder
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		initText.Write(b)
	}
	text := strings.ToUpper(initText.String())
	for _, want := range []string{"NOCREATEROLE", "REVOKE CONNECT ON DATABASE", "REVOKE CREATE ON SCHEMA PUBLIC FROM PUBLIC", "LO_CREATE"} {
		if !strings.Contains(text, want) {
			t.Errorf("the init scripts under %s lack the DBA's setup of docs/operations.md (%s)", initDir, want)
		}
	}
	statements := regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(text, "") // the shell's comments
	if regexp.MustCompile(`\b(CREATEROLE|SUPERUSER|CREATEDB)\b`).MatchString(regexp.MustCompile(`\bNO(CREATEROLE|SUPERUSER|CREATEDB)\b`).ReplaceAllString(statements, "")) {
		t.Errorf("an init script under %s gives the application's role SUPERUSER, CREATEDB or CREATEROLE", initDir)
	}
	for _, ddl := range []string{"CREATE TABLE", "CREATE SCHEMA", "CREATE FUNCTION", "CREATE TYPE", "CREATE EXTENSION"} {
		if strings.Contains(text, ddl) {
			t.Errorf("init scripts under %s run %s: schema objects belong to the migrations", initDir, ddl)
		}
	}

	// Grafana: the provisioning directories deploy/grafana/ provides.
	mounted := map[string]string{}
	for _, m := range volumeMounts(f.Services["grafana"]) {
		mounted[filepath.ToSlash(filepath.Clean(m[0]))] = m[1]
	}
	for src, target := range map[string]string{
		"deploy/grafana/provisioning/datasources": "/etc/grafana/provisioning/datasources",
		"deploy/grafana/provisioning/dashboards":  "/etc/grafana/provisioning/dashboards",
		"deploy/grafana/dashboards":               "",
	} {
		got, ok := mounted[src]
		switch {
		case !ok:
			t.Errorf("grafana does not mount ./%s", src)
		case target != "" && got != target:
			t.Errorf("grafana mounts ./%s at %s, want %s", src, got, target)
		}
	}
	checkGrafanaProvisioning(t, f, h, mounted["deploy/grafana/dashboards"])
}

var grafanaEnvRe = regexp.MustCompile(`\$(?:__env)?\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// checkGrafanaProvisioning: the provisioning files under deploy/grafana/
// (written separately) fit this compose file: every variable they expand is
// set on the grafana service, the data source logs in as the role the
// grant-readonly service creates, with its password, on the postgres service
// and database, and the dashboard provider reads where the dashboards are
// mounted.
func checkGrafanaProvisioning(t *testing.T, f *composeFile, h *cliHelp, dashboardsTarget string) {
	dir := filepath.Join(deployRoot, "deploy/grafana/provisioning")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("no %s yet: provisioning not checked", dir)
		return
	}
	grafanaEnv := f.Services["grafana"].environment()

	// The role and password grant-readonly sets.
	var role, password string
	for _, s := range f.Services {
		args := yamlStrings(s.Command)
		if len(args) == 0 || args[0] != "grant-readonly" {
			continue
		}
		env := s.environment()
		role, password = h.commands["grant-readonly"].defaults["role"], env["READONLY_PASSWORD"]
		if r, ok := env["READONLY_ROLE"]; ok {
			role = r
		}
		for i, a := range args {
			if v, ok := strings.CutPrefix(a, "--role="); ok {
				role = v
			} else if a == "--role" && i+1 < len(args) {
				role = args[i+1]
			} else if v, ok := strings.CutPrefix(a, "--password="); ok {
				password = v
			}
		}
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.y*ml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		for line := range strings.Lines(string(raw)) {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				body.WriteString(line)
			}
		}
		expanded := grafanaEnvRe.ReplaceAllStringFunc(body.String(), func(m string) string {
			name := grafanaEnvRe.FindStringSubmatch(m)[1]
			v, ok := grafanaEnv[name]
			if !ok {
				t.Errorf("%s uses $%s, which the grafana service does not set", file, name)
			}
			return v
		})
		var prov struct {
			Datasources []struct {
				Type, URL, User string
				JSONData        map[string]any `yaml:"jsonData"`
				SecureJSONData  map[string]any `yaml:"secureJsonData"`
			} `yaml:"datasources"`
			Providers []struct {
				Options map[string]any `yaml:"options"`
			} `yaml:"providers"`
		}
		if err := yaml.Unmarshal([]byte(expanded), &prov); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, ds := range prov.Datasources {
			if !strings.Contains(ds.Type, "postgres") {
				continue
			}
			if ds.User != role {
				t.Errorf("%s: data source logs in as %q, want the read-only role %q that grant-readonly creates", file, ds.User, role)
			}
			if yamlStr(ds.SecureJSONData["password"]) != password {
				t.Errorf("%s: data source password differs from the READONLY_PASSWORD grant-readonly sets", file)
			}
			host, _, _ := strings.Cut(ds.URL, ":")
			if f.Services[host] == nil || f.Services[host].Image != f.Services["postgres"].Image {
				t.Errorf("%s: data source url %q is not the postgres service", file, ds.URL)
			}
			if db := yamlStr(ds.JSONData["database"]); db != f.Services["postgres"].environment()["POSTGRES_DB"] {
				t.Errorf("%s: data source database %q", file, db)
			}
		}
		for _, p := range prov.Providers {
			if path := yamlStr(p.Options["path"]); path != dashboardsTarget {
				t.Errorf("%s: dashboard provider reads %s; ./deploy/grafana/dashboards is mounted at %s", file, path, dashboardsTarget)
			}
		}
	}
}

func deployValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// ---------------------------------------------------------------------------
// deploy/kubernetes/

const k8sDir = "deploy/kubernetes"

type k8sObject struct {
	file string
	doc  map[string]any
}

func (o k8sObject) kind() string { return yamlStr(o.doc["kind"]) }
func (o k8sObject) name() string { return yamlStr(yamlDig(o.doc, "metadata", "name")) }

func yamlStr(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// dig walks nested maps; nil when a key is missing.
func yamlDig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func yamlMaps(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// readK8s parses every YAML document of every file in deploy/kubernetes.
func readK8s(t *testing.T) (objects []k8sObject, files []string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(deployRoot, k8sDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		files = append(files, e.Name())
		raw, err := os.ReadFile(filepath.Join(deployRoot, k8sDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			if doc == nil {
				continue
			}
			if doc["apiVersion"] == nil || doc["kind"] == nil {
				t.Errorf("%s: a document without apiVersion or kind", e.Name())
			}
			objects = append(objects, k8sObject{file: e.Name(), doc: doc})
		}
	}
	return objects, files
}

// podSpec returns the pod spec of a workload, or nil.
func podSpec(o k8sObject) map[string]any {
	switch o.kind() {
	case "Pod":
		s, _ := o.doc["spec"].(map[string]any)
		return s
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet":
		s, _ := yamlDig(o.doc, "spec", "template", "spec").(map[string]any)
		return s
	case "CronJob":
		s, _ := yamlDig(o.doc, "spec", "jobTemplate", "spec", "template", "spec").(map[string]any)
		return s
	}
	return nil
}

func containersOf(spec map[string]any) []map[string]any {
	return append(yamlMaps(spec["initContainers"]), yamlMaps(spec["containers"])...)
}

// isAnalyticsdbImage: the image built from this repository's Dockerfile.
func isAnalyticsdbImage(ref string) bool {
	name := ref
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, ":")
	return name == "analyticsdb"
}

// parseQuantity turns a Kubernetes memory quantity into bytes.
func parseQuantity(t *testing.T, q string) int64 {
	t.Helper()
	units := []struct {
		suffix string
		mult   int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("quantity %q: %v", q, err)
			}
			return v * u.mult
		}
	}
	v, err := strconv.ParseInt(q, 10, 64)
	if err != nil {
		t.Fatalf("quantity %q: %v", q, err)
	}
	return v
}

// exampleSecret is applied by hand, never by the kustomization.
const exampleSecret = "analyticsdb-secret.yaml"

func TestKubernetesManifests(t *testing.T) {
	h := binaryHelp(t)
	objects, files := readK8s(t)

	// kustomization.yaml lists every manifest, and only existing ones.
	var resources []string
	configMaps := map[string]map[string]string{}
	secrets := map[string]map[string]bool{}
	for _, o := range objects {
		switch o.kind() {
		case "Kustomization":
			resources = append(resources, yamlStrings(o.doc["resources"])...)
		case "ConfigMap":
			data := map[string]string{}
			m, _ := o.doc["data"].(map[string]any)
			for k, v := range m {
				data[k] = yamlStr(v)
			}
			configMaps[o.name()] = data
		case "Secret":
			keys := map[string]bool{}
			for _, field := range []string{"data", "stringData"} {
				if m, ok := o.doc[field].(map[string]any); ok {
					for k := range m {
						keys[k] = true
					}
				}
			}
			secrets[o.name()] = keys
		}
	}
	if resources == nil {
		t.Fatal("deploy/kubernetes/kustomization.yaml missing or lists no resources")
	}
	for _, f := range files {
		if f != "kustomization.yaml" && f != exampleSecret && !slices.Contains(resources, f) {
			t.Errorf("kustomization.yaml does not list %s", f)
		}
	}
	if slices.Contains(resources, exampleSecret) {
		t.Errorf("kustomization.yaml applies %s, which would overwrite a real Secret with placeholders", exampleSecret)
	}
	for _, r := range resources {
		if !slices.Contains(files, r) {
			t.Errorf("kustomization.yaml lists %s, which is not in %s", r, k8sDir)
		}
	}

	var sawLoader, sawMigrateJob, sawRasa bool
	databaseKeys := map[string]string{} // subcommand → the Secret key of its DATABASE_URL
	var loaderPort int
	var loaderTopic string
	var loaderPodLabels map[string]any
	for _, o := range objects {
		spec := podSpec(o)
		if spec == nil {
			continue
		}
		where := o.file + ": " + o.kind() + " " + o.name()
		var runsLoader bool
		for _, c := range containersOf(spec) {
			image := yamlStr(c["image"])
			if err := imagePinned(image, true); err != nil {
				t.Errorf("%s: container %s: %v", where, c["name"], err)
			}
			if strings.HasPrefix(image, "rasa/rasa-pro:") {
				sawRasa = true
			}
			if !isAnalyticsdbImage(image) {
				continue
			}
			cname := where + " container " + yamlStr(c["name"])
			args := append(yamlStrings(c["command"]), yamlStrings(c["args"])...)
			if len(args) == 0 {
				t.Errorf("%s: no args (say which subcommand)", cname)
				continue
			}
			sub := h.commands[args[0]]
			if sub == nil {
				t.Errorf("%s: %q is not an analyticsdb subcommand", cname, args[0])
				continue
			}
			// Every variable the container gets is one the subcommand reads.
			env := map[string]string{}
			var dbFromSecret bool
			for _, e := range yamlMaps(c["env"]) {
				name := yamlStr(e["name"])
				env[name] = yamlStr(e["value"])
				if ref, ok := yamlDig(e, "valueFrom", "secretKeyRef").(map[string]any); ok {
					if !secrets[yamlStr(ref["name"])][yamlStr(ref["key"])] {
						t.Errorf("%s: %s from Secret %s key %s, which no manifest here defines", cname, name, ref["name"], ref["key"])
					}
					if name == "DATABASE_URL" {
						dbFromSecret = true
						databaseKeys[args[0]] = yamlStr(ref["key"])
					}
				}
			}
			for _, from := range yamlMaps(c["envFrom"]) {
				if name, ok := yamlDig(from, "configMapRef", "name").(string); ok {
					data, found := configMaps[name]
					if !found {
						t.Errorf("%s: envFrom ConfigMap %s is not defined here", cname, name)
					}
					for k, v := range data {
						env[k] = v
					}
				}
				if name, ok := yamlDig(from, "secretRef", "name").(string); ok {
					for k := range secrets[name] {
						env[k] = ""
						if k == "DATABASE_URL" {
							dbFromSecret = true
						}
					}
				}
			}
			for k := range env {
				if !sub.env[k] {
					t.Errorf("%s: %s is not read by `analyticsdb %s` (it reads %v)", cname, k, args[0], slices.Sorted(maps.Keys(sub.env)))
				}
			}
			if !dbFromSecret {
				t.Errorf("%s: DATABASE_URL does not come from a Secret", cname)
			}
			if _, plain := env["DB_PASSWORD"]; plain {
				t.Errorf("%s: DB_PASSWORD given in plain text", cname)
			}

			switch args[0] {
			case "migrate":
				if o.kind() == "Job" {
					sawMigrateJob = true
					if rp := yamlStr(spec["restartPolicy"]); rp != "Never" && rp != "OnFailure" {
						t.Errorf("%s: restartPolicy %q", where, rp)
					}
				}
			case "run":
				runsLoader = true
				sawLoader = true
				loaderTopic = env["KAFKA_TOPIC"]
				if loaderTopic == "" {
					loaderTopic = sub.defaults["kafka-topic"]
				}
				if env["KAFKA_BROKERS"] == "" {
					t.Errorf("%s: KAFKA_BROKERS not set", cname)
				}
				loaderPort = httpPort(t, h, env)
				checkLoaderContainer(t, cname, c, loaderPort, env, sub)
			}
		}
		if runsLoader {
			if o.kind() != "Deployment" || len(yamlMaps(spec["containers"])) < 2 {
				t.Errorf("%s: the loader should be a sidecar next to Rasa in one Deployment", where)
			}
			grace, ok := spec["terminationGracePeriodSeconds"].(int)
			if !ok || grace < 30 || time.Duration(grace)*time.Second < loaderStopBudget {
				t.Errorf("%s: terminationGracePeriodSeconds %v: want at least %s, the loader's worst-case stop", where, spec["terminationGracePeriodSeconds"], loaderStopBudget)
			}
			loaderPodLabels, _ = yamlDig(o.doc, "spec", "template", "metadata", "labels").(map[string]any)
		}
	}
	if !sawLoader {
		t.Fatal("no container runs `analyticsdb run`")
	}
	if !sawMigrateJob {
		t.Error("no Job runs `analyticsdb migrate`")
	}
	// Two roles (docs/operations.md, "Roles"): the loader's URL is not the
	// schema owner's, which the migration Job uses.
	if databaseKeys["run"] == "" || databaseKeys["run"] == databaseKeys["migrate"] {
		t.Errorf("the loader and the migration Job read DATABASE_URL from Secret keys %q and %q: want the loader's role and the owner's", databaseKeys["run"], databaseKeys["migrate"])
	}
	if !sawRasa {
		t.Error("no rasa/rasa-pro container")
	}

	// Prometheus finds /metrics: a Service selecting the loader's pods, with
	// the scrape annotations and a port that reaches the metrics port.
	var scraped bool
	for _, o := range objects {
		if o.kind() != "Service" || yamlStr(yamlDig(o.doc, "metadata", "annotations", "prometheus.io/scrape")) != "true" {
			continue
		}
		sel, _ := yamlDig(o.doc, "spec", "selector").(map[string]any)
		matches := len(sel) > 0
		for k, v := range sel {
			if loaderPodLabels[k] != v {
				matches = false
			}
		}
		if !matches {
			continue
		}
		if p := yamlStr(yamlDig(o.doc, "metadata", "annotations", "prometheus.io/port")); p != strconv.Itoa(loaderPort) {
			t.Errorf("Service %s: prometheus.io/port %q, loader serves /metrics on %d", o.name(), p, loaderPort)
		}
		if p := yamlStr(yamlDig(o.doc, "metadata", "annotations", "prometheus.io/path")); p != "" && p != "/metrics" {
			t.Errorf("Service %s: prometheus.io/path %q", o.name(), p)
		}
		for _, p := range yamlMaps(yamlDig(o.doc, "spec", "ports")) {
			if target := yamlStr(p["targetPort"]); target == "metrics" || target == strconv.Itoa(loaderPort) {
				scraped = true
			}
		}
	}
	if !scraped {
		t.Error("no Service with prometheus.io/scrape selects the loader pods on the metrics port")
	}

	// Rasa's endpoints.yml publishes to the loader's topic, by sender.
	var sawBroker bool
	for _, data := range configMaps {
		raw, ok := data["endpoints.yml"]
		if !ok {
			continue
		}
		var endpoints struct {
			EventBroker map[string]any `yaml:"event_broker"`
		}
		if err := yaml.Unmarshal([]byte(raw), &endpoints); err != nil {
			t.Fatalf("endpoints.yml: %v", err)
		}
		b := endpoints.EventBroker
		sawBroker = true
		if b["type"] != "kafka" || b["partition_by_sender"] != true || yamlStr(b["topic"]) != loaderTopic {
			t.Errorf("endpoints.yml event_broker %v: want type kafka, partition_by_sender true, topic %s", b, loaderTopic)
		}
	}
	if !sawBroker {
		t.Error("no ConfigMap holds Rasa's endpoints.yml")
	}
}

// checkLoaderContainer: ports, probes and resources of the `run` sidecar.
func checkLoaderContainer(t *testing.T, cname string, c map[string]any, port int, env map[string]string, run *cliCommand) {
	named := map[string]int{}
	var exposed bool
	for _, p := range yamlMaps(c["ports"]) {
		n, _ := p["containerPort"].(int)
		if name := yamlStr(p["name"]); name != "" {
			named[name] = n
		}
		exposed = exposed || n == port
	}
	if !exposed {
		t.Errorf("%s: containerPort %d (--http-address) not declared", cname, port)
	}
	if c["livenessProbe"] == nil {
		t.Errorf("%s: no livenessProbe", cname)
	}
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		p, ok := c[probe].(map[string]any)
		if !ok {
			continue
		}
		path := yamlStr(yamlDig(p, "httpGet", "path"))
		target := yamlDig(p, "httpGet", "port")
		n, isNum := target.(int)
		if !isNum {
			n = named[yamlStr(target)]
		}
		// Readiness asks /readyz; liveness and start-up /livez, which
		// stays 200 while the loader waits for PostgreSQL or Kafka.
		want := map[string]string{"livenessProbe": "/livez", "readinessProbe": "/readyz", "startupProbe": "/livez"}[probe]
		if path != want || n != port {
			t.Errorf("%s: %s gets %q on port %v; want %s on %d", cname, probe, path, target, want, port)
		}
	}

	limitMem := yamlStr(yamlDig(c, "resources", "limits", "memory"))
	reqMem := yamlStr(yamlDig(c, "resources", "requests", "memory"))
	reqCPU := yamlStr(yamlDig(c, "resources", "requests", "cpu"))
	if limitMem == "" || reqMem == "" || reqCPU == "" {
		t.Fatalf("%s: set resources.requests.cpu, requests.memory and limits.memory (got %v)", cname, c["resources"])
	}
	limit, request := parseQuantity(t, limitMem), parseQuantity(t, reqMem)
	if limit < request {
		t.Errorf("%s: memory limit %s below request %s", cname, limitMem, reqMem)
	}
	// The GC's soft limit must sit well under the hard one: the measured RSS
	// runs ~20 MB above it.
	softMB, ok := env["MEMORY_LIMIT_MB"]
	if !ok {
		softMB = run.defaults["memory-limit-mb"]
	}
	soft, err := strconv.ParseInt(softMB, 10, 64)
	if err != nil {
		t.Fatalf("%s: MEMORY_LIMIT_MB %q", cname, softMB)
	}
	if soft <= 0 || (soft+20)<<20 > request {
		t.Errorf("%s: memory request %s does not cover MEMORY_LIMIT_MB=%d plus the ~20 MB the loader uses beyond its heap", cname, reqMem, soft)
	}
}

// ---------------------------------------------------------------------------
// Dockerfile and .dockerignore

type dockerInstruction struct {
	cmd  string // upper case
	args string
}

// readDockerfile returns the instructions, continuation lines joined.
func readDockerfile(t *testing.T) []dockerInstruction {
	t.Helper()
	f, err := os.Open(filepath.Join(deployRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []dockerInstruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if l, cont := strings.CutSuffix(line, `\`); cont {
			cur.WriteString(l + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, dockerInstruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func goDirective(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	return string(m[1])
}

// versionAtLeast compares dotted versions numerically ("1.26.8" >= "1.26").
func versionAtLeast(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := range w {
		if i >= len(h) {
			return false // "1.26" may be older than "1.26.8"
		}
		a, _ := strconv.Atoi(h[i])
		b, _ := strconv.Atoi(w[i])
		if a != b {
			return a > b
		}
	}
	return true
}

func TestDockerfile(t *testing.T) {
	h := binaryHelp(t)
	ins := readDockerfile(t)
	var froms []string
	lastFrom := -1
	for i, in := range ins {
		if in.cmd == "FROM" {
			fields := strings.Fields(in.args)
			image := ""
			for _, f := range fields {
				if !strings.HasPrefix(f, "--") {
					image = f
					break
				}
			}
			froms = append(froms, image)
			lastFrom = i
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, FROM images: %v", froms)
	}
	for _, img := range froms {
		if err := imagePinned(img, false); err != nil && !isStageName(img, ins) {
			t.Errorf("FROM %s", err)
		}
	}
	builder := froms[0]
	if !strings.HasPrefix(builder, "golang:") {
		t.Errorf("build stage FROM %s, want golang:<version>", builder)
	} else {
		tag, _, _ := strings.Cut(strings.TrimPrefix(builder, "golang:"), "-")
		if want := goDirective(t); !versionAtLeast(tag, want) {
			t.Errorf("FROM %s is older than go.mod's go %s", builder, want)
		}
	}
	final := froms[len(froms)-1]
	if !strings.Contains(final, "distroless/static") && final != "scratch" {
		t.Errorf("runtime stage FROM %s, want distroless/static or scratch", final)
	}

	var built bool
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			if !strings.Contains(in.args, "CGO_ENABLED=0") || !strings.Contains(in.args, "./cmd/analyticsdb") {
				t.Errorf("RUN %s: want CGO_ENABLED=0 go build ... ./cmd/analyticsdb", in.args)
			}
			built = true
		}
	}
	if !built {
		t.Error("no RUN go build")
	}

	var user, entrypoint, cmd string
	var exposed []string
	for _, in := range ins[lastFrom+1:] {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "CMD":
			cmd = in.args
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("runtime stage USER %q: want a non-root user", user)
	}
	var ep []string
	if err := json.Unmarshal([]byte(entrypoint), &ep); err != nil || len(ep) != 1 || filepath.Base(ep[0]) != "analyticsdb" {
		t.Errorf("ENTRYPOINT %s: want the exec form [\"/…/analyticsdb\"]", entrypoint)
	}
	var c []string
	if err := json.Unmarshal([]byte(cmd), &c); err != nil || len(c) == 0 || h.commands[c[0]] == nil || c[0] != "run" {
		t.Errorf("CMD %s: want [\"run\"]", cmd)
	}
	port := strconv.Itoa(httpPort(t, h, nil))
	if !slices.ContainsFunc(exposed, func(p string) bool { return strings.TrimSuffix(p, "/tcp") == port }) {
		t.Errorf("EXPOSE %v: want %s, the --http-address port", exposed, port)
	}
}

func isStageName(name string, ins []dockerInstruction) bool {
	for _, in := range ins {
		if in.cmd == "FROM" && strings.HasSuffix(strings.ToLower(in.args), " as "+strings.ToLower(name)) {
			return true
		}
	}
	return false
}

// dockerignoreMatcher follows the .dockerignore rules: patterns relative to
// the context root, * and ? within a segment, ** across segments, a matching
// directory excludes what it holds, and !pattern re-includes; the last
// matching line wins.
type dockerignoreMatcher struct {
	rules []struct {
		re      *regexp.Regexp
		exclude bool
	}
}

func readDockerignore(t *testing.T) *dockerignoreMatcher {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	m := &dockerignoreMatcher{}
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		exclude := true
		if p, ok := strings.CutPrefix(line, "!"); ok {
			line, exclude = p, false
		}
		line = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch ch := line[i]; {
			case strings.HasPrefix(line[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(line[i:], "**"):
				re.WriteString(".*")
				i++
			case ch == '*':
				re.WriteString("[^/]*")
			case ch == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(ch)))
			}
		}
		re.WriteString("(/.*)?$") // a directory takes its contents with it
		m.rules = append(m.rules, struct {
			re      *regexp.Regexp
			exclude bool
		}{regexp.MustCompile(re.String()), exclude})
	}
	return m
}

func (m *dockerignoreMatcher) excluded(path string) bool {
	out := false
	for _, r := range m.rules {
		if r.re.MatchString(path) {
			out = r.exclude
		}
	}
	return out
}

func TestDockerignore(t *testing.T) {
	m := readDockerignore(t)
	// Sanity of the matcher itself.
	for path, want := range map[string]bool{".git/config": true, "docs/operations.md": true, "go.mod": false} {
		if got := m.excluded(path); got != want {
			t.Errorf("matcher: %s excluded = %v, want %v", path, got, want)
		}
	}

	// Everything `go build ./cmd/analyticsdb` reads must be in the context:
	// go.mod, go.sum, and the Go and embedded files of every package of this
	// module the command depends on.
	root, err := filepath.Abs(deployRoot)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,EmbedFiles,Module", "./cmd/analyticsdb")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Dir     string
			GoFiles, EmbedFiles []string
			Module              *struct{ Main bool }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			needed = append(needed, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(needed) < 10 {
		t.Fatalf("go list found only %v", needed)
	}
	for _, f := range needed {
		if m.excluded(f) {
			t.Errorf(".dockerignore excludes %s, which go build ./cmd/analyticsdb needs", f)
		}
	}
}
