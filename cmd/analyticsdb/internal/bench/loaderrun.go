package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/loader"
)

// loaderRun is what one loader run measured.
type loaderRun struct {
	eventsPerSec float64
	lag          [4]float64 // p50, p95, p99, max seconds
	peakRSSMB    float64    // -1 in-process
	walPerEvent  float64
	cpu          cpuTimes // over the measured window
	events       int      // stored in the measured window
	prewarmed    bool     // the indexes were read into shared_buffers first
}

// statisticsPendingSQL counts what the statistics refresh has still to do:
// the statistics show every committed batch when it is 0.
const statisticsPendingSQL = `SELECT
	  (SELECT count(*) FROM analytics."DirtyVersionStatistics") + (SELECT count(*) FROM analytics."DirtyFlowStatistics")
	+ (SELECT count(*) FROM analytics."DirtyConversation") + (SELECT count(*) FROM analytics."VersionStatisticsDelta")
	+ (SELECT count(*) FROM analytics."LatencySampleDelta") + (SELECT count(*) FROM analytics."FlowStatisticsDelta")`

// runLoader consumes messages messages of topic into the database and
// measures from the first committed batch until the last one is visible in
// the statistics: start-up and the group join are not counted.
func runLoader(ctx context.Context, o Options, dbURL string, brokers []string, topic, group string, messages int) (loaderRun, error) {
	return runLoaderMetered(ctx, o, cpuMeter{}, dbURL, brokers, topic, group, messages)
}

// runLoaderMetered is runLoader that also reads the CPU time of the
// measured window with meter.
func runLoaderMetered(ctx context.Context, o Options, meter cpuMeter, dbURL string, brokers []string, topic, group string, messages int) (loaderRun, error) {
	run := loaderRun{peakRSSMB: -1}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return run, err
	}
	defer pool.Close()
	wal0, err := walPosition(ctx, pool)
	if err != nil {
		return run, err
	}

	var l group_
	for i := 0; i < max(1, o.Loaders); i++ {
		var one runningLoader
		if o.LoaderBinary != "" {
			one, err = startChild(ctx, o, dbURL, brokers, topic, group)
		} else {
			one, err = startInProcess(ctx, o, dbURL, brokers, topic, group)
		}
		if err != nil {
			l.stop()
			return run, err
		}
		l = append(l, one)
	}
	defer l.stop()
	meter.loaders = l.pids

	var t0 time.Time
	var cpu0 cpuTimes
	var n0 int64
	deadline := time.Now().Add(time.Duration(messages/200+300) * time.Second)
	for {
		if err := l.failed(); err != nil {
			return run, err
		}
		var stored int64
		if err := pool.QueryRow(ctx, `SELECT coalesce(sum("nextOffset"), 0)::bigint FROM "KafkaOffset" WHERE "topic" = $1`, topic).Scan(&stored); err != nil {
			return run, err
		}
		if stored > 0 && t0.IsZero() {
			t0, n0, cpu0 = time.Now(), stored, meter.sample()
		}
		if stored >= int64(messages) {
			break
		}
		if time.Now().After(deadline) {
			return run, fmt.Errorf("only %d of %d messages stored before the deadline", stored, messages)
		}
		time.Sleep(25 * time.Millisecond)
	}
	// ... and until the statistics show it.
	for {
		var waiting int64
		if err := pool.QueryRow(ctx, statisticsPendingSQL).Scan(&waiting); err != nil {
			return run, err
		}
		if waiting == 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	elapsed := time.Since(t0)
	run.cpu, run.events = meter.sample().sub(cpu0), messages-int(n0)
	if n := int64(messages) - n0; n > 0 && elapsed > 0 {
		run.eventsPerSec = float64(n) / elapsed.Seconds()
	}
	wal1, err := walPosition(ctx, pool)
	if err != nil {
		return run, err
	}
	run.walPerEvent = float64(wal1-wal0) / float64(messages)
	time.Sleep(1500 * time.Millisecond) // one more refresh interval: the last lag sample is in
	run.lag, err = l.lag()
	if err != nil {
		return run, err
	}
	run.peakRSSMB = l.peakRSSMB()
	if path := os.Getenv("BENCH_LOADER_HEAP"); path != "" {
		if c, ok := l[0].(*child); ok {
			if resp, err := http.Get(c.profiles + "heap"); err == nil {
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				_ = os.WriteFile(path, data, 0o644)
			}
		}
	}
	return run, nil
}

func walPosition(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var pos int64
	err := pool.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&pos)
	return pos, err
}

// group_ is the loaders of one run, all in one consumer group.
type group_ []runningLoader

func (g group_) failed() error {
	for _, l := range g {
		if err := l.failed(); err != nil {
			return err
		}
	}
	return nil
}

// lag is the worst of the loaders' statistics lag quantiles.
func (g group_) lag() ([4]float64, error) {
	var worst [4]float64
	for _, l := range g {
		q, err := l.lag()
		if err != nil {
			return worst, err
		}
		for i := range q {
			worst[i] = math.Max(worst[i], q[i])
		}
	}
	return worst, nil
}

