package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterCPU is the CPU time used so far by the PostgreSQL cluster the pid's
// backend belongs to: its live children and the ones reaped.
func clusterCPU(t *testing.T, backendPid int) time.Duration {
	stat := func(pid int) []string {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return nil
		}
		s := string(b)
		return strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	}
	f := stat(backendPid)
	postmaster, _ := strconv.Atoi(f[1])
	ticks := func(f []string, i ...int) (n int64) {
		for _, k := range i {
			v, _ := strconv.ParseInt(f[k], 10, 64)
			n += v
		}
		return n
	}
	pm := stat(postmaster)
	total := ticks(pm, 11, 12, 13, 14)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if f := stat(pid); f != nil && f[1] == strconv.Itoa(postmaster) {
			total += ticks(f, 11, 12)
		}
	}
	return time.Duration(total) * time.Second / 100
}
