// Package pgdocker runs pgserver's throw-away PostgreSQL in Docker, through
// dockertest. Only the test harness (tests/testdb) uses it: the analyticsdb
// binary starts local servers only and does not link a Docker client.
package pgdocker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
)

// Image run by the engine; pinned so every run gets the same server.
const (
	Image       = repository + ":" + tag
	repository  = "postgres"
	tag         = "16.4"
	label       = "org.openrasa.analyticsdb.pgserver" // marks our containers
	pingTime    = 2 * time.Second
	loopback    = "127.0.0.1"
	serverPort  = "5432/tcp"
	logTailSize = "20"
)

// Engine is the Docker engine named by the environment (as the docker CLI
// finds it), as a pgserver.Engine.
type Engine struct{}

var _ pgserver.Engine = Engine{}

// Image names the image Run starts.
func (Engine) Image() string { return Image }

// Ping checks that the engine answers within two seconds.
func (Engine) Ping(ctx context.Context) error {
	_, err := pool(ctx)
	return err
}

func pool(ctx context.Context) (*dockertest.Pool, error) {
	p, err := dockertest.NewPool("")
	if err != nil {
		return nil, fmt.Errorf("connect to Docker: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, pingTime)
	defer cancel()
	if err := p.Client.PingWithContext(ctx); err != nil {
		return nil, fmt.Errorf("Docker engine at %s does not answer: %w", p.Client.Endpoint(), err)
	}
	return p, nil
}

// Run starts a container running postgres with args.
func (Engine) Run(ctx context.Context, args []string) (int, pgserver.Container, error) {
	p, err := pool(ctx)
	if err != nil {
		return 0, nil, err
	}
	res, err := p.RunWithOptions(&dockertest.RunOptions{
		Repository: repository,
		Tag:        tag,
		Env: []string{
			"POSTGRES_HOST_AUTH_METHOD=trust",
			"POSTGRES_INITDB_ARGS=--encoding=UTF8 --locale=C --no-sync",
		},
		Cmd:    append([]string{"postgres"}, args...),
		Labels: map[string]string{label: strconv.Itoa(os.Getpid())},
		PortBindings: map[docker.Port][]docker.PortBinding{
			// Trust authentication must not be reachable from the network.
			serverPort: {{HostIP: loopback}},
		},
	}, func(hc *docker.HostConfig) {
		hc.PublishAllPorts = false
		hc.AutoRemove = true
		hc.RestartPolicy = docker.NeverRestart()
		hc.ShmSize = 256 << 20 // the 64MB default is too small for parallel queries
	})
	if err != nil {
		return 0, nil, err
	}
	c := &container{pool: p, res: res}
	port, err := strconv.Atoi(res.GetPort(serverPort))
	if err != nil {
		_ = c.Remove()
		return 0, nil, fmt.Errorf("container %.12s publishes no port for %s", res.Container.ID, serverPort)
	}
	return port, c, nil
}

// container is a server running in a container.
type container struct {
	pool *dockertest.Pool
	res  *dockertest.Resource
}

func (c *container) ID() string { return c.res.Container.ID }

func (c *container) Remove() error {
	if err := c.pool.Purge(c.res); err != nil {
		var gone *docker.NoSuchContainer
		if errors.As(err, &gone) {
			return nil
		}
		return fmt.Errorf("remove container %.12s: %w", c.res.Container.ID, err)
	}
	return nil
}

func (c *container) LogTail() string {
	var out bytes.Buffer
	err := c.pool.Client.Logs(docker.LogsOptions{
		Container:    c.res.Container.ID,
		OutputStream: &out,
		ErrorStream:  &out,
		Stdout:       true,
		Stderr:       true,
		Tail:         logTailSize,
	})
	if err != nil {
		return fmt.Sprintf("(cannot read container log: %v)", err)
	}
	return out.String()
}
