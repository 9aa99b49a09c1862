package tests

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/traffic"
)

// runCLIEnv runs the analyticsdb binary with only env (no DATABASE_URL, DB_*
// or PG* of the test's own) and returns what it printed and its exit code.
func runCLIEnv(t testing.TB, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, loaderBinary(t), args...)
	cmd.Env = childEnv(env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		return string(out), exit.ExitCode()
	default:
		t.Errorf("analyticsdb %s: %v\n%s", strings.Join(args, " "), err, out)
		return string(out), -1
	}
}

// libpqEnv is libpq's variables for the database at dbURL.
func libpqEnv(t *testing.T, dbURL string) []string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PGHOST=" + u.Hostname(), "PGPORT=" + u.Port(), "PGDATABASE=" + strings.TrimPrefix(u.Path, "/"),
		"PGUSER=" + u.User.Username(), "PGSSLMODE=disable"}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
	}
	return env
}

// TestLibPQVariablesAlone: with nothing but libpq's PG* variables, migrate
// (lib/pq through dbmate), status and erase (pgx) reach the database they
// name; and a DATABASE_URL without a host or port gets them from PGHOST and
// PGPORT in both drivers (docs/decisions.md, "Connection settings").
func TestLibPQVariablesAlone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const sender = "pg-env-sender"
	msgs := newScript(sender, "bank", "m1", day("2024-11-04 10:00:00")).startSession().user("hi", "rest").bot("hello").msgs
	b.load(msgs)
	env := libpqEnv(t, b.db.URL)

	for _, args := range [][]string{{"migrate"}, {"status"}} {
		if out, code := runCLIEnv(t, env, args...); code != 0 {
			t.Errorf("%s with PG* only: exit %d\n%s", args[0], code, out)
		}
	}
	out, code := runCLIEnv(t, env, "erase", "--sender", sender)
	if want := fmt.Sprintf("erased %d events, 1 conversations", len(msgs)); code != 0 || !strings.Contains(out, want) {
		t.Errorf("erase with PG* only: exit %d, printed %q, want %q: it did not reach the test's database", code, out, want)
	}

	// DATABASE_URL names the database and user, PGHOST and PGPORT the server.
	u, _ := url.Parse(b.db.URL)
	partial := []string{"DATABASE_URL=postgres://" + u.User.String() + "@" + u.Path + "?sslmode=disable",
		"PGHOST=" + u.Hostname(), "PGPORT=" + u.Port()}
	for _, args := range [][]string{{"migrate"}, {"status"}} {
		if out, code := runCLIEnv(t, partial, args...); code != 0 {
			t.Errorf("%s with a DATABASE_URL without host and port, and PGHOST, PGPORT: exit %d\n%s", args[0], code, out)
		}
	}
}

