package pgserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Layout of a local server's temporary directory.
const (
	tempDirPrefix = "analyticsdb-pg-" // os.MkdirTemp pattern prefix, also matched by removeStaleDirs
	ownerFile     = "owner.pid"       // pid of the process that created the directory
	dataDirName   = "data"            // the cluster (PGDATA)
	logFileName   = "postgres.log"    // server output
	loopback      = "127.0.0.1"
	portAttempts  = 3 // times to pick another free port when one is taken meanwhile
)

// errPortTaken reports that another process bound the chosen port first.
var errPortTaken = errors.New("port taken")

// localCluster is a cluster in a temporary directory run by a postgres child process.
type localCluster struct {
	dir      string // temporary directory holding everything below
	dataDir  string
	logPath  string
	log      *os.File
	postgres string // server binary
	user     *osUser
	settings map[string]string
	password string // the superuser's, with scram-sha-256 authentication; "": trust
	port     int
	pm       *postmaster
	logf     func(format string, args ...any)
}

func startLocal(ctx context.Context, opts Options, settings map[string]string) (_ *Server, err error) {
	removeStaleDirs(opts.Dir, opts.Logf)
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, fmt.Errorf("start local PostgreSQL: %w", err)
	}
	u, err := serverUser()
	if err != nil {
		return nil, fmt.Errorf("start local PostgreSQL: %w", err)
	}
	dir, err := os.MkdirTemp(opts.Dir, tempDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("start local PostgreSQL: create temporary directory: %w", err)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // the server runs in dir and must not resolve paths against it
	}
	c := &localCluster{
		dir:      dir,
		dataDir:  filepath.Join(dir, dataDirName),
		logPath:  filepath.Join(dir, logFileName),
		postgres: binaryName(binDir, "postgres"),
		user:     u,
		settings: settings,
		password: opts.Password,
		logf:     opts.Logf,
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	if err := c.prepare(ctx, binDir); err != nil {
		return nil, fmt.Errorf("start local PostgreSQL in %s: %w", dir, err)
	}
	for attempt := 1; ; attempt++ {
		if c.port, err = freePort(); err != nil {
			return nil, fmt.Errorf("start local PostgreSQL: %w", err)
		}
		err = c.start(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			return nil, fmt.Errorf("start local PostgreSQL in %s: %w", dir, err)
		}
	}
	return &Server{kind: KindLocal, host: loopback, port: c.port, password: c.password, backend: c}, nil
}

// prepare marks the directory as ours, runs initdb and opens the server log.
func (c *localCluster) prepare(ctx context.Context, binDir string) error {
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := os.WriteFile(filepath.Join(c.dir, ownerFile), pid, 0o644); err != nil {
		return fmt.Errorf("write owner file: %w", err)
	}
	if err := c.user.chown(c.dir); err != nil {
		return err
	}
	began := time.Now()
	auth := "--auth=trust"
	if c.password != "" {
		auth = "--auth=scram-sha-256" // host and local lines of pg_hba.conf
	}
	initdb := []string{
		"-D", c.dataDir, "-U", SuperUser, auth,
		"--encoding=UTF8", "--locale=C",
		"--no-sync", // throw-away: no need to flush the new cluster to disk
	}
	if c.password != "" {
		pwFile := filepath.Join(c.dir, "superuser-password")
		if err := os.WriteFile(pwFile, []byte(c.password+"\n"), 0o600); err != nil {
			return fmt.Errorf("write password file: %w", err)
		}
		defer os.Remove(pwFile)
		if err := c.user.chown(pwFile); err != nil {
			return err
		}
		initdb = append(initdb, "--pwfile="+pwFile)
	}
	if err := runTool(ctx, binaryName(binDir, "initdb"), initdb, c.dir, c.user); err != nil {
		return err
	}
	c.logf("pgserver: initdb %s took %s", c.dataDir, time.Since(began).Round(time.Millisecond))
	log, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	c.log = log
	return nil
}

// start runs postgres on c.port and waits until it accepts connections.
func (c *localCluster) start(ctx context.Context) error {
	began := time.Now()
	logStart, _ := c.log.Seek(0, io.SeekEnd)
	settings := maps.Clone(c.settings)
	settings["listen_addresses"] = loopback
	settings["port"] = strconv.Itoa(c.port)
	settings["unix_socket_directories"] = c.socketDir()
	args := append([]string{"-D", c.dataDir}, settingArgs(settings)...)
	pm, err := startPostmaster(c.postgres, args, c.dir, c.user, c.log)
	if err != nil {
		return err
	}
	err = waitReady(ctx, connURL(loopback, c.port, "postgres", c.password), pm.exited)
	if err != nil {
		stopErr := pm.stop()
		out := readLog(c.logPath, logStart)
		if errors.Is(err, errExited) && strings.Contains(out, "could not bind") {
			return fmt.Errorf("%w: %d", errPortTaken, c.port)
		}
		return errors.Join(fmt.Errorf("postgres on port %d: %w; server log ends:\n%s", c.port, err, out), stopErr)
	}
	c.pm = pm
	c.logf("pgserver: local PostgreSQL ready on %s:%d after %s", loopback, c.port, time.Since(began).Round(time.Millisecond))
	return nil
}

// socketDir is where postgres puts its Unix socket: our directory, unless its
// path is too long for a socket address (as under macOS's $TMPDIR); then none.
func (c *localCluster) socketDir() string {
	const maxSocketPath = 103 // sun_path is 104 bytes on macOS, 108 on Linux
	if len(filepath.Join(c.dir, ".s.PGSQL.65535")) > maxSocketPath {
		return ""
	}
	return c.dir
}

func (c *localCluster) restart(ctx context.Context) error {
	if c.pm != nil { // nil after a failed restart
		if err := c.pm.stop(); err != nil {
			return fmt.Errorf("restart local PostgreSQL in %s: %w", c.dir, err)
		}
		c.pm = nil
	}
	if err := c.start(ctx); err != nil {
		return fmt.Errorf("restart local PostgreSQL in %s: %w", c.dir, err)
	}
	return nil
}

func (c *localCluster) stop() error {
	var err error
	if c.pm != nil {
		if err = c.pm.stop(); err != nil {
			err = fmt.Errorf("stop local PostgreSQL in %s: %w", c.dir, err)
		}
		c.pm = nil
	}
	return errors.Join(err, c.close())
}

// close removes the directory; the server must not be running.
func (c *localCluster) close() error {
	if c.log != nil {
		c.log.Close()
		c.log = nil
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove local PostgreSQL directory: %w", err)
	}
	return nil
}

// freePort asks the kernel for a loopback port that is free right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// readLog returns the last lines the server logged from offset since on.
func readLog(path string, since int64) string {
	const maxBytes = 16 << 10
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read server log: %v)", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size()-since > maxBytes {
		since = fi.Size() - maxBytes
	}
	b, err := io.ReadAll(io.NewSectionReader(f, since, maxBytes))
	if err != nil {
		return fmt.Sprintf("(cannot read server log: %v)", err)
	}
	return lastLines(string(b), 20)
}