// peakRSSMB is the largest loader's peak resident memory.
func (g group_) peakRSSMB() float64 {
	peak := -1.0
	for _, l := range g {
		peak = math.Max(peak, l.peakRSSMB())
	}
	return peak
}

// pids are the process ids of the loaders that run as children.
func (g group_) pids() []int {
	var out []int
	for _, l := range g {
		if c, ok := l.(*child); ok {
			out = append(out, c.cmd.Process.Pid)
		}
	}
	return out
}

func (g group_) stop() {
	for _, l := range g {
		l.stop()
	}
}

type runningLoader interface {
	failed() error
	lag() ([4]float64, error)
	peakRSSMB() float64
	stop()
}

// child runs `analyticsdb run` as its own process, as operators do.
type child struct {
	cmd      *exec.Cmd
	metrics  string
	profiles string // base URL of its /debug/pprof/
	stderr   *bytes.Buffer
	exited   chan error
}

// freeLoopbackAddress is a loopback address with a port free just now.
func freeLoopbackAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startChild(ctx context.Context, o Options, dbURL string, brokers []string, topic, group string) (*child, error) {
	addr, err := freeLoopbackAddress()
	if err != nil {
		return nil, err
	}
	pprofAddr, err := freeLoopbackAddress()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, o.LoaderBinary, "run",
		"--database-url", dbURL, "--kafka-brokers", strings.Join(brokers, ","), "--kafka-topic", topic,
		"--group", group, "--http-address", addr, "--batch-size", strconv.Itoa(o.BatchSize), "--writers", strconv.Itoa(o.Writers), "--log-format", "json",
		"--pprof", "--pprof-address", pprofAddr)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, v := range []string{"GODEBUG", "GOGC", "GOMEMLIMIT", "BATCH_BYTES", "MEMORY_LIMIT_MB"} {
		if val, ok := os.LookupEnv("BENCH_LOADER_" + v); ok {
			cmd.Env = append(cmd.Env, v+"="+val)
		}
	}
	c := &child{cmd: cmd, metrics: "http://" + addr + "/metrics", profiles: "http://" + pprofAddr + "/debug/pprof/",
		stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { c.exited <- cmd.Wait() }()
	return c, nil
}

func (c *child) failed() error {
	select {
	case err := <-c.exited:
		return fmt.Errorf("loader exited: %v\n%s", err, tail(c.stderr.String(), 2000))
	default:
		return nil
	}
}

func (c *child) lag() ([4]float64, error) {
	resp, err := http.Get(c.metrics)
	if err != nil {
		return [4]float64{}, err
	}
	defer resp.Body.Close()
	return parseLag(resp.Body)
}

// parseLag reads the statistics lag quantiles of a /metrics page.
func parseLag(r io.Reader) ([4]float64, error) {
	var out [4]float64
	want := map[string]int{"0.5": 0, "0.95": 1, "0.99": 2, "1": 3}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "analyticsdb_statistics_lag_recent_seconds{") {
			continue
		}
		q := strings.TrimSuffix(strings.TrimPrefix(strings.Fields(line)[0], `analyticsdb_statistics_lag_recent_seconds{quantile="`), `"}`)
		v, err := strconv.ParseFloat(strings.Fields(line)[1], 64)
		if i, ok := want[q]; ok && err == nil {
			out[i] = v
		}
	}
	return out, sc.Err()
}

func (c *child) peakRSSMB() float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

func (c *child) stop() {
	if path := os.Getenv("BENCH_LOADER_STDERR"); path != "" {
		defer func() { _ = os.WriteFile(path, c.stderr.Bytes(), 0o644) }()
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// inProcess runs the loader in this process (no memory figure).
type inProcess struct {
	cancel context.CancelFunc
	done   chan error
	l      *loader.Loader
}

func startInProcess(ctx context.Context, o Options, dbURL string, brokers []string, topic, group string) (*inProcess, error) {
	cfg := loader.DefaultConfig()
	cfg.DatabaseURL = dbURL
	cfg.Batch.MaxMessages = o.BatchSize
	cfg.Writers = o.Writers
	cfg.Kafka.Brokers, cfg.Kafka.Topic, cfg.Kafka.Group = brokers, topic, group
	cfg.Log = o.Log
	l, err := loader.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	p := &inProcess{cancel: cancel, done: make(chan error, 2), l: l}
	go func() { p.done <- l.RunKafka(runCtx) }()
	return p, nil
}

func (p *inProcess) failed() error {
	select {
	case err := <-p.done:
		if err == nil {
			err = fmt.Errorf("loader stopped")
		}
		return err
	default:
		return nil
	}
}

func (p *inProcess) lag() ([4]float64, error) {
	var buf bytes.Buffer
	p.l.WritePrometheus(&buf)
	return parseLag(&buf)
}

func (p *inProcess) peakRSSMB() float64 { return -1 }

func (p *inProcess) stop() {
	p.cancel()
	<-p.done
	p.l.Close()
}
