package pgserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Installation is the PostgreSQL installation local servers run from, as
// its pg_config reports it.
type Installation struct {
	BinDir    string // initdb and postgres
	PGConfig  string // its pg_config program
	PkgLibDir string // extension libraries (citus.so)
	ShareDir  string // extension control and script files under extension/
	Version   string // server version, such as "15.18"
}

// FindInstallation locates the installation whose binaries are in binDir, or
// as Options.BinDir "" finds them.
func FindInstallation(binDir string) (Installation, error) {
	binDir, err := findBinDir(binDir)
	if err != nil {
		return Installation{}, err
	}
	// pg_config lives beside the real postgres, which binDir may only link to
	// (as /usr/local/bin may link to /usr/lib/postgresql/15/bin).
	pgConfig := binaryName(binDir, "pg_config")
	if real, err := filepath.EvalSymlinks(binaryName(binDir, "postgres")); err == nil {
		pgConfig = binaryName(filepath.Dir(real), "pg_config")
	}
	if _, err := os.Stat(pgConfig); err != nil {
		if pgConfig, err = exec.LookPath("pg_config"); err != nil {
			return Installation{}, fmt.Errorf("%w: no pg_config beside %s or on PATH", ErrUnavailable, binDir)
		}
	}
	out, err := exec.Command(pgConfig, "--pkglibdir", "--sharedir", "--version").Output()
	if err != nil {
		return Installation{}, fmt.Errorf("run %s: %w", pgConfig, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		return Installation{}, fmt.Errorf("%s printed %q, want three lines", pgConfig, out)
	}
	version := regexp.MustCompile(`^PostgreSQL (\d+(?:\.\d+)?)`).FindStringSubmatch(lines[2])
	if version == nil {
		return Installation{}, fmt.Errorf("%s --version printed %q", pgConfig, lines[2])
	}
	return Installation{BinDir: binDir, PGConfig: pgConfig, PkgLibDir: lines[0], ShareDir: lines[1], Version: version[1]}, nil
}

// ExtensionDir is where CREATE EXTENSION looks for control files.
func (in Installation) ExtensionDir() string { return filepath.Join(in.ShareDir, "extension") }

// HasCitus reports whether the Citus extension is installed: its control
// file is in the extension directory.
func (in Installation) HasCitus() bool {
	_, err := os.Stat(filepath.Join(in.ExtensionDir(), "citus.control"))
	return err == nil
}
