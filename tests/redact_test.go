package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRedactMalformedDatabaseURLs runs every command that reads DATABASE_URL
// (or DB_*, or bench's --server-url) with URLs whose password a parser may
// misread: an unclosed IPv6 bracket, a password holding '@', '#', '/', '?',
// ':', '%', spaces or non-ASCII, a scheme without "//", key=value settings
// with a quoted password, and well-formed URLs to a closed port for
// comparison; in text and JSON log formats, verbose. It fails when the
// password, or any of the random words it is made of, appears in what the
// command printed. No database is needed: each command fails at the URL, at
// once, which is also checked (a command that printed nothing proves nothing).
func TestRedactMalformedDatabaseURLs(t *testing.T) {
	t.Parallel()
	loaderBinary(t)
	closed := closedPort(t)
	_, port, _ := strings.Cut(closed, ":")

	type target struct {
		name  string
		env   []string
		words []string // the password's random parts: none may be printed
	}
	var targets []target
	add := func(name string, build func(a, b string) []string) {
		a, b := "Qa"+randomSuffix(), "Qb"+randomSuffix()
		targets = append(targets, target{name: name, env: build(a, b), words: []string{a, b}})
	}
	dbURL := func(s string) []string { return []string{"DATABASE_URL=" + s, "BENCH_SERVER_URL=" + s} }
	add("unclosed IPv6 bracket", func(a, b string) []string { return dbURL("postgres://x:" + a + b + "@[::1") })
	add("'@' and '#' (issue 15)", func(a, b string) []string {
		return dbURL("postgres://studio:" + a + "@" + b + "#w0rd@" + closed + "/studio")
	})
	add("a space", func(a, b string) []string { return dbURL("postgres://u:" + a + " " + b + "@" + closed + "/db") })
	add("'@' twice", func(a, b string) []string { return dbURL("postgres://u:" + a + "@" + b + "@" + closed + "/db") })
	add("'/' after digits", func(a, b string) []string { return dbURL("postgres://u:12/" + a + ":" + b + "@" + closed + "/db") })
	add("'?'", func(a, b string) []string { return dbURL("postgres://u:" + a + "?" + b + "@" + closed + "/db") })
	add("bad '%' escape", func(a, b string) []string { return dbURL("postgres://u:" + a + "%zz" + b + "@" + closed + "/db") })
	add("non-ASCII", func(a, b string) []string {
		return dbURL("postgres://u:" + a + "pässwörd€" + b + "@" + closed + "/db")
	})
	add("unclosed bracket after '@' and ':'", func(a, b string) []string {
		return dbURL("postgresql://u:" + a + ":@" + b + "@[fe80::1%25eth0/db")
	})
	add("no '//' after the scheme", func(a, b string) []string { return dbURL("postgres:u:" + a + "@" + b + "@" + closed + "/db") })
	add("key=value, quoted, unclosed", func(a, b string) []string {
		return dbURL("host=127.0.0.1 port=" + port + " user=u password='" + a + " " + b)
	})
	// Well-formed, to a closed port: the drivers' own errors.
	add("well-formed URL", func(a, b string) []string {
		return dbURL("postgres://u:" + a + "%40%23" + b + "@" + closed + "/db?sslmode=disable")
	})
	add("password query parameter", func(a, b string) []string {
		return dbURL("postgres://u@" + closed + "/db?sslmode=disable&password=" + a + "%20" + b)
	})
	add("key=value, quoted", func(a, b string) []string {
		return dbURL("host=127.0.0.1 port=" + port + " user=u password='" + a + " @ " + b + "' sslmode=disable")
	})
	add("DB_PASSWORD", func(a, b string) []string {
		return []string{"DB_HOST=127.0.0.1", "DB_PORT=" + port, "DB_PASSWORD=" + a + "@ #/" + b, "DB_SSLMODE=disable"}
	})
	add("PGPASSWORD", func(a, b string) []string {
		return []string{"PGHOST=127.0.0.1", "PGPORT=" + port, "PGPASSWORD=" + a + "@ #/" + b, "PGSSLMODE=disable"}
	})
	add("PGPASSWORD under a DATABASE_URL without one", func(a, b string) []string {
		return append(dbURL("postgres://u@"+closed+"/db?sslmode=disable"), "PGPASSWORD="+a+"@ #/"+b)
	})

	jsonl := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(jsonl, []byte(`{"sender_id": "a", "event": "user", "timestamp": 1730000000}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commands := [][]string{
		{"migrate"}, {"rollback"}, {"status"}, {"refresh"}, {"recompute"},
		{"review", "00000000-0000-0000-0000-000000000000", "REVIEWED"},
		{"grant-readonly", "--password", "not-this-one"},
		{"replay", jsonl}, {"replay-rejected"},
		{"run", "--kafka-brokers", "127.0.0.1:1", "--http-address", "", "--start-timeout", "1s"},
		{"sql", "dump-schema", "--root", t.TempDir()},
		{"demo", "--events", "10"},
		{"bench", "--events", "10", "--history", "0", "--rounds", "1"},
	}

	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, tg := range targets {
		for _, args := range commands {
			vars := strings.Join(tg.env, "\n")
			if args[0] == "bench" && !strings.Contains(vars, "BENCH_SERVER_URL=") ||
				args[0] == "demo" && !strings.Contains(vars, "DATABASE_URL=") && !strings.Contains(vars, "DB_HOST=") {
				continue // it would start its own server and run (the demo ignores PG*)
			}
			for _, format := range []string{"text", "json"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					env := append([]string{"LOG_FORMAT=" + format, "VERBOSE=true"}, tg.env...)
					ch, err := startChildE(t, "redact-"+args[0], args, env...)
					if err != nil {
						t.Error(err)
						return
					}
					select {
					case <-ch.done:
					case <-time.After(time.Minute):
						ch.killAndWait()
						t.Errorf("%s: analyticsdb %s did not finish", tg.name, strings.Join(args, " "))
					}
					out := ch.out.String()
					mu.Lock()
					defer mu.Unlock()
					what := fmt.Sprintf("%s, %s logs: `analyticsdb %s`", tg.name, format, strings.Join(args, " "))
					if ch.err == nil || strings.TrimSpace(out) == "" {
						t.Errorf("%s succeeded or printed nothing (err %v), so it proves nothing:\n%s", what, ch.err, out)
					}
					for _, w := range tg.words {
						if strings.Contains(out, w) {
							t.Errorf("%s printed part of the password:\n%s", what, strings.ReplaceAll(out, w, "<PASSWORD PART>"))
							break
						}
					}
				}()
			}
		}
	}
	wg.Wait()
}
