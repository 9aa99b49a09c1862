package pgserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// binaryName is the name of a server program on this OS.
func binaryName(dir, name string) string {
	if filepath.Separator == '\\' {
		name += ".exe"
	}
	return filepath.Join(dir, name)
}

// findBinDir returns the directory holding initdb and postgres: dir if given,
// else the one on PATH, else `pg_config --bindir`, else the newest of the
// usual package install paths (Debian and Ubuntu keep them off PATH).
func findBinDir(dir string) (string, error) {
	if dir != "" {
		if !hasServerBinaries(dir) {
			return "", fmt.Errorf("Options.BinDir %s holds no initdb and postgres programs", dir)
		}
		return dir, nil
	}
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	candidates = append(candidates, newestFirst("/usr/lib/postgresql/*/bin")...)
	candidates = append(candidates, newestFirst("/usr/pgsql-*/bin")...)
	candidates = append(candidates, newestFirst("/opt/homebrew/opt/postgresql@*/bin")...)
	candidates = append(candidates, newestFirst("/usr/local/opt/postgresql@*/bin")...)
	for _, c := range candidates {
		if hasServerBinaries(c) {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: no initdb and postgres programs on PATH, from pg_config or in the usual install paths", ErrUnavailable)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(binaryName(dir, name))
		if err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// newestFirst expands a glob with one * standing for a major version and
// sorts the matches by that version, highest first.
func newestFirst(pattern string) []string {
	matches, _ := filepath.Glob(pattern)
	prefix, _, _ := strings.Cut(pattern, "*")
	version := func(path string) int {
		digits := strings.TrimPrefix(path, prefix)
		end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' })
		if end >= 0 {
			digits = digits[:end]
		}
		v, _ := strconv.Atoi(digits)
		return v
	}
	slices.SortFunc(matches, func(a, b string) int { return version(b) - version(a) })
	return matches
}
