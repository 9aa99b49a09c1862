package main

import (
	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/urfave/cli/v2"
)

// databaseFlags are the connection settings (docs/decisions.md, "Connection settings"), each also read from
// its environment variable.
func databaseFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "database-url", EnvVars: []string{"DATABASE_URL"}, Usage: "PostgreSQL URL; overrides the --db-* parts"},
		&cli.StringFlag{Name: "db-host", EnvVars: []string{"DB_HOST"}, Usage: "PostgreSQL host"},
		&cli.IntFlag{Name: "db-port", EnvVars: []string{"DB_PORT"}, Value: pgurl.DefaultPort, Usage: "PostgreSQL port"},
		&cli.StringFlag{Name: "db-name", EnvVars: []string{"DB_NAME"}, Value: pgurl.DefaultName, Usage: "database name"},
		&cli.StringFlag{Name: "db-user", EnvVars: []string{"DB_USER"}, Value: pgurl.DefaultUser, Usage: "database user"},
		&cli.StringFlag{Name: "db-password", EnvVars: []string{"DB_PASSWORD"}, Usage: "database password (never logged)"},
		&cli.StringFlag{Name: "db-sslmode", EnvVars: []string{"DB_SSLMODE"}, Usage: "libpq sslmode (disable, require, verify-full, ...); default: TLS if the server offers it"},
	}
}

func logFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-format", EnvVars: []string{"LOG_FORMAT"}, Value: "text", Usage: "text or json"},
		&cli.BoolFlag{Name: "verbose", EnvVars: []string{"VERBOSE"}, Usage: "debug logging"},
	}
}

// databaseURL is the configured URL, or "" when neither DATABASE_URL nor
// DB_HOST is set. A URL whose password a driver would misread (and print, in
// its errors) is refused here, before any driver sees it.
func databaseURL(c *cli.Context) (string, error) {
	u := pgurl.Build(pgurl.Parts{
		URL:      c.String("database-url"),
		Host:     c.String("db-host"),
		Port:     c.Int("db-port"),
		Name:     c.String("db-name"),
		User:     c.String("db-user"),
		Password: c.String("db-password"),
		SSLMode:  c.String("db-sslmode"),
	})
	if err := checkURL(u); err != nil {
		return "", err
	}
	return u, nil
}

// checkURL is pgurl.Check as a usage error (exit code 2).
func checkURL(u string) error {
	if err := pgurl.Check(u); err != nil {
		return cli.Exit(err.Error(), 2)
	}
	return nil
}

// requireDatabaseURL is databaseURL for commands that cannot start their own database.
func requireDatabaseURL(c *cli.Context) (string, error) {
	u, err := databaseURL(c)
	if err != nil || u != "" {
		return u, err
	}
	return "", cli.Exit("no database: set DATABASE_URL (or DB_HOST and friends), e.g. "+
		"postgresql://studio_backend:studio_backend@localhost:5432/studio", 2)
}

func withFlags(groups ...[]cli.Flag) []cli.Flag {
	var all []cli.Flag
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}
