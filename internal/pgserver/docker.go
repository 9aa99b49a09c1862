package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strconv"
	"time"

	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
)

// Docker image run by a docker server; pinned so every run gets the same server.
const (
	DockerImage      = dockerRepository + ":" + dockerTag
	dockerRepository = "postgres"
	dockerTag        = "16.4"
	dockerLabel      = "org.openrasa.analyticsdb.pgserver" // marks our containers
	dockerPingTime   = 2 * time.Second
)

// dockerContainer is a server running in a container.
type dockerContainer struct {
	pool *dockertest.Pool
	res  *dockertest.Resource
}

// dockerPool connects to the Docker engine named by the environment (as the
// docker CLI does) and checks that it answers within dockerPingTime.
func dockerPool(ctx context.Context) (*dockertest.Pool, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, fmt.Errorf("connect to Docker: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, dockerPingTime)
	defer cancel()
	if err := pool.Client.PingWithContext(ctx); err != nil {
		return nil, fmt.Errorf("Docker engine at %s does not answer: %w", pool.Client.Endpoint(), err)
	}
	return pool, nil
}

func startDocker(ctx context.Context, pool *dockertest.Pool, opts Options, settings map[string]string) (_ *Server, err error) {
	began := time.Now()
	settings = maps.Clone(settings)
	settings["listen_addresses"] = "*" // inside the container; published on loopback only
	res, err := pool.RunWithOptions(&dockertest.RunOptions{
		Repository: dockerRepository,
		Tag:        dockerTag,
		Env: []string{
			"POSTGRES_HOST_AUTH_METHOD=trust",
			"POSTGRES_INITDB_ARGS=--encoding=UTF8 --locale=C --no-sync",
		},
		Cmd:    append([]string{"postgres"}, settingArgs(settings)...),
		Labels: map[string]string{dockerLabel: strconv.Itoa(os.Getpid())},
		PortBindings: map[docker.Port][]docker.PortBinding{
			// Trust authentication must not be reachable from the network.
			"5432/tcp": {{HostIP: loopback}},
		},
	}, func(hc *docker.HostConfig) {
		hc.PublishAllPorts = false
		hc.AutoRemove = true
		hc.RestartPolicy = docker.NeverRestart()
		hc.ShmSize = 256 << 20 // the 64MB default is too small for parallel queries
	})
	if err != nil {
		return nil, fmt.Errorf("run %s container: %w", DockerImage, err)
	}
	c := &dockerContainer{pool: pool, res: res}
	defer func() {
		if err != nil {
			_ = c.stop()
		}
	}()
	port, err := strconv.Atoi(res.GetPort("5432/tcp"))
	if err != nil {
		return nil, fmt.Errorf("container %.12s publishes no port for 5432/tcp", res.Container.ID)
	}
	if err := waitReady(ctx, connURL(loopback, port, "postgres"), nil); err != nil {
		return nil, fmt.Errorf("%s container %.12s on port %d: %w; container log ends:\n%s",
			DockerImage, res.Container.ID, port, err, c.logTail())
	}
	opts.Logf("pgserver: %s container %.12s ready on %s:%d after %s",
		DockerImage, res.Container.ID, loopback, port, time.Since(began).Round(time.Millisecond))
	return &Server{kind: KindDocker, host: loopback, port: port, backend: c}, nil
}

func (c *dockerContainer) restart(context.Context) error {
	return errors.New("pgserver: restart is not supported for a Docker server; start with Options.Kind = KindLocal")
}

func (c *dockerContainer) stop() error {
	// The data is thrown away, so there is nothing to shut down gracefully.
	if err := c.pool.Purge(c.res); err != nil {
		var gone *docker.NoSuchContainer
		if errors.As(err, &gone) {
			return nil
		}
		return fmt.Errorf("remove container %.12s: %w", c.res.Container.ID, err)
	}
	return nil
}

// logTail returns the last lines the container wrote.
func (c *dockerContainer) logTail() string {
	var out bytes.Buffer
	err := c.pool.Client.Logs(docker.LogsOptions{
		Container:    c.res.Container.ID,
		OutputStream: &out,
		ErrorStream:  &out,
		Stdout:       true,
		Stderr:       true,
		Tail:         "20",
	})
	if err != nil {
		return fmt.Sprintf("(cannot read container log: %v)", err)
	}
	return out.String()
}
