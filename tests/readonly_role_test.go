package tests

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/internal/scram"
)

// TestGrantReadonlyMakesALockedDownRoleFromAVerifier: grant-readonly sends a
// SCRAM verifier, never the password; the role it makes has no CREATEDB,
// CREATEROLE, REPLICATION or BYPASSRLS, reads in read-only transactions with
// timeouts, and can log in over SCRAM with the password. It refuses an
// existing role it did not create, and the application's own role.
func TestGrantReadonlyMakesALockedDownRoleFromAVerifier(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	role := "bi_" + randomSuffix()
	const password = "Corr3ct horse: battery/staple@#%"
	t.Cleanup(func() { dropRole(b, role) })
	out := runCLI(t, b, "grant-readonly", "--role", role, "--password", password)
	if strings.Contains(out, "battery") {
		t.Errorf("grant-readonly printed the password: %s", out)
	}
	type attrs struct {
		CreateDB, CreateRole, Replication, BypassRLS, Login bool
		Settings                                            []string
	}
	got := one[attrs](b, `SELECT row(rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, coalesce(rolconfig, '{}'))
		FROM pg_roles WHERE rolname = $1`, role)
	if got.CreateDB || got.CreateRole || got.Replication || got.BypassRLS || !got.Login {
		t.Errorf("role attributes %+v", got)
	}
	if want := "[default_transaction_read_only=on statement_timeout=5min idle_in_transaction_session_timeout=10min]"; fmt.Sprint(got.Settings) != want {
		t.Errorf("role settings %v, want %s", got.Settings, want)
	}

	// The stored verifier is one the client computed: with PostgreSQL's own
	// verifier for the same password and salt, ours is identical.
	if !one[bool](b, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`) {
		t.Skip("reading pg_authid needs a superuser (TEST_DATABASE_URL without one)")
	}
	stored := one[string](b, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, role)
	parts := strings.FieldsFunc(stored, func(r rune) bool { return r == '$' || r == ':' })
	if len(parts) != 5 || parts[0] != "SCRAM-SHA-256" {
		t.Fatalf("stored password %q is no SCRAM verifier", stored)
	}
	iterations, _ := strconv.Atoi(parts[1])
	salt, _ := base64.StdEncoding.DecodeString(parts[2])
	if want, _ := scram.Verifier(password, salt, iterations); stored != want {
		t.Errorf("stored verifier %s, want %s", stored, want)
	}
	b.exec(`SET password_encryption = 'scram-sha-256'`)
	other := "other_" + randomSuffix()
	b.exec(fmt.Sprintf(`CREATE ROLE %s PASSWORD 'pencil'`, pgx.Identifier{other}.Sanitize()))
	t.Cleanup(func() { dropRole(b, other) })
	pgs := one[string](b, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, other)
	p := strings.FieldsFunc(pgs, func(r rune) bool { return r == '$' || r == ':' })
	it, _ := strconv.Atoi(p[1])
	s, _ := base64.StdEncoding.DecodeString(p[2])
	if mine, _ := scram.Verifier("pencil", s, it); mine != pgs {
		t.Errorf("PostgreSQL's verifier of pencil %s, ours %s", pgs, mine)
	}

	// Refused: a role it did not create (here that other role), and the
	// application's own role; neither is changed.
	for _, r := range []string{other, one[string](b, `SELECT current_user`)} {
		_, err := b.pool.Exec(ctx, `SELECT analytics.create_readonly_role($1, 'x')`, r)
		if err == nil {
			t.Errorf("create_readonly_role took over role %s", r)
		}
	}
	if pgs2 := one[string](b, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, other); pgs2 != pgs {
		t.Error("the refused role's password changed")
	}
	// Running it again for its own role updates the password.
	runCLI(t, b, "grant-readonly", "--role", role, "--password", password+"2")
	if again := one[string](b, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, role); again == stored {
		t.Error("a second grant-readonly did not change the password")
	}
}
