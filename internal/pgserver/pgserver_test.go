package pgserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// startLocal starts a local server for one test, skipping the test when the
// PostgreSQL binaries are missing unless TEST_REQUIRE_DB is set.
func startLocalForTest(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Kind = KindLocal
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	began := time.Now()
	srv, err := Start(t.Context(), opts)
	if errors.Is(err, ErrUnavailable) && os.Getenv("TEST_REQUIRE_DB") == "" {
		t.Skipf("no local PostgreSQL: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("local server started in %s", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return srv
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(t.Context(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestLocalServerLifecycle(t *testing.T) {
	srv := startLocalForTest(t, Options{Settings: map[string]string{"work_mem": "8MB"}})
	dir := srv.backend.(*localCluster).dir

	if srv.Kind() != KindLocal {
		t.Errorf("Kind() = %q, want %q", srv.Kind(), KindLocal)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("server directory: %v", err)
	}
	conn := connect(t, srv.URL())
	if got := queryString(t, conn, "SELECT 1::text"); got != "1" {
		t.Errorf("SELECT 1 = %s", got)
	}
	for setting, want := range map[string]string{
		"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
		"max_connections": "200", "shared_buffers": "128MB", "work_mem": "8MB",
		"listen_addresses": "127.0.0.1", "server_encoding": "UTF8",
	} {
		if got := queryString(t, conn, "SHOW "+setting); got != want {
			t.Errorf("SHOW %s = %q, want %q", setting, got, want)
		}
	}
	if got := queryString(t, conn, "SELECT datcollate FROM pg_database WHERE datname = 'postgres'"); got != "C" {
		t.Errorf("collation %q, want C", got)
	}
	if _, err := conn.Exec(t.Context(), "CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('kept')"); err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	if err := srv.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %s", time.Since(began).Round(time.Millisecond))
	if err := conn.Ping(t.Context()); err == nil {
		t.Error("a connection opened before the restart still works")
	}
	conn = connect(t, srv.URL())
	if got := queryString(t, conn, "SELECT v FROM survivor"); got != "kept" {
		t.Errorf("after restart survivor holds %q, want kept", got)
	}

	conn.Close(t.Context())
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after Stop, %s: %v; want it removed", dir, err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := srv.Restart(t.Context()); err == nil {
		t.Error("Restart after Stop succeeded")
	}
}

func TestCreateAndDropDatabase(t *testing.T) {
	srv := startLocalForTest(t, Options{MaxConnections: 20})
	ctx := t.Context()
	const tmpl, name = `tmpl "quoted"`, "copy-of-tmpl"

	if err := CreateDatabase(ctx, srv.URL(), tmpl, ""); err != nil {
		t.Fatal(err)
	}
	tc := connect(t, srv.DatabaseURL(tmpl))
	if _, err := tc.Exec(ctx, "CREATE TABLE marker (id int)"); err != nil {
		t.Fatal(err)
	}
	tc.Close(ctx)

	if err := CreateDatabase(ctx, srv.URL(), name, tmpl); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, srv.DatabaseURL(name))
	if got := queryString(t, conn, "SELECT count(*)::text FROM marker"); got != "0" {
		t.Errorf("copy's marker has %s rows", got)
	}
	// DropDatabase must disconnect conn, which is still open.
	if err := DropDatabase(ctx, srv.URL(), name); err != nil {
		t.Fatal(err)
	}
	if err := DropDatabase(ctx, srv.URL(), name); err != nil {
		t.Errorf("dropping a missing database: %v", err)
	}
	err := CreateDatabase(ctx, srv.URL(), "x", "no such template")
	if err == nil || !strings.Contains(err.Error(), "no such template") {
		t.Errorf("CreateDatabase from a missing template: %v", err)
	}
}

// TestPasswordAuthentication: with Options.Password the server asks every
// connection, over TCP and over its Unix socket, for the superuser's
// password (scram-sha-256), and the URLs carry it.
func TestPasswordAuthentication(t *testing.T) {
	const password = "s3cret: pa/ss@word"
	srv := startLocalForTest(t, Options{MaxConnections: 20, Password: password})
	conn := connect(t, srv.URL())
	if got := queryString(t, conn, "SELECT rolpassword FROM pg_authid WHERE rolname = current_user"); !strings.HasPrefix(got, "SCRAM-SHA-256$") {
		t.Errorf("superuser password stored as %.14q..., want a SCRAM verifier", got)
	}
	cfg, err := pgx.ParseConfig(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{cfg.Host}
	if dir := srv.backend.(*localCluster).socketDir(); dir != "" {
		hosts = append(hosts, dir)
	}
	for _, host := range hosts {
		for _, pw := range []string{"", "wrong"} {
			c := cfg.Copy()
			c.Host, c.Password, c.Fallbacks = host, pw, nil
			_, err := pgx.ConnectConfig(t.Context(), c)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
				t.Errorf("host %s, password %q: %v, want invalid_password (28P01)", host, pw, err)
			}
		}
		c := cfg.Copy()
		c.Host, c.Fallbacks = host, nil
		good, err := pgx.ConnectConfig(t.Context(), c)
		if err != nil {
			t.Errorf("host %s with the password: %v", host, err)
			continue
		}
		good.Close(t.Context())
	}
	if _, err := Start(t.Context(), Options{Kind: KindDocker, Password: password}); err == nil {
		t.Error("a Docker server with a password started")
	}
}

func TestStartFailureReportsServerLog(t *testing.T) {
	if _, err := findBinDir(""); err != nil {
		t.Skip(err)
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), tempDirPrefix+"*"))
	_, err := Start(t.Context(), Options{Kind: KindLocal, SharedBuffers: "lots"})
	if err == nil {
		t.Fatal("Start with shared_buffers=lots succeeded")
	}
	t.Log(err)
	if !strings.Contains(err.Error(), `invalid value for parameter "shared_buffers"`) {
		t.Errorf("error lacks the server log line: %v", err)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), tempDirPrefix+"*"))
	if len(after) > len(before) {
		t.Errorf("failed Start left a directory: before %v, after %v", before, after)
	}
}

