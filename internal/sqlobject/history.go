package sqlobject

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

const (
	objectMarker = "-- object: "
	removedMark  = "-- removed: "
	replacedMark = "-- replaced: " // the drop of an object whose identity (a function's arguments) changed
	upMarker     = "-- migrate:up"
	downMarker   = "-- migrate:down"
)

var migrationFile = regexp.MustCompile(`^\d+.*\.sql$`) // dbmate's rule

// Deployed replays the up sections of the migrations in migrations (a dbmate
// migrations directory) and returns, per object path, the text the latest
// migration gave it. Objects a migration removed are absent.
func Deployed(migrations fs.FS) (map[string]string, error) {
	entries, err := fs.ReadDir(migrations, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && migrationFile.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	deployed := map[string]string{}
	for _, name := range names {
		text, err := fs.ReadFile(migrations, name)
		if err != nil {
			return nil, err
		}
		up := upSection(string(text))
		for path, sql := range objectBlocks(up, objectMarker) {
			deployed[path] = sql
		}
		for path := range objectBlocks(up, removedMark) {
			delete(deployed, path)
		}
	}
	return deployed, nil
}

func upSection(migration string) string {
	_, up, ok := strings.Cut(migration, upMarker)
	if !ok {
		return ""
	}
	up, _, _ = strings.Cut(up, downMarker)
	return up
}

// objectBlocks splits a section into the blocks that start with marker lines.
func objectBlocks(section, marker string) map[string]string {
	blocks := map[string]string{}
	var path string
	var body strings.Builder
	flush := func() {
		if path != "" {
			blocks[path] = strings.TrimSpace(body.String()) + "\n"
		}
		path = ""
		body.Reset()
	}
	for _, line := range strings.SplitAfter(section, "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(trimmed, objectMarker), strings.HasPrefix(trimmed, removedMark), strings.HasPrefix(trimmed, replacedMark):
			flush()
			if strings.HasPrefix(trimmed, marker) {
				path = strings.TrimSpace(strings.TrimPrefix(trimmed, marker))
			}
		case path != "":
			body.WriteString(line)
		}
	}
	flush()
	return blocks
}
