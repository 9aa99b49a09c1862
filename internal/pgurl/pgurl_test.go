package pgurl

import (
	"cmp"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		parts Parts
		want  string
	}{
		{Parts{}, ""},
		{Parts{URL: "postgres://x@h/db"}, "postgres://x@h/db"},
		{Parts{Host: "db.internal"}, "postgresql://studio_backend@db.internal:5432/studio"},
		{Parts{Host: "h", Port: 6543, Name: "n", User: "u", Password: "p@ss/word", SSLMode: "require"},
			"postgresql://u:p%40ss%2Fword@h:6543/n?sslmode=require"},
		{Parts{Host: "::1"}, "postgresql://studio_backend@[::1]:5432/studio"},
		{Parts{Host: "/var/run/postgresql", Password: "pw"},
			"postgresql://studio_backend:pw@/studio?host=%2Fvar%2Frun%2Fpostgresql&port=5432"},
	} {
		if got := Build(tc.parts); got != tc.want {
			t.Errorf("Build(%+v) = %q, want %q", tc.parts, got, tc.want)
		}
		if tc.want == "" {
			continue
		}
		if err := Check(tc.want); err != nil {
			t.Errorf("Check refuses what Build made: %v", err)
		}
	}
}

// TestBuildReadsAsMeant: pgx reads every part of a built URL as the part it
// was built from, a Unix socket directory included.
func TestBuildReadsAsMeant(t *testing.T) {
	clearLibPQEnv(t)
	for _, p := range []Parts{
		{Host: "db.example.com", Port: 6543, Name: "n", User: "u", Password: "p@ss w/rd?#%", SSLMode: "disable"},
		{Host: "/tmp/sockets", Port: 5433, Name: "studio", User: "studio_backend", SSLMode: "disable"},
	} {
		cfg, err := pgconn.ParseConfig(Build(p))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Host != p.Host || int(cfg.Port) != p.Port || cfg.Database != p.Name || cfg.User != p.User || cfg.Password != p.Password {
			t.Errorf("pgx reads %+v as host %q port %d database %q user %q password %q", p, cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.Password)
		}
	}
}

func TestForLibPQ(t *testing.T) {
	clearLibPQEnv(t)
	for in, want := range map[string]string{
		"postgres://u@localhost/db":                          "postgres://u@localhost/db?sslmode=disable",
		"postgres://u@127.0.0.1:5432/db?sslmode=prefer":      "postgres://u@127.0.0.1:5432/db?sslmode=disable",
		"postgres://u@db.example.com/db":                     "postgres://u@db.example.com/db?sslmode=require",
		"postgres://u@db.example.com/db?sslmode=verify-full": "postgres://u@db.example.com/db?sslmode=verify-full",
		"postgres://u@h/db?sslmode=disable":                  "postgres://u@h/db?sslmode=disable",
		"postgres://u@/db?host=/run/pg":                      "postgres://u@/db?host=%2Frun%2Fpg&sslmode=disable",
	} {
		if got := ForLibPQ(in); got != want {
			t.Errorf("ForLibPQ(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestForLibPQAgreesWithPgx: with libpq's variables set, migrations (lib/pq
// through dbmate, which fills in a host and port of its own when the URL has
// none) connect to the host and port pgx connects to, with the sslmode pgx
// would use (prefer and allow, which pq lacks, aside).
func TestForLibPQAgreesWithPgx(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		url  string
		mode string // lib/pq's sslmode
	}{
		{map[string]string{"PGHOST": "db.example.com", "PGPORT": "6543"}, "postgres://u@/studio", "require"},
		{map[string]string{"PGHOST": "db.example.com", "PGSSLMODE": "verify-full"}, "postgres://u@/studio", "verify-full"},
		{map[string]string{"PGPORT": "6543", "PGSSLMODE": "verify-ca"}, "postgres://u@h.example.com/studio", "verify-ca"},
		{map[string]string{"PGHOST": "/run/pg", "PGPORT": "5433"}, "postgresql:///studio", "disable"},
		{map[string]string{"PGHOST": "elsewhere", "PGPORT": "1", "PGSSLMODE": "require"}, "postgres://u@h:5432/studio?sslmode=disable", "disable"},
		{map[string]string{"PGSSLMODE": "prefer"}, "postgres://u@10.0.0.1/studio", "require"},
	} {
		clearLibPQEnv(t)
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		pq, err := url.Parse(ForLibPQ(tc.url))
		if err != nil {
			t.Fatal(err)
		}
		q := pq.Query()
		host, port := pq.Hostname(), pq.Port()
		if h := q.Get("host"); h != "" {
			host = h
		}
		port = cmp.Or(q.Get("port"), port, "5432") // dbmate's default port

		cfg, err := pgconn.ParseConfig(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if host != cfg.Host || port != strconv.Itoa(int(cfg.Port)) || q.Get("sslmode") != tc.mode {
			t.Errorf("%v %s: lib/pq gets %s (host %q port %q), pgx connects to %s:%d; want sslmode %s",
				tc.env, tc.url, pq, host, port, cfg.Host, cfg.Port, tc.mode)
		}
	}
}

func clearLibPQEnv(t *testing.T) {
	for _, k := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE", "PGSERVICE"} {
		t.Setenv(k, "")
	}
}

// TestCheckLibPQEnv: lib/pq panics on these variables, even empty: migrations
// refuse to start instead.
func TestCheckLibPQEnv(t *testing.T) {
	if err := CheckLibPQEnv(); err != nil {
		t.Skipf("the test's own environment: %v", err)
	}
	t.Setenv("PGSYSCONFDIR", "")
	t.Setenv("PGSERVICE", "svc")
	err := CheckLibPQEnv()
	if err == nil || !strings.Contains(err.Error(), "PGSERVICE, PGSYSCONFDIR") {
		t.Errorf("CheckLibPQEnv() = %v", err)
	}
}