func TestSettingsRejectManagedNames(t *testing.T) {
	for _, name := range managedSettings {
		if _, err := serverSettings(Options{Settings: map[string]string{name: "x"}}); err == nil {
			t.Errorf("Settings[%q] accepted", name)
		}
	}
	if _, err := Start(t.Context(), Options{Kind: "vm"}); err == nil {
		t.Error("Kind vm accepted")
	}
}

func TestRemoveStaleDirs(t *testing.T) {
	deadPid := exitedPid(t)
	mk := func(owner int, postmaster int) string {
		dir, err := os.MkdirTemp("", tempDirPrefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		writePid(t, filepath.Join(dir, ownerFile), owner)
		if postmaster != 0 {
			writePid(t, filepath.Join(dir, dataDirName, "postmaster.pid"), postmaster)
		}
		return dir
	}
	dead := mk(deadPid, deadPid)
	live := mk(os.Getpid(), 0)
	liveServer := mk(deadPid, os.Getpid())

	removeStaleDirs("", t.Logf)

	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("abandoned %s not removed: %v", dead, err)
	}
	for _, dir := range []string{live, liveServer} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s, still in use, was removed: %v", dir, err)
		}
	}
}

// TestServerDiesWithParent kills a process that started a server with SIGKILL
// and checks that the postmaster shuts down and the next Start cleans up.
func TestServerDiesWithParent(t *testing.T) {
	if os.Getenv("PGSERVER_TEST_ORPHAN") == "1" {
		orphanHelper()
		return
	}
	if !dieWithParent {
		t.Skip("no parent-death signal on this OS")
	}
	if _, err := findBinDir(""); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithParent$")
	cmd.Env = append(os.Environ(), "PGSERVER_TEST_ORPHAN=1")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper gave no server: %v", err)
	}
	var dir string
	var pid int
	if _, err := fmt.Sscan(line, &dir, &pid); err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	cmd.Process.Kill()
	cmd.Wait()

	deadline := time.Now().Add(30 * time.Second)
	for processAlive(pid) && !isZombie(pid) {
		if time.Now().After(deadline) {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
			t.Fatalf("postmaster %d still running 30s after its parent was killed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	removeStaleDirs("", t.Logf)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		os.RemoveAll(dir)
		t.Errorf("orphaned %s not removed: %v", dir, err)
	}
}

// orphanHelper starts a server, reports its directory and postmaster pid, and
// waits to be killed.
func orphanHelper() {
	srv, err := Start(context.Background(), Options{Kind: KindLocal, MaxConnections: 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c := srv.backend.(*localCluster)
	fmt.Printf("%s %d\n", c.dir, c.pm.proc.Pid)
	time.Sleep(time.Minute)
	srv.Stop()
	os.Exit(1)
}

// isZombie reports whether pid has exited but not been reaped (its parent,
// the killed helper, may still be on its way out).
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

func exitedPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	return cmd.Process.Pid
}

func writePid(t *testing.T, path string, pid int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDockerUnavailableWithoutEngine(t *testing.T) {
	_, err := Start(t.Context(), Options{Kind: KindDocker})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Start(KindDocker) without Options.Docker: %v, want ErrUnavailable", err)
	}
}
