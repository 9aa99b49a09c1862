package main

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

// TestExitRedacts: exit is where every command's error becomes output,
// cli.Exit's included (urfave/cli would otherwise print those itself).
func TestExitRedacts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		want string
	}{
		{fmt.Errorf("connect: %w", errors.New(`parse "postgres://x:s3cret@[::1": missing ']'`)), 1,
			"analyticsdb: connect: parse \"postgres://x:xxxxx@[::1\": missing ']'\n"},
		{cli.Exit("bad postgres://studio:p@ss#w0rd@127.0.0.1:1/studio", 2), 2,
			"bad postgres://studio:xxxxx@127.0.0.1:1/studio\n"},
		{cli.Exit("", 3), 3, ""},
	} {
		var out strings.Builder
		if code := exit(&out, tc.err); code != tc.code || out.String() != tc.want {
			t.Errorf("exit(%v) = %d, printed %q; want %d, %q", tc.err, code, out.String(), tc.code, tc.want)
		}
	}
}

// TestStatusRedacts: status prints what the database and Kafka say, redacted.
func TestStatusRedacts(t *testing.T) {
	st := loader.Status{Partitions: []loader.PartitionStatus{{Topic: "t", ConsumerGroup: "postgres://u:s3cret@h/db", EndOffset: -1}}}
	var out strings.Builder
	if err := printStatus(&out, st, "lag unknown: dial postgres://u:s3cret2@[::1"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "postgres://u:xxxxx@h/db") {
		t.Errorf("status shows a password, or lost the group:\n%s", out.String())
	}
}

func TestVersionNamesTheReleaseAndGo(t *testing.T) {
	if v := buildVersion(); !strings.HasSuffix(v, runtime.Version()) {
		t.Errorf("version %q does not end with the Go version", v)
	}
	version = "v9.9.9"
	defer func() { version = "" }()
	if v := buildVersion(); !strings.HasPrefix(v, "v9.9.9") {
		t.Errorf("version %q ignores the release version set at build time", v)
	}
}

// TestConnectionSettingsPrecedence: DATABASE_URL, then each part's flag, DB_*
// variable, libpq's PG* variable and default (docs/decisions.md, "Connection
// settings"); the demo ignores PG*.
func TestConnectionSettingsPrecedence(t *testing.T) {
	pg := map[string]string{"PGHOST": "pghost", "PGPORT": "6000", "PGDATABASE": "pgdb", "PGUSER": "pguser", "PGPASSWORD": "pgpw", "PGSSLMODE": "verify-full"}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		flags []cli.Flag
		want  string
	}{
		{"nothing set", nil, nil, databaseFlags(), ""},
		{"PG* only", pg, nil, databaseFlags(), "postgresql://pguser:pgpw@pghost:6000/pgdb?sslmode=verify-full"},
		{"PG* with a socket", map[string]string{"PGHOST": "/run/postgresql"}, nil, databaseFlags(),
			"postgresql://studio_backend@/studio?host=%2Frun%2Fpostgresql&port=5432"},
		{"DB_* over PG*, part by part", merge(pg, map[string]string{"DB_HOST": "dbhost", "DB_USER": "dbuser"}), nil, databaseFlags(),
			"postgresql://dbuser:pgpw@dbhost:6000/pgdb?sslmode=verify-full"},
		{"flags over DB_* and PG*", merge(pg, map[string]string{"DB_HOST": "dbhost"}), []string{"--db-host", "flaghost", "--db-port", "7000"}, databaseFlags(),
			"postgresql://pguser:pgpw@flaghost:7000/pgdb?sslmode=verify-full"},
		{"DATABASE_URL over everything", merge(pg, map[string]string{"DATABASE_URL": "postgres://u@urlhost/db", "DB_HOST": "dbhost"}), nil, databaseFlags(),
			"postgres://u@urlhost/db"},
		{"the demo ignores PG*", pg, nil, demoDatabaseFlags(), ""},
		{"the demo reads DB_*", map[string]string{"DB_HOST": "dbhost"}, nil, demoDatabaseFlags(), "postgresql://studio_backend@dbhost:5432/studio"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"DATABASE_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_SSLMODE",
				"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE"} {
				t.Setenv(k, tc.env[k])
			}
			var got string
			app := &cli.App{Flags: tc.flags, Action: func(c *cli.Context) (err error) {
				got, err = databaseURL(c)
				return err
			}}
			if err := app.Run(append([]string{"analyticsdb"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("URL %q, want %q", got, tc.want)
			}
		})
	}
}

func merge(ms ...map[string]string) map[string]string {
	all := map[string]string{}
	for _, m := range ms {
		maps.Copy(all, m)
	}
	return all
}