// TestExitCodes: every command exits 2 with a short message (never the whole
// help page) for a usage mistake, 1 when the work fails, 0 when it is done
// (docs/operations.md, "Exit codes").
func TestExitCodes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	live := []string{"DATABASE_URL=" + b.db.URL}
	closed := []string{"DATABASE_URL=postgres://u@" + closedPort(t) + "/db?sslmode=disable"}
	none := []string{}
	jsonl := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(jsonl, []byte(`{"sender_id": "a", "event": "user", "timestamp": 1730000000}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const id = "00000000-0000-0000-0000-000000000001"

	type tc struct {
		env  []string
		args []string
		code int
	}
	cases := []tc{
		// usage: what the command line or the settings say is wrong
		{none, []string{"nosuch"}, 2},
		{none, []string{"help", "nosuch"}, 2},
		{none, []string{"sql", "nosuch"}, 2},
		{none, []string{"--nosuch"}, 2},
		{none, []string{"status"}, 2}, // no database
		{none, []string{"migrate"}, 2},
		{live, []string{"migrate", "extra"}, 2},
		{live, []string{"status", "--db-port", "abc"}, 2},
		{append([]string{"DB_PORT=abc"}, none...), []string{"status"}, 2},
		{[]string{"PGPORT=abc", "PGHOST=127.0.0.1"}, []string{"status"}, 2},
		{[]string{"DATABASE_URL=not a url"}, []string{"status"}, 2},
		{append([]string{"PGSYSCONFDIR=/nowhere"}, live...), []string{"migrate"}, 2}, // lib/pq would panic
		{[]string{"DATABASE_URL=postgres://u@h:99999/db"}, []string{"migrate"}, 2},
		{[]string{"DATABASE_URL=postgres://u@h/db?sslmode=bogus"}, []string{"refresh"}, 2},
		{live, []string{"recompute", "--from", "2024-13-01"}, 2},
		{live, []string{"review"}, 2},
		{live, []string{"review", "not-a-uuid", "REVIEWED"}, 2},
		{live, []string{"review", id, "DONE"}, 2},
		{live, []string{"erase"}, 2},
		{live, []string{"grant-readonly"}, 2},
		{live, []string{"replay"}, 2},
		{live, []string{"replay", jsonl, "--batch-size", "10"}, 2}, // flags after the argument
		{live, []string{"replay-rejected", "--chunk", "x"}, 2},
		{live, []string{"run"}, 2}, // no Kafka
		{live, []string{"run", "--kafka-brokers", "127.0.0.1:1", "--pprof", "--pprof-address", ":6060"}, 2},
		{live, []string{"status", "--kafka-sasl-mechanism", "FOO"}, 2},
		{live, []string{"status", "--log-format", "xml"}, 2},
		{none, []string{"healthcheck", "extra"}, 2},
		{none, []string{"generate", "--events", "many"}, 2},
		{none, []string{"bench", "--server-url", "not a url"}, 2},
		{none, []string{"demo", "--days", "x"}, 2},
		{none, []string{"sql", "generate", "extra"}, 2},
		{none, []string{"sql", "dump-schema"}, 2},
		{none, []string{"sql", "check", "--nosuch"}, 2},

		// runtime: the database, a file or the server said no
		{closed, []string{"migrate"}, 1},
		{closed, []string{"rollback"}, 1},
		{closed, []string{"status"}, 1},
		{closed, []string{"refresh"}, 1},
		{closed, []string{"recompute"}, 1},
		{closed, []string{"review", id, "REVIEWED"}, 1},
		{closed, []string{"erase", "--sender", "x"}, 1},
		{closed, []string{"grant-readonly", "--password", "p"}, 1},
		{closed, []string{"replay", jsonl}, 1},
		{closed, []string{"replay-rejected"}, 1},
		{closed, []string{"run", "--kafka-brokers", "127.0.0.1:1", "--http-address", "", "--start-timeout", "1s"}, 1},
		{closed, []string{"demo", "--events", "10"}, 1},
		{closed, []string{"sql", "dump-schema", "--root", t.TempDir()}, 1},
		{live, []string{"review", id, "REVIEWED"}, 1}, // no such conversation
		{live, []string{"replay", filepath.Join(t.TempDir(), "missing.jsonl")}, 1},
		{none, []string{"healthcheck", "--http-address", closedPort(t)}, 1},
		{none, []string{"sql", "check", "--root", t.TempDir()}, 1},
		{none, []string{"bench", "--server-url", "postgres://u@" + closedPort(t) + "/postgres?sslmode=disable", "--events", "10", "--history", "0", "--rounds", "1"}, 1},

		// done
		{none, []string{}, 0},
		{none, []string{"--version"}, 0},
		{none, []string{"help"}, 0},
		{none, []string{"status", "--help"}, 0},
		{none, []string{"generate", "--events", "10"}, 0},
		{live, []string{"status"}, 0},
		{live, []string{"migrate"}, 0},
		{live, []string{"replay", jsonl}, 0},
	}
	loaderBinary(t)
	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out, code := runCLIEnv(t, c.env, c.args...)
			what := fmt.Sprintf("`analyticsdb %s`", strings.Join(c.args, " "))
			if code != c.code {
				t.Errorf("%s exited %d, want %d:\n%s", what, code, c.code, tail(out, 1500))
				return
			}
			if code == 2 {
				lines := strings.Count(strings.TrimSpace(out), "\n") + 1
				if lines > 3 || strings.Contains(out, "USAGE:") || !strings.Contains(out, "--help`") {
					t.Errorf("%s: a usage mistake gets a short message pointing to --help, not %d lines:\n%s", what, lines, tail(out, 1500))
				}
			}
		}()
	}
	wg.Wait()
}

// TestReplayLogsProgress: replay writing to a pipe (not a terminal) logs a
// progress line every --progress-interval, its counts growing up to the
// final ones.
func TestReplayLogsProgress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := traffic.DefaultConfig()
	cfg.Events = 5000
	file := filepath.Join(t.TempDir(), "export.jsonl")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traffic.WriteJSONL(context.Background(), cfg, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := runCLI(t, b, "replay", "--progress-interval", "20ms", "--batch-size", "100", file)
	final := regexp.MustCompile(`export\.jsonl: (\d+) lines`).FindStringSubmatch(out)
	if final == nil {
		t.Fatalf("no final line:\n%s", out)
	}
	total, _ := strconv.ParseInt(final[1], 10, 64)
	var seen []int64
	for _, m := range regexp.MustCompile(`msg="replay progress" file=\S+ lines=(\d+) `).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		seen = append(seen, n)
	}
	if len(seen) < 2 || !slices.IsSorted(seen) || seen[len(seen)-1] > total || strings.Contains(out, "\r") {
		t.Errorf("progress lines count %v of %d lines; want at least two, growing, no \\r:\n%s", seen, total, tail(out, 3000))
	}
	if !strings.Contains(out, "percent=") {
		t.Errorf("progress of a file names no percentage:\n%s", tail(out, 3000))
	}
}
