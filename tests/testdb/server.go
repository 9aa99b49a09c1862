package testdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/internal/pgserver/pgdocker"
)

// Environment variables read by this package.
const (
	envDatabaseURL = "TEST_DATABASE_URL" // server to use instead of starting one
	envRequireDB   = "TEST_REQUIRE_DB"   // true: fail rather than skip without a server
	startTimeout   = 3 * time.Minute
	adminMaxConns  = 4
)

// server is the PostgreSQL server shared by every test of the process.
type server struct {
	adminURL string           // maintenance database, as a role that may create databases
	local    *pgserver.Server // nil when the server is TEST_DATABASE_URL
	admin    *pgxpool.Pool    // on adminURL, to create and drop databases
	strategy string           // STRATEGY clause for CREATE DATABASE, or ""

	templateOnce sync.Once
	templateName string
	templateErr  error
}

var (
	setupOnce sync.Once
	theServer *server
	setupErr  error
	// noServer marks a setupErr that means no server can be had, for which
	// tests are skipped, rather than a broken one, for which they fail.
	noServer bool
)

// Main runs the tests, stops the servers if this process started any, and
// exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	setupOnce.Do(func() {}) // no test may start a server from now on
	if err := stopCitus(); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		if code == 0 {
			code = 1
		}
	}
	if theServer != nil {
		if err := theServer.close(); err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// Server returns the PostgreSQL server this process started, to restart it.
// It skips the test when the server cannot be restarted: when it is
// TEST_DATABASE_URL or runs in Docker. A restart disconnects every test, so
// call Restart only from tests that do not call t.Parallel.
func Server(t testing.TB) *pgserver.Server {
	t.Helper()
	s := shared(t)
	switch {
	case s.local == nil:
		t.Skipf("testdb: the server is %s, which this process cannot restart", envDatabaseURL)
	case s.local.Kind() != pgserver.KindLocal:
		t.Skipf("testdb: the server runs in %s, which pgserver cannot restart", s.local.Kind())
	}
	return s.local
}

// AdminURL returns the URL of the server's maintenance database, as a role
// that may create databases.
func AdminURL(t testing.TB) string {
	t.Helper()
	return shared(t).adminURL
}

// shared returns the server, connecting to or starting it on first use, or
// skips or fails t when there is none.
func shared(t testing.TB) *server {
	t.Helper()
	setupOnce.Do(func() { theServer, noServer, setupErr = setup() })
	if setupErr != nil {
		if noServer && !requireDB() {
			t.Skipf("testdb: no PostgreSQL server: %v (set %s to use one, or %s=1 to fail instead of skipping)",
				setupErr, envDatabaseURL, envRequireDB)
		}
		t.Fatalf("testdb: %v", setupErr)
	}
	if theServer == nil {
		t.Fatal("testdb: used after Main stopped the server")
	}
	return theServer
}

func requireDB() bool {
	v, _ := strconv.ParseBool(os.Getenv(envRequireDB))
	return v
}

// setup connects to TEST_DATABASE_URL or starts a server. noServer reports
// that err means no server could be had.
func setup() (s *server, noServer bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s = &server{}
	if envURL := os.Getenv(envDatabaseURL); envURL != "" {
		if err := checkURL(envURL); err != nil {
			return nil, false, fmt.Errorf("%s: %w", envDatabaseURL, err)
		}
		s.adminURL = envURL
	} else {
		began := time.Now()
		srv, err := pgserver.Start(ctx, pgserver.Options{Dir: serverDir(), Docker: pgdocker.Engine{}, Logf: verboseLogf})
		if err != nil {
			return nil, true, err
		}
		verboseLogf("testdb: started %s PostgreSQL in %s", srv.Kind(), time.Since(began).Round(time.Millisecond))
		s.local, s.adminURL = srv, srv.URL()
	}
	if err := s.connect(ctx); err != nil {
		return nil, false, errors.Join(err, s.close())
	}
	return s, false, nil
}

// connect opens the admin pool and picks the CREATE DATABASE strategy.
func (s *server) connect(ctx context.Context) error {
	cfg, err := pgxpool.ParseConfig(s.adminURL)
	if err != nil {
		return fmt.Errorf("configure admin pool: %w", err)
	}
	cfg.MaxConns = adminMaxConns
	cfg.ConnConfig.ConnectTimeout = poolConnectTimeout
	// Check every connection before use: tests may restart the server, which
	// kills the idle ones, and admin statements are too few for this to cost.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return true }
	if s.admin, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("open admin pool: %w", err)
	}
	var version int
	if err := s.admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return fmt.Errorf("connect to %s: %w", redact(s.adminURL), err)
	}
	s.strategy = cloneStrategy(version)
	return nil
}

// cloneStrategy is the CREATE DATABASE clause that copies a template fastest.
// PostgreSQL 15 added STRATEGY and made WAL_LOG the default, which copies the
// template block by block through the WAL (4.4 MB of WAL per copy of our 8 MB
// template); FILE_COPY copies the files and takes two checkpoints, cheap with
// fsync off. Measured on 2 cores with fsync off, FILE_COPY took 7 ms to create
// and 2.4 ms to drop a copy on tmpfs, against 10 ms and 3.2 ms for WAL_LOG; on
// ext4 both took 25-120 ms depending on load, FILE_COPY a few percent less.
func cloneStrategy(serverVersionNum int) string {
	if serverVersionNum < 150000 {
		return "" // FILE_COPY is the only strategy
	}
	return " STRATEGY FILE_COPY"
}

func (s *server) close() error {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.local != nil {
		if err := s.local.Stop(); err != nil {
			return fmt.Errorf("stop PostgreSQL: %w", err)
		}
	}
	return nil
}

// checkURL verifies that u is a postgres:// URL, the form the migrations need.
func checkURL(u string) error {
	parsed, err := url.Parse(u)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // url.Error repeats the URL, password included
		}
		return fmt.Errorf("not a URL: %w", err)
	}
	if parsed.Scheme != "postgres" && parsed.Scheme != "postgresql" {
		// Not printed: a key=value connection string may hold a password.
		return errors.New("not a postgres:// URL (key=value connection strings are not supported)")
	}
	return nil
}

// withDatabase returns serverURL with its database replaced by name.
func withDatabase(serverURL, name string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		panic("testdb: URL checked at setup no longer parses") // unreachable
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// redact returns u without its password, for messages.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return parsed.Redacted()
}

// verboseLogf prints server progress when tests run with -v.
func verboseLogf(format string, args ...any) {
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}
