package main

import (
	"cmp"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/urfave/cli/v2"
)

// databaseFlags are the connection settings (docs/decisions.md, "Connection
// settings"): each --db-* flag, else its DB_* variable, else libpq's PG*
// variable, else its default; DATABASE_URL overrides them all.
func databaseFlags() []cli.Flag { return connectionFlags(true) }

// demoDatabaseFlags are databaseFlags without libpq's variables: PG* set for
// psql must not make the demo write into that database instead of starting
// its own.
func demoDatabaseFlags() []cli.Flag { return connectionFlags(false) }

func connectionFlags(libpq bool) []cli.Flag {
	env := func(name, pg string) []string {
		if libpq {
			return []string{name, pg}
		}
		return []string{name}
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "database-url", EnvVars: []string{"DATABASE_URL"}, Usage: "PostgreSQL URL; overrides the --db-* parts"},
		&cli.StringFlag{Name: "db-host", EnvVars: env("DB_HOST", "PGHOST"), Usage: "PostgreSQL host, or the directory of its Unix socket"},
		&cli.IntFlag{Name: "db-port", EnvVars: env("DB_PORT", "PGPORT"), DefaultText: strconv.Itoa(pgurl.DefaultPort), Usage: "PostgreSQL port"},
		&cli.StringFlag{Name: "db-name", EnvVars: env("DB_NAME", "PGDATABASE"), DefaultText: pgurl.DefaultName, Usage: "database name"},
		&cli.StringFlag{Name: "db-user", EnvVars: env("DB_USER", "PGUSER"), DefaultText: pgurl.DefaultUser, Usage: "database user"},
		&cli.StringFlag{Name: "db-password", EnvVars: env("DB_PASSWORD", "PGPASSWORD"), Usage: "database password (never logged)"},
		&cli.StringFlag{Name: "db-sslmode", EnvVars: env("DB_SSLMODE", "PGSSLMODE"), Usage: "libpq sslmode (disable, require, verify-full, ...); default: TLS if the server offers it"},
	}
}

func logFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-format", EnvVars: []string{"LOG_FORMAT"}, Value: "text", Usage: "text or json"},
		&cli.BoolFlag{Name: "verbose", EnvVars: []string{"VERBOSE"}, Usage: "debug logging"},
	}
}

// databaseURL is the configured URL, or "" when neither DATABASE_URL nor a
// host (--db-host, DB_HOST, PGHOST) is set. A URL whose password a driver would misread (and print, in
// its errors) is refused here, before any driver sees it.
func databaseURL(c *cli.Context) (string, error) {
	port := c.Int("db-port")
	if p := fromEnv(c, "db-port"); port == 0 && p != "" {
		var err error
		if port, err = strconv.Atoi(p); err != nil {
			return "", usagef(c, "database port %q (from the environment) is not a number", p)
		}
	}
	u := pgurl.Build(pgurl.Parts{
		URL:      c.String("database-url"),
		Host:     setting(c, "db-host"),
		Port:     port,
		Name:     setting(c, "db-name"),
		User:     setting(c, "db-user"),
		Password: setting(c, "db-password"),
		SSLMode:  setting(c, "db-sslmode"),
	})
	if err := checkURL(c, u); err != nil {
		return "", err
	}
	return u, nil
}

// setting is a connection flag's value, else fromEnv's; pgurl.Build fills in
// the defaults.
func setting(c *cli.Context, name string) string { return cmp.Or(c.String(name), fromEnv(c, name)) }

// fromEnv is the first of a flag's variables that is set and not empty:
// urfave/cli stops at the first one set, but an empty DB_HOST (as Compose
// passes an unset ${DB_HOST:-}) must not hide PGHOST, and libpq too reads an
// empty variable as unset.
func fromEnv(c *cli.Context, name string) string {
	if f, ok := lookupFlag(c.Command.Flags, name).(cli.DocGenerationFlag); ok {
		for _, v := range f.GetEnvVars() {
			if value := os.Getenv(v); value != "" {
				return value
			}
		}
	}
	return ""
}

// checkURL reports a URL pgurl.Check refuses, or pgx cannot read, as a
// usage error.
func checkURL(c *cli.Context, u string) error {
	if err := pgurl.Check(u); err != nil {
		return usagef(c, "%v", err)
	}
	if u == "" {
		return nil
	}
	if _, err := pgconn.ParseConfig(u); err != nil {
		return usagef(c, "%v", pgurl.RedactError(err, u))
	}
	return nil
}

// requireDatabaseURL is databaseURL for commands that cannot start their own database.
func requireDatabaseURL(c *cli.Context) (string, error) {
	u, err := databaseURL(c)
	if err != nil || u != "" {
		return u, err
	}
	return "", usagef(c, "no database: set DATABASE_URL (or DB_HOST and friends, or libpq's PGHOST and friends), e.g. "+
		"postgresql://studio_backend:studio_backend@localhost:5432/studio")
}

func withFlags(groups ...[]cli.Flag) []cli.Flag {
	var all []cli.Flag
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}
