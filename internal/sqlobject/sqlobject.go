// Package sqlobject turns the SQL object files under functions/ and triggers/
// (one CREATE OR REPLACE per file, the readable source of truth) into dbmate
// migrations, so a DBA reads the logic in files and deploys it with dbmate.
//
// Generated migrations hold each changed object verbatim behind an
// "-- object: <path>" marker; replaying those markers through the migration
// history tells what the database holds, which is how Plan knows what changed.
package sqlobject

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Dirs are the object directories, in the order their objects are created:
// functions before the triggers that call them.
var Dirs = []string{"functions", "triggers"}

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
	if m := createTrigger.FindStringSubmatch(o.SQL); m != nil {
		return fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s;", m[1], m[2]), nil
	}
	return "", fmt.Errorf("%s: no CREATE OR REPLACE FUNCTION or TRIGGER found", o.Path)
}

var (
	createFunction = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+FUNCTION\s+([\w."]+)\s*\(`)
	createTrigger  = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+TRIGGER\s+([\w"]+)\s.*?\bON\s+([\w."]+)`)
)

// Load reads every object file under root's object directories, in creation order.
func Load(root string) ([]Object, error) {
	var objects []Object
	for _, dir := range Dirs {
		names, err := fs.Glob(os.DirFS(root), dir+"/*.sql")
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		for _, name := range names {
			text, err := os.ReadFile(filepath.Join(root, name))
			if err != nil {
				return nil, err
			}
			o := Object{Path: name, SQL: strings.TrimSpace(string(text)) + "\n"}
			if _, err := o.Drop(); err != nil {
				return nil, err
			}
			objects = append(objects, o)
		}
	}
	return objects, nil
}
