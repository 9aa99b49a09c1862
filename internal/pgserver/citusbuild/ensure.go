package citusbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/openrasa/analyticsdb/internal/pgserver"
)

// Options configures Ensure.
type Options struct {
	// Source is a Citus source tarball named citus-X.Y.Z.tar.gz; "" means
	// none, so Citus must be installed already.
	Source string
	// CacheDir holds one directory of built files per Citus and PostgreSQL
	// version; "" means analyticsdb under os.UserCacheDir().
	CacheDir string
	// BinDir is the PostgreSQL to install into, as pgserver.Options.BinDir.
	BinDir string
	// Logf receives progress messages; nil discards them.
	Logf func(format string, args ...any)
}

// ErrCannotInstall is wrapped by Ensure's error when Citus is not installed
// and Ensure may not install it: there is no source, or this process is not
// root. It wraps pgserver.ErrNoCitus.
var ErrCannotInstall = fmt.Errorf("%w and cannot be installed", pgserver.ErrNoCitus)

var sourceName = regexp.MustCompile(`^citus-(\d+\.\d+\.\d+)\.tar\.gz$`)

// Ensure returns the PostgreSQL installation once Citus is installed in it,
// installing it from the cache or building it from opts.Source first if
// needed. Processes that call it at once build only once.
func Ensure(ctx context.Context, opts Options) (pgserver.Installation, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	in, err := pgserver.FindInstallation(opts.BinDir)
	if err != nil {
		return in, err
	}
	return in, ensureIn(ctx, opts, in)
}

// ensureIn is Ensure for the installation in.
func ensureIn(ctx context.Context, opts Options, in pgserver.Installation) error {
	if in.HasCitus() {
		return nil
	}
	if opts.Source == "" {
		return fmt.Errorf("%w: no Citus source tarball given", ErrCannotInstall)
	}
	m := sourceName.FindStringSubmatch(filepath.Base(opts.Source))
	if m == nil {
		return fmt.Errorf("citus source %s: name is not citus-X.Y.Z.tar.gz", opts.Source)
	}
	if _, err := os.Stat(opts.Source); err != nil {
		return fmt.Errorf("%w: %v", ErrCannotInstall, err)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: installing into %s needs root (install Citus %s yourself, or run as root to build it from %s)",
			ErrCannotInstall, in.PkgLibDir, m[1], opts.Source)
	}
	base := opts.CacheDir
	if base == "" {
		userCache, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("citus cache: %w", err)
		}
		base = filepath.Join(userCache, "analyticsdb")
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return fmt.Errorf("citus cache: %w", err)
	}
	unlock, err := lock(ctx, filepath.Join(base, "citus.lock"), opts.Logf)
	if err != nil {
		return err
	}
	defer unlock()
	if in.HasCitus() { // another process installed it while we waited
		return nil
	}
	cache := filepath.Join(base, "citus-"+m[1]+"-pg"+in.Version)
	if _, err := os.Stat(filepath.Join(cache, "extension", "citus.control")); err != nil {
		if _, err := exec.LookPath("apt-get"); err != nil {
			return fmt.Errorf("%w: building it needs apt-get and dpkg (Debian or Ubuntu); install Citus %s from its packages instead", ErrCannotInstall, m[1])
		}
		began := time.Now()
		opts.Logf("citusbuild: building Citus %s for PostgreSQL %s into %s (about two minutes)", m[1], in.Version, cache)
		if err := build(ctx, opts.Source, cache, in); err != nil {
			return err
		}
		opts.Logf("citusbuild: built Citus %s in %s", m[1], time.Since(began).Round(time.Second))
	}
	if err := install(cache, in); err != nil {
		return err
	}
	if !in.HasCitus() {
		return errors.New("citusbuild: installed, yet citus.control is not in " + in.ExtensionDir())
	}
	opts.Logf("citusbuild: installed Citus %s from %s", m[1], cache)
	return nil
}
