package citusbuild

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/openrasa/analyticsdb/internal/pgserver"
)

// scratchInstallation is the real installation with empty library and
// share directories, to install into without touching the real ones.
func scratchInstallation(t *testing.T) (real, scratch pgserver.Installation) {
	t.Helper()
	real, err := pgserver.FindInstallation("")
	if err != nil {
		t.Skip(err)
	}
	scratch = real
	scratch.PkgLibDir, scratch.ShareDir = t.TempDir(), t.TempDir()
	return real, scratch
}

// With the built files in the cache, Ensure copies them in and builds
// nothing: the source given is not a tarball, so a build would fail.
func TestEnsureInstallsFromCache(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("Ensure installs only as root")
	}
	real, scratch := scratchInstallation(t)
	if !real.HasCitus() {
		t.Skip("no installed Citus to fill the cache with")
	}
	base := t.TempDir()
	cache := filepath.Join(base, "citus-13.2.2-pg"+real.Version)
	for dst, pattern := range map[string]string{
		filepath.Join(cache, "lib"):       filepath.Join(real.PkgLibDir, "citus*.so"),
		filepath.Join(cache, "extension"): filepath.Join(real.ExtensionDir(), "citus*"),
	} {
		files, _ := filepath.Glob(pattern)
		if len(files) == 0 {
			t.Fatalf("no %s", pattern)
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := copyFile(f, filepath.Join(dst, filepath.Base(f)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	notATarball := filepath.Join(t.TempDir(), "citus-13.2.2.tar.gz")
	if err := os.WriteFile(notATarball, []byte("not a tarball"), 0o644); err != nil {
		t.Fatal(err)
	}

	err := ensureIn(t.Context(), Options{Source: notATarball, CacheDir: base, Logf: t.Logf}, scratch)
	if err != nil {
		t.Fatal(err)
	}
	if !scratch.HasCitus() {
		t.Error("no citus.control after Ensure")
	}
	if _, err := os.Stat(filepath.Join(scratch.PkgLibDir, "citus.so")); err != nil {
		t.Errorf("citus.so not installed: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(scratch.ExtensionDir(), "*.citusbuild-tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// Without Citus and without a source, Ensure says it cannot install, in a
// way the tests can tell from a broken build.
func TestEnsureWithoutSourceCannotInstall(t *testing.T) {
	_, scratch := scratchInstallation(t)
	for _, source := range []string{"", filepath.Join(t.TempDir(), "citus-13.2.2.tar.gz")} {
		err := ensureIn(t.Context(), Options{Source: source, CacheDir: t.TempDir()}, scratch)
		if !errors.Is(err, ErrCannotInstall) || !errors.Is(err, pgserver.ErrNoCitus) {
			t.Errorf("source %q: %v, want ErrCannotInstall wrapping pgserver.ErrNoCitus", source, err)
		}
	}
}
