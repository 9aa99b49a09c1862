package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/internal/scram"
	"github.com/urfave/cli/v2"
)

// The plans of grant-readonly and grant-loader are computed by the database
// (functions/5*_role_statements.sql), so that the statements printed with
// --print are the very ones applied without it.
const (
	readonlyPlan  = `SELECT analytics.readonly_role_statements($1, $2, $3)`
	readonlyApply = `SELECT * FROM analytics.execute_statements(ARRAY(SELECT analytics.readonly_role_statements($1, $2, $3)))`
	loaderPlan    = `SELECT analytics.loader_role_statements($1, $2)`
	loaderApply   = `SELECT * FROM analytics.create_loader_role($1, $2)`
)

func grantReadonlyCommand() *cli.Command {
	return &cli.Command{
		Name: "grant-readonly",
		Usage: "create (or update) a login role that may only read the analytics tables and views, for BI tools " +
			"(it refuses existing roles it did not create; the password is sent as a SCRAM verifier); " +
			"run it as an administrator, or --print the statements for one",
		Flags: withFlags(databaseFlags(), logFlags(), roleFlags("analytics_reader", "READONLY"), []cli.Flag{
			&cli.BoolFlag{Name: "aggregates-only", EnvVars: []string{"READONLY_AGGREGATES_ONLY"},
				Usage: "the daily statistics and aggregate views only: no conversations, events, senders, users or texts"},
		}),
		Action: grantRoleAction(readonlyPlan, readonlyApply,
			func(c *cli.Context) []any { return []any{c.Bool("aggregates-only")} },
			func(c *cli.Context) string {
				if c.Bool("aggregates-only") {
					return "may now read the daily statistics and aggregate views (no personal data)"
				}
				return "may now read the analytics tables and views"
			}),
	}
}

func grantLoaderCommand() *cli.Command {
	return &cli.Command{
		Name: "grant-loader",
		Usage: "create (or update) the login role the loader runs as (run, replay, replay-rejected, status, refresh, " +
			"recompute, review), with only the rights those need; run it as an administrator, or --print the statements for one",
		Flags:  withFlags(databaseFlags(), logFlags(), roleFlags("analytics_loader", "LOADER")),
		Action: grantRoleAction(loaderPlan, loaderApply, nil, func(*cli.Context) string { return "may now load events" }),
	}
}

// roleFlags are the flags grant-readonly and grant-loader share; env is the
// prefix of their environment variables.
func roleFlags(role, env string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "role", Value: role, EnvVars: []string{env + "_ROLE"}},
		&cli.StringFlag{Name: "password", EnvVars: []string{env + "_PASSWORD"}, Required: true, Usage: "never logged nor sent: a SCRAM verifier is"},
		&cli.BoolFlag{Name: "print", Usage: "print the SQL (the password as a SCRAM verifier) for an administrator to run, and change nothing"},
	}
}

// grantRoleAction runs plan (which returns the statements that create and
// grant the role, from $1 role, $2 password and the extra arguments) and
// prints them with --print, or runs apply, the same statements applied.
// done says what the role may now do.
func grantRoleAction(plan, apply string, extra func(*cli.Context) []any, done func(*cli.Context) string) cli.ActionFunc {
	return func(c *cli.Context) error {
		return withPool(c, func(ctx context.Context, pool *pgxpool.Pool) error {
			// The server, and its log, only ever see a SCRAM verifier.
			verifier, err := scram.NewVerifier(c.String("password"))
			if err != nil {
				return err
			}
			args := []any{c.String("role"), verifier}
			if extra != nil {
				args = append(args, extra(c)...)
			}
			// Two calls, so that each SQL text is a constant the caller passed.
			var rows pgx.Rows
			if c.Bool("print") {
				rows, err = pool.Query(ctx, plan, args...)
			} else {
				rows, err = pool.Query(ctx, apply, args...)
			}
			if err != nil {
				return err
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if c.Bool("print") {
				fmt.Print(renderPlan(c.Command.Name, c.String("role"), lines))
				return nil
			}
			fmt.Printf("role %s %s\n", c.String("role"), done(c))
			for _, s := range lines { // statements this connection may not run
				fmt.Println("not done:", strings.TrimPrefix(s, "-- "))
			}
			return warnSuperuserOwner(ctx, pool)
		})
	}
}

// warnSuperuserOwner says so when the schema belongs to a superuser (the
// migrations ran as one): the trigger and maintenance functions run as the
// owner, so every role that may call them would act, within them, as a
// superuser (docs/operations.md, "Roles").
func warnSuperuserOwner(ctx context.Context, pool *pgxpool.Pool) error {
	var owner string
	var super bool
	err := pool.QueryRow(ctx, `SELECT r.rolname, r.rolsuper FROM pg_namespace AS n JOIN pg_roles AS r ON r.oid = n.nspowner
		WHERE n.nspname = 'analytics'`).Scan(&owner, &super)
	if err != nil || !super {
		return err
	}
	fmt.Printf("warning: the schema belongs to %s, a superuser: the functions that run as the schema owner then run as a superuser; "+
		"run the migrations as an owner role that is none (docs/operations.md, \"Roles\")\n", owner)
	return nil
}

// renderPlan is the script --print writes: one transaction, for psql.
func renderPlan(command, role string, statements []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- analyticsdb %s --role %s: run as a superuser (or an administrator with CREATEROLE that is a\n", command, role)
	b.WriteString("-- member of the schema owner's role) on this database, e.g. psql -v ON_ERROR_STOP=1 -f this-file\n")
	b.WriteString("BEGIN;\n")
	for _, s := range statements {
		if strings.HasPrefix(s, "--") {
			b.WriteString(s + "\n")
			continue
		}
		b.WriteString(s + ";\n")
	}
	b.WriteString("COMMIT;\n")
	return b.String()
}
