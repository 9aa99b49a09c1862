package citusbuild

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"github.com/openrasa/analyticsdb/internal/pgserver"
)

//go:embed build.sh
var buildScript string

// build runs build.sh to compile source against in and leave the installed
// files in cache.
func build(ctx context.Context, source, cache string, in pgserver.Installation) error {
	work, err := os.MkdirTemp("", "analyticsdb-citus-build-")
	if err != nil {
		return fmt.Errorf("citusbuild: %w", err)
	}
	defer os.RemoveAll(work)
	cmd := exec.CommandContext(ctx, "bash", "-c", buildScript, "build.sh")
	cmd.Dir = work
	ownGroup(cmd)
	cmd.Env = append(os.Environ(),
		"SOURCE="+source, "WORK="+work, "CACHE="+cache, "SERVER_PG_CONFIG="+in.PGConfig,
		"JOBS="+strconv.Itoa(runtime.NumCPU()))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		return fmt.Errorf("citusbuild: build %s: %w; output ends:\n%s", source, err, strings.Join(lines[max(0, len(lines)-40):], "\n"))
	}
	return nil
}
