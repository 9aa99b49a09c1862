package pgserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
)

// DefaultCitusWorkers is the number of workers StartCitus starts when asked for 0.
const DefaultCitusWorkers = 2

// ErrNoCitus is wrapped by StartCitus's error when the Citus extension is not
// installed into the PostgreSQL that local servers run.
var ErrNoCitus = errors.New("the Citus extension is not installed")

// citusSettings are the parameters every Citus node runs with, on top of Options.
var citusSettings = map[string]string{
	"shared_preload_libraries": "citus",
	// The nodes trust each other on loopback without TLS; Citus would
	// otherwise demand TLS between nodes.
	"citus.node_conninfo": "sslmode=disable",
}

// CitusCluster is a Citus coordinator and its workers, each an ordinary local
// server with Citus preloaded. A database is not distributed until
// CreateDatabase registers the workers in it: Citus keeps its node list per
// database.
type CitusCluster struct {
	Coordinator *Server
	Workers     []*Server

	registering sync.Mutex // held while CreateDatabase registers the nodes
}

// StartCitus starts a coordinator and workers local servers (0:
// DefaultCitusWorkers) with opts, each with shared_preload_libraries = citus,
// in parallel. The caller must Stop the cluster.
func StartCitus(ctx context.Context, opts Options, workers int) (*CitusCluster, error) {
	if opts.Kind != "" && opts.Kind != KindLocal {
		return nil, fmt.Errorf("pgserver: a Citus cluster runs local servers only, not Options.Kind %q", opts.Kind)
	}
	opts.Kind = KindLocal
	if workers == 0 {
		workers = DefaultCitusWorkers
	}
	in, err := FindInstallation(opts.BinDir)
	if err != nil {
		return nil, fmt.Errorf("start Citus: %w", err)
	}
	if !in.HasCitus() {
		return nil, fmt.Errorf("start Citus: %w (no citus.control in %s)", ErrNoCitus, in.ExtensionDir())
	}
	opts.BinDir = in.BinDir
	opts.Settings = withCitusSettings(opts.Settings)

	servers := make([]*Server, 1+workers)
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i], errs[i] = Start(ctx, opts) })
	}
	wg.Wait()
	c := &CitusCluster{Coordinator: servers[0], Workers: servers[1:]}
	if err := errors.Join(errs...); err != nil {
		return nil, errors.Join(fmt.Errorf("start Citus: %w", err), c.Stop())
	}
	return c, nil
}

// withCitusSettings adds citusSettings to settings, keeping any other
// preloaded libraries after citus, which must come first.
func withCitusSettings(settings map[string]string) map[string]string {
	s := maps.Clone(settings)
	if s == nil {
		s = map[string]string{}
	}
	preload := s["shared_preload_libraries"]
	for name, value := range citusSettings {
		if _, set := s[name]; !set {
			s[name] = value
		}
	}
	if preload != "" && !strings.Contains(preload, "citus") {
		s["shared_preload_libraries"] = "citus," + preload
	}
	return s
}

// Nodes returns the coordinator followed by the workers.
func (c *CitusCluster) Nodes() []*Server {
	return append([]*Server{c.Coordinator}, c.Workers...)
}

// Stop stops every node that was started. Calling it again is a no-op.
func (c *CitusCluster) Stop() error {
	var errs []error
	for _, s := range c.Nodes() {
		if s != nil {
			errs = append(errs, s.Stop())
		}
	}
	return errors.Join(errs...)
}
