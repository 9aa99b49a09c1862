package db

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/openrasa/analyticsdb/internal/sqlobject"
)

// The drift check: every Citus patch applies to the SQL object files (which
// TestSchemaDumpIsCurrent and the migration tests tie to the migrations), and
// changes what it names.
func TestCitusPatchesApplyToTheSQLObjectFiles(t *testing.T) {
	objects, err := sqlobject.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, o := range objects {
		files[o.Path] = o.SQL
	}
	variants, err := citusObjects(Citus, "citus/patches", files)
	if err != nil {
		t.Fatalf("a Citus patch no longer applies: %v", err)
	}
	if len(variants) == 0 {
		t.Fatal("no Citus variants")
	}
	for path, text := range variants {
		if text == files[path] {
			t.Errorf("the Citus patch of %s changes nothing", path)
		}
	}
	// The binary applies them to what the embedded migrations deploy: the same.
	deployed, err := CitusObjects()
	if err != nil {
		t.Fatal(err)
	}
	for path, text := range variants {
		if deployed[path] != text {
			t.Errorf("%s: the variant from the migrations differs from the one from the files (run `sql generate`)", path)
		}
	}
}

func TestCitusPatchRefusesAnObjectThatChanged(t *testing.T) {
	patch := fstest.MapFS{"p/functions/f.sql": {Data: []byte("-- why\n-- replace:\nSELECT 1;\n-- with:\nSELECT 2;\n-- end\n")}}
	got, err := citusObjects(patch, "p", map[string]string{"functions/f.sql": "BEGIN\nSELECT 1;\nEND\n"})
	if err != nil || got["functions/f.sql"] != "BEGIN\nSELECT 2;\nEND\n" {
		t.Fatalf("patch of an unchanged object: %q, %v", got, err)
	}
	_, err = citusObjects(patch, "p", map[string]string{"functions/f.sql": "BEGIN\nSELECT 3;\nEND\n"})
	if err == nil || !strings.Contains(err.Error(), "p/functions/f.sql") || !strings.Contains(err.Error(), "0 times") {
		t.Fatalf("patch of a changed object: got %v, want an error naming the patch and the count", err)
	}
	_, err = citusObjects(patch, "p", map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "no object functions/f.sql") {
		t.Fatalf("patch of a missing object: got %v", err)
	}
	bad := fstest.MapFS{"p/functions/f.sql": {Data: []byte("-- replace:\nSELECT 1;\n-- end\n")}}
	if _, err := citusObjects(bad, "p", map[string]string{"functions/f.sql": "SELECT 1;\n"}); err == nil {
		t.Fatal("a block without -- with: was accepted")
	}
}
