// Package sqlobject turns the SQL object files under functions/, views/ and
// triggers/ (one CREATE OR REPLACE per file, the readable source of truth)
// into dbmate migrations, so a DBA reads the logic in files and deploys it
// with dbmate.
//
// Generated migrations hold each changed object verbatim behind an
// "-- object: <path>" marker; replaying those markers through the migration
// history tells what the database holds, which is how Plan knows what changed.
// A changed view is replaced in place, which keeps its grants; PostgreSQL
// allows that only when the new definition keeps the old columns, in order,
// and at most appends new ones.
package sqlobject

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Dirs are the object directories, in the order their objects are created:
// functions, then the views that may call them, then the triggers.
var Dirs = []string{"functions", "views", "triggers"}

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
