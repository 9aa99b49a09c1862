package testdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/db"
	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/internal/pgserver/citusbuild"
)

const (
	envCitusShardCount = "TEST_CITUS_SHARD_COUNT" // citus.shard_count of NewCitus's databases
	// citusStartTimeout covers building Citus when it is neither installed
	// nor cached (about two minutes on 2 cores) and starting the three servers.
	citusStartTimeout = 15 * time.Minute
	citusSetupTimeout = 5 * time.Minute // to create, migrate and distribute a database
)

// The Citus cluster shared by the tests of the process that call NewCitus.
var (
	citusOnce sync.Once
	theCitus  *pgserver.CitusCluster
	citusErr  error
	// citusSkip marks a citusErr after which tests skip; citusAlways that
	// they skip even under TEST_REQUIRE_DB, because nothing here could give
	// Citus: it is not installed and its source is not beside the repository.
	citusSkip, citusAlways bool
)

// NewCitus returns a new database on a Citus cluster of a coordinator and two
// workers shared by the tests of the process, started on first use:
// created on every node with the citus extension and the workers registered,
// then migrated (db.Migrate) and laid out for Citus (db.Distribute). DB.URL
// and DB.Pool are on the coordinator. The database is dropped on every node
// when the test ends.
//
// Citus is used if installed, else built from ../shared/citus beside the
// repository and cached (citusbuild). Without either the test is skipped,
// even under TEST_REQUIRE_DB; with the source but no way to build it (not
// root) it is skipped unless TEST_REQUIRE_DB is set.
func NewCitus(t testing.TB) *DB {
	t.Helper()
	c := Citus(t)
	ctx, cancel := context.WithTimeout(context.Background(), citusSetupTimeout)
	defer cancel()
	name := "test_citus_" + randomHex(8)
	began := time.Now()
	if err := c.CreateDatabase(ctx, name); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { // runs after the pool is closed by the next Cleanup
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := c.DropDatabase(ctx, name); err != nil {
			t.Errorf("testdb: drop Citus database %s: %v", name, err)
		}
	})
	if n := citusShardCount(); n > 0 {
		if err := c.SetShardCount(ctx, name, n); err != nil {
			t.Fatalf("testdb: %v", err)
		}
	}
	dbURL := c.DatabaseURL(name)
	if err := db.Migrate(ctx, dbURL, io.Discard); err != nil {
		t.Fatalf("testdb: migrate Citus database %s: %v", name, err)
	}
	var log bytes.Buffer
	if err := db.Distribute(ctx, dbURL, &log); err != nil {
		t.Fatalf("testdb: distribute Citus database %s: %v; its log:\n%s", name, err, log.String())
	}
	verboseLogf("testdb: Citus database %s ready after %s", name, time.Since(began).Round(time.Millisecond))
	return &DB{URL: dbURL, Pool: openPool(t, ctx, dbURL, name), Name: name}
}

// citusShardCount is TEST_CITUS_SHARD_COUNT, the citus.shard_count NewCitus
// distributes with; unset, 8 instead of Citus's 32: the insert trigger runs
// once per shard a batch touches, the tests' streams are small, and 8 still
// spread every batch over both workers (docs/performance.md, "On Citus").
func citusShardCount() int {
	if n, err := strconv.Atoi(os.Getenv(envCitusShardCount)); err == nil {
		return n
	}
	return defaultCitusShardCount
}

const defaultCitusShardCount = 8

// Citus returns the shared Citus cluster, starting it on first use, or skips
// or fails t as NewCitus describes.
func Citus(t testing.TB) *pgserver.CitusCluster {
	t.Helper()
	citusOnce.Do(func() { theCitus, citusSkip, citusAlways, citusErr = startCitus() })
	if citusErr != nil {
		if citusSkip && (citusAlways || !requireDB()) {
			t.Skipf("testdb: no Citus: %v", citusErr)
		}
		t.Fatalf("testdb: Citus: %v", citusErr)
	}
	if theCitus == nil {
		t.Fatal("testdb: used after Main stopped the Citus cluster")
	}
	return theCitus
}

// startCitus makes sure Citus is installed and starts the cluster. skip
// reports that err means Citus cannot be had here, always that nothing here
// could have given it.
func startCitus() (c *pgserver.CitusCluster, skip, always bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), citusStartTimeout)
	defer cancel()
	source := citusSource()
	in, err := citusbuild.Ensure(ctx, citusbuild.Options{Source: source, Logf: verboseLogf})
	switch {
	case errors.Is(err, pgserver.ErrUnavailable):
		return nil, true, source == "", err
	case errors.Is(err, citusbuild.ErrCannotInstall):
		return nil, true, source == "", err
	case err != nil:
		return nil, false, false, err
	}
	began := time.Now()
	c, err = pgserver.StartCitus(ctx, pgserver.Options{Dir: serverDir(), BinDir: in.BinDir, Logf: verboseLogf}, 0)
	if err != nil {
		return nil, false, false, err
	}
	verboseLogf("testdb: started Citus (coordinator and %d workers) in %s", len(c.Workers), time.Since(began).Round(time.Millisecond))
	return c, false, false, nil
}

// citusSource finds the Citus source tarball in ../shared/citus beside the
// repository (the directory holding go.mod, above the working directory),
// or returns "".
func citusSource() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "citus", "citus-*.tar.gz"))
	if len(matches) == 0 {
		return ""
	}
	abs, err := filepath.Abs(matches[len(matches)-1])
	if err != nil {
		return ""
	}
	return abs
}

// stopCitus stops the shared cluster, if one was started; no test may start
// one afterwards.
func stopCitus() error {
	citusOnce.Do(func() {})
	if theCitus == nil {
		return nil
	}
	c := theCitus
	theCitus = nil
	if err := c.Stop(); err != nil {
		return fmt.Errorf("stop Citus: %w", err)
	}
	return nil
}
