package pgserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"
)

// Engine runs servers in containers. Package pgdocker provides one; pgserver
// itself does not depend on a container engine's client, so that programs
// which only ever start local servers (the analyticsdb binary's demo and
// bench) do not link one.
type Engine interface {
	// Ping reports whether the engine answers.
	Ping(ctx context.Context) error
	// Run starts a container of Image running postgres with args, its port
	// 5432 published on 127.0.0.1 only, and returns the published port.
	Run(ctx context.Context, args []string) (port int, c Container, err error)
	// Image names the image Run starts.
	Image() string
}

// Container is a server's container.
type Container interface {
	ID() string
	LogTail() string // the last lines the container wrote
	Remove() error   // the data is thrown away: nothing to shut down gracefully
}

func startDocker(ctx context.Context, engine Engine, opts Options, settings map[string]string) (_ *Server, err error) {
	began := time.Now()
	settings = maps.Clone(settings)
	settings["listen_addresses"] = "*" // inside the container; published on loopback only
	port, c, err := engine.Run(ctx, settingArgs(settings))
	if err != nil {
		return nil, fmt.Errorf("run %s container: %w", engine.Image(), err)
	}
	defer func() {
		if err != nil {
			_ = c.Remove()
		}
	}()
	if err := waitReady(ctx, connURL(loopback, port, "postgres", ""), nil); err != nil {
		return nil, fmt.Errorf("%s container %.12s on port %d: %w; container log ends:\n%s",
			engine.Image(), c.ID(), port, err, c.LogTail())
	}
	opts.Logf("pgserver: %s container %.12s ready on %s:%d after %s",
		engine.Image(), c.ID(), loopback, port, time.Since(began).Round(time.Millisecond))
	return &Server{kind: KindDocker, host: loopback, port: port, backend: container{c}}, nil
}

// container is the backend of a server in a container.
type container struct{ c Container }

func (container) restart(context.Context) error {
	return errors.New("pgserver: restart is not supported for a Docker server; start with Options.Kind = KindLocal")
}

func (c container) stop() error { return c.c.Remove() }
