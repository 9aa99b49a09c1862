package db

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Markers of a Citus patch file (db/citus/patches/<object path>). Each block
// names text of the single-node object and what replaces it on Citus:
//
//	-- replace:
//	<text, found exactly once in the object>
//	-- with:
//	<its Citus replacement>
//	-- end
//
// Lines outside blocks are comments saying why.
const (
	patchReplace = "-- replace:"
	patchWith    = "-- with:"
	patchEnd     = "-- end"
)

// patchBlock is one replacement of a Citus patch.
type patchBlock struct{ old, new string }

// citusObjects returns the Citus text of every object that has a patch under
// dir of fsys, keyed by object path ("functions/020_assistant_settings.sql"),
// given the single-node text of the objects (sqlobject.Deployed, or the
// files). An object whose text no longer holds a block's old text is an
// error: the patch must follow the object (the drift check).
func citusObjects(fsys fs.FS, dir string, singleNode map[string]string) (map[string]string, error) {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".sql") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := map[string]string{}
	for _, file := range files {
		object := strings.TrimPrefix(file, path.Clean(dir)+"/")
		text, ok := singleNode[object]
		if !ok {
			return nil, fmt.Errorf("citus patch %s: no object %s", file, object)
		}
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		blocks, err := parsePatch(string(raw))
		if err != nil {
			return nil, fmt.Errorf("citus patch %s: %w", file, err)
		}
		for i, b := range blocks {
			switch n := strings.Count(text, b.old); n {
			case 1:
				text = strings.Replace(text, b.old, b.new, 1)
			default:
				return nil, fmt.Errorf("citus patch %s, block %d: its text occurs %d times in %s, not once: the object changed, update the patch",
					file, i+1, n, object)
			}
		}
		out[object] = text
	}
	return out, nil
}

// parsePatch reads the blocks of a patch file.
func parsePatch(raw string) ([]patchBlock, error) {
	var blocks []patchBlock
	var cur *strings.Builder
	var b patchBlock
	state := "" // "", "old", "new"
	for _, line := range strings.SplitAfter(raw, "\n") {
		switch strings.TrimRight(line, "\r\n") {
		case patchReplace:
			if state != "" {
				return nil, fmt.Errorf("%q inside a block", patchReplace)
			}
			state, cur = "old", &strings.Builder{}
		case patchWith:
			if state != "old" {
				return nil, fmt.Errorf("%q without %q", patchWith, patchReplace)
			}
			b.old, state, cur = cur.String(), "new", &strings.Builder{}
		case patchEnd:
			if state != "new" {
				return nil, fmt.Errorf("%q without %q", patchEnd, patchWith)
			}
			b.new = cur.String()
			if strings.TrimSpace(b.old) == "" {
				return nil, fmt.Errorf("block %d replaces nothing", len(blocks)+1)
			}
			blocks = append(blocks, b)
			state, b = "", patchBlock{}
		default:
			if cur != nil && state != "" {
				cur.WriteString(line)
			}
		}
	}
	if state != "" {
		return nil, fmt.Errorf("last block has no %q", patchEnd)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("no blocks")
	}
	return blocks, nil
}
