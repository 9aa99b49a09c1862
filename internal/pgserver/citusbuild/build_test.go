package citusbuild

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/internal/pgserver"
)

// source is the tarball the repository's tests build from (../shared/citus).
const source = "../../../../shared/citus/citus-13.2.2.tar.gz"

// TestBuildAndInstall builds Citus into a fresh cache and installs it into
// scratch directories, then compares what it installed with the Citus the
// server uses. It takes minutes, so it runs only with CITUSBUILD_TEST=1 (as
// root, with the source present); it also measures an uncached build.
func TestBuildAndInstall(t *testing.T) {
	if os.Getenv("CITUSBUILD_TEST") != "1" {
		t.Skip("set CITUSBUILD_TEST=1 to build Citus (minutes)")
	}
	if os.Geteuid() != 0 {
		t.Skip("building Citus needs root")
	}
	abs, err := filepath.Abs(source)
	if err != nil {
		t.Fatal(err)
	}
	real, err := pgserver.FindInstallation("")
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "citus-test")
	began := time.Now()
	if err := build(t.Context(), abs, cache, real); err != nil {
		t.Fatal(err)
	}
	t.Logf("uncached build took %s", time.Since(began).Round(time.Second))

	scratch := real
	scratch.PkgLibDir, scratch.ShareDir = t.TempDir(), t.TempDir()
	if scratch.HasCitus() {
		t.Fatal("scratch installation has Citus before install")
	}
	began = time.Now()
	if err := install(cache, scratch); err != nil {
		t.Fatal(err)
	}
	t.Logf("install from the cache took %s", time.Since(began).Round(time.Millisecond))
	if !scratch.HasCitus() {
		t.Fatal("no citus.control after install")
	}
	for _, f := range []struct{ got, want string }{
		{filepath.Join(scratch.PkgLibDir, "citus.so"), filepath.Join(real.PkgLibDir, "citus.so")},
		{filepath.Join(scratch.ExtensionDir(), "citus.control"), filepath.Join(real.ExtensionDir(), "citus.control")},
	} {
		got, err := os.ReadFile(f.got)
		if err != nil {
			t.Fatal(err)
		}
		if want, err := os.ReadFile(f.want); err == nil && filepath.Ext(f.got) == ".control" && !bytes.Equal(got, want) {
			t.Errorf("%s differs from the installed %s", f.got, f.want)
		}
		if len(got) == 0 {
			t.Errorf("%s is empty", f.got)
		}
	}
}
