package pgdocker_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/openrasa/analyticsdb/internal/pgserver"
	"github.com/openrasa/analyticsdb/internal/pgserver/pgdocker"
)

func TestDockerUnavailable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	_, err := pgserver.Start(t.Context(), pgserver.Options{Kind: pgserver.KindDocker, Docker: pgdocker.Engine{}})
	if !errors.Is(err, pgserver.ErrUnavailable) {
		t.Errorf("Start(KindDocker) without an engine: %v, want ErrUnavailable", err)
	}
}
