package sqlobject

import (
	"fmt"
	"regexp"
)

// Object is one SQL object file.
type Object struct {
	Path string // slash-separated, relative to the repository root, e.g. "functions/010_text_set.sql"
	SQL  string // the file's text
}

// Drop is the statement that removes the object, derived from its CREATE.
func (o Object) Drop() (string, error) {
	if m := createFunction.FindStringSubmatch(o.SQL); m != nil {
		return fmt.Sprintf("DROP FUNCTION IF EXISTS %s;", m[1]), nil
	}
	if m := createView.FindStringSubmatch(o.SQL); m != nil {
		return fmt.Sprintf("DROP VIEW IF EXISTS %s;", m[1]), nil
	}
	if m := createTrigger.FindStringSubmatch(o.SQL); m != nil {
		return fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s;", m[1], m[2]), nil
	}
	return "", fmt.Errorf("%s: no CREATE OR REPLACE FUNCTION, VIEW or TRIGGER found", o.Path)
}

var (
	createFunction = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+FUNCTION\s+([\w."]+)\s*\(`)
	createView     = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+VIEW\s+([\w."]+)`)
	createTrigger  = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+TRIGGER\s+([\w"]+)\s.*?\bON\s+([\w."]+)`)
)
