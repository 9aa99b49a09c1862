package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The CPU figures say where a run's time goes on the box: PostgreSQL, the
// loader, and this process (the in-process Kafka, and the bare COPY's client).
// They come from /proc, so only on Linux and only for a server this process
// started; elsewhere they are left out.

// userHZ is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux architecture Go supports).
const userHZ = 100

// cpuTimes is the CPU time used so far by each party.
type cpuTimes struct {
	postgres, loaders, self time.Duration
	nodes                   []time.Duration // postgres split by server, in cpuMeter.postmasters' order
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	d := cpuTimes{postgres: a.postgres - b.postgres, loaders: a.loaders - b.loaders, self: a.self - b.self}
	for i := range a.nodes {
		d.nodes = append(d.nodes, a.nodes[i]-b.nodes[i])
	}
	return d
}

// cpuMeter samples cpuTimes; postmasters is empty when the servers'
// processes are not ours to read. It holds one server's postmaster, or a
// Citus cluster's: the coordinator's, then the workers'.
type cpuMeter struct {
	postmasters []int
	loaders     func() []int // process ids of the loader children
}

func (m cpuMeter) ok() bool { return len(m.postmasters) > 0 }

func (m cpuMeter) sample() cpuTimes {
	var t cpuTimes
	if !m.ok() {
		return t
	}
	for _, pm := range m.postmasters {
		d := processTreeCPU(pm)
		t.nodes = append(t.nodes, d)
		t.postgres += d
	}
	if m.loaders != nil {
		for _, pid := range m.loaders() {
			self, _, _ := processCPU(pid)
			t.loaders += self
		}
	}
	t.self, _, _ = processCPU(os.Getpid())
	return t
}

// processTreeCPU is the CPU time of pid and of its children, live ones (the
// PostgreSQL backends) and exited ones it has reaped.
func processTreeCPU(pid int) time.Duration {
	self, reaped, _ := processCPU(pid)
	total := self + reaped
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		child, err := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if err != nil || child == pid {
			continue
		}
		if self, _, parent := processCPU(child); parent == pid {
			total += self
		}
	}
	return total
}

// processCPU reads user+system time of pid itself, of its reaped children,
// and its parent's id; zeros when the process is gone.
func processCPU(pid int) (self, reaped time.Duration, parent int) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0
	}
	// "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, 0, 0
	}
	f := bytes.Fields(data[end+1:])
	if len(f) < 15 {
		return 0, 0, 0
	}
	num := func(i int) int64 { n, _ := strconv.ParseInt(string(f[i]), 10, 64); return n }
	ticks := func(n int64) time.Duration { return time.Duration(n) * time.Second / userHZ }
	// After the comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
	return ticks(num(11) + num(12)), ticks(num(13) + num(14)), int(num(1))
}

// perThousandEach is perThousand of each of ds.
func perThousandEach(ds []time.Duration, n int) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = perThousand(d, n)
	}
	return out
}

// perThousand is d per 1,000 of n events, in milliseconds.
func perThousand(d time.Duration, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(d) / float64(time.Millisecond) / (float64(n) / 1000)
}
