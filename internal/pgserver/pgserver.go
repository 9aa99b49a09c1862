package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Kinds of server, as returned by Server.Kind and accepted by Options.Kind.
const (
	KindLocal  = "local"  // a cluster initialised with the installed PostgreSQL binaries
	KindDocker = "docker" // a container of Options.Docker
)

// Defaults applied when the matching Options field is zero.
const (
	DefaultMaxConnections = 200
	DefaultSharedBuffers  = "128MB"
	defaultStartTimeout   = 2 * time.Minute
)

// SuperUser is the role every server is initialised with; it needs no
// password unless Options.Password sets one.
const SuperUser = "postgres"

// Options configures Start. The zero value is ready to use.
type Options struct {
	// Kind selects the server: KindLocal, KindDocker, or "" for Docker when
	// Docker is set and its engine answers, and a local cluster otherwise (or
	// if Docker fails to start).
	Kind string
	// Docker runs KindDocker servers (pgdocker.Engine{}); nil: none.
	Docker Engine
	// MaxConnections is max_connections; 0 means DefaultMaxConnections.
	MaxConnections int
	// SharedBuffers is shared_buffers, such as "256MB"; "" means DefaultSharedBuffers.
	SharedBuffers string
	// Settings are extra server parameters (name to value), applied after the
	// defaults. The network parameters (listen_addresses, port,
	// unix_socket_directories) are managed by pgserver and may not be set.
	Settings map[string]string
	// Dir is where a local server's temporary directory is created; "" means
	// os.TempDir(). A tmpfs such as /dev/shm makes creating databases several
	// times faster, at the cost of memory.
	Dir string
	// BinDir is the directory holding initdb and postgres for a local server;
	// "" searches PATH, then `pg_config --bindir`, then common install paths.
	BinDir string
	// Logf receives progress messages; nil discards them.
	Logf func(format string, args ...any)
	// Password, when set, is the superuser's password, and the server then
	// authenticates every connection, over TCP or its Unix socket, with
	// scram-sha-256 instead of trusting it; the URLs carry the password.
	// Local servers only.
	Password string
}

// ErrUnavailable is wrapped by Start's error when neither a Docker engine nor
// the PostgreSQL server binaries can be found.
var ErrUnavailable = errors.New("no PostgreSQL available")

// Server is a running throw-away PostgreSQL server. Its methods are safe for
// concurrent use.
type Server struct {
	kind     string
	host     string
	port     int
	password string // the superuser's, or ""
	backend  backend

	mu      sync.Mutex
	stopped bool
}

// backend is what differs between a local cluster and a container.
type backend interface {
	restart(ctx context.Context) error
	stop() error
}

// Start starts a server and returns once it accepts connections; the caller
// must Stop it. If ctx has no deadline, Start gives up after two minutes.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	settings, err := serverSettings(opts)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}

	if opts.Password != "" && opts.Kind != KindLocal {
		if opts.Kind == KindDocker {
			return nil, errors.New("pgserver: Options.Password needs a local server (Kind KindLocal)")
		}
		opts.Kind = KindLocal
	}

	switch opts.Kind {
	case KindLocal:
		return startLocal(ctx, opts, settings)
	case KindDocker:
		if opts.Docker == nil {
			return nil, fmt.Errorf("%w: Options.Docker is not set", ErrUnavailable)
		}
		if err := opts.Docker.Ping(ctx); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return startDocker(ctx, opts.Docker, opts, settings)
	case "":
		if opts.Docker == nil {
			return startLocal(ctx, opts, settings)
		}
		if err := opts.Docker.Ping(ctx); err != nil {
			opts.Logf("pgserver: using a local server: %v", err)
			return startLocal(ctx, opts, settings)
		}
		srv, dockerErr := startDocker(ctx, opts.Docker, opts, settings)
		if dockerErr == nil {
			return srv, nil
		}
		opts.Logf("pgserver: Docker failed, trying a local server: %v", dockerErr)
		srv, err = startLocal(ctx, opts, settings)
		if err != nil {
			return nil, fmt.Errorf("%w (before that, Docker failed: %v)", err, dockerErr)
		}
		return srv, nil
	default:
		return nil, fmt.Errorf("pgserver: unknown Options.Kind %q (want %q, %q or empty)", opts.Kind, KindLocal, KindDocker)
	}
}

// Kind reports where the server runs: KindLocal or KindDocker.
func (s *Server) Kind() string { return s.kind }

// ProcessID is the postmaster's process id for a local server, so that a
// caller can read the server's resource use from the operating system; false
// for a container or a stopped server.
func (s *Server) ProcessID() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.backend.(*localCluster); ok && !s.stopped && c.pm != nil {
		return c.pm.proc.Pid, true
	}
	return 0, false
}

// URL is the connection URL of the maintenance database "postgres", as the
// superuser (with Options.Password), without TLS.
func (s *Server) URL() string { return s.DatabaseURL("postgres") }

// DatabaseURL is the connection URL of database name, as the superuser (with
// Options.Password), without TLS.
func (s *Server) DatabaseURL(name string) string { return connURL(s.host, s.port, name, s.password) }

// connURL is the URL of database name on host:port, as the superuser with
// password (none if "").
func connURL(host string, port int, name, password string) string {
	user := url.User(SuperUser)
	if password != "" {
		user = url.UserPassword(SuperUser, password)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     user,
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + name,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Restart shuts the server down (fast mode: open connections are closed) and
// starts it again on the same port with the same data. Only local servers
// support it.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("pgserver: restart: server is stopped")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}
	return s.backend.restart(ctx)
}

// Stop shuts the server down and removes its data. Calling it again is a no-op.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	return s.backend.stop()
}
