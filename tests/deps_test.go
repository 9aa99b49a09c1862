package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLinksNoDockerClient: the analyticsdb binary starts only local
// PostgreSQL servers (demo, bench); the Docker backend
// (internal/pgserver/pgdocker, dockertest and the Docker client) belongs to
// the test harness and must not be linked into it.
func TestBinaryLinksNoDockerClient(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-deps", "./cmd/analyticsdb")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/analyticsdb: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "docker") || strings.Contains(pkg, "dockertest") {
			t.Errorf("the analyticsdb binary imports %s", pkg)
		}
	}
}
