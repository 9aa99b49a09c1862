package testdb

import (
	"context"
	"testing"

	"github.com/openrasa/analyticsdb/internal/pgserver"
)

// A database with the template's name that is not marked as a template is a
// leftover of a failed build and must be rebuilt, not used.
func TestEnsureTemplateRebuildsUnfinishedTemplate(t *testing.T) {
	shared(t) // skips without PostgreSQL
	srv, err := pgserver.Start(t.Context(), pgserver.Options{Kind: pgserver.KindLocal, Dir: serverDir(), MaxConnections: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	s := &server{adminURL: srv.URL()}
	if err := s.connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.admin.Close)
	name, err := templateName()
	if err != nil {
		t.Fatal(err)
	}
	if err := pgserver.CreateDatabase(t.Context(), srv.URL(), name, ""); err != nil {
		t.Fatal(err)
	}

	got, err := s.template()
	if err != nil {
		t.Fatal(err)
	}
	if got != name {
		t.Errorf("template %q, want %q", got, name)
	}
	var isTemplate, allowConn bool
	err = s.admin.QueryRow(t.Context(), "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1", name).Scan(&isTemplate, &allowConn)
	if err != nil {
		t.Fatal(err)
	}
	if !isTemplate || allowConn {
		t.Errorf("template: datistemplate %t, datallowconn %t; want true, false", isTemplate, allowConn)
	}
	db := s.newDB(t, got)
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM "Conversation"`).Scan(&n); err != nil {
		t.Errorf("copy of rebuilt template: %v", err)
	}
}
