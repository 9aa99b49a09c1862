package sqlobject

import (
	"strings"
	"testing"
	"testing/fstest"
)

// A function whose arguments change is dropped under its old identity before
// it is created again, and the migration still reads back as deploying the
// new text, so the next generate finds nothing to do.
func TestMigrationOfAChangedSignatureReadsBackAsTheNewObject(t *testing.T) {
	before := "CREATE OR REPLACE FUNCTION analytics.f(p_a text)\nRETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
	after := "CREATE OR REPLACE FUNCTION analytics.f(p_a text, p_b boolean DEFAULT false)\nRETURNS int LANGUAGE sql AS $$ SELECT 2 $$;\n"
	text, err := Migration([]Change{{Path: "functions/f.sql", Previous: before, Current: after}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "DROP FUNCTION IF EXISTS analytics.f(p_a text);") {
		t.Errorf("the old function is not dropped:\n%s", text)
	}
	deployed, err := Deployed(fstest.MapFS{
		"1_first.sql":  {Data: []byte("-- migrate:up\n\n" + objectMarker + "functions/f.sql\n" + before + "\n-- migrate:down\n")},
		"2_second.sql": {Data: []byte(text)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if deployed["functions/f.sql"] != after {
		t.Errorf("deployed text:\n%q\nwant\n%q", deployed["functions/f.sql"], after)
	}
}
