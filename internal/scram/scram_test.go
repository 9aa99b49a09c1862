package scram

import (
	"strings"
	"testing"
)

func TestVerifierHasPostgreSQLsForm(t *testing.T) {
	v, err := NewVerifier("pencil")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.Count(v, "$") != 2 || strings.Contains(v, "pencil") {
		t.Errorf("verifier %q", v)
	}
	w, _ := NewVerifier("pencil")
	if v == w {
		t.Error("two verifiers of one password share a salt")
	}
}
