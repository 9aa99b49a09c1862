package tests

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// metricsText is the loader's /metrics page, as promhttp serves it.
func metricsText(t testing.TB, l *loader.Loader) string {
	t.Helper()
	var buf bytes.Buffer
	if err := l.WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var lagSeries = regexp.MustCompile(`(?m)^analyticsdb_consumer_lag\{[^}]*partition="(\d+)"[^}]*\} `)

// lagPartitions are the partitions a loader reports a consumer lag for.
func lagPartitions(t testing.TB, l *loader.Loader) []string {
	var out []string
	for _, m := range lagSeries.FindAllStringSubmatch(metricsText(t, l), -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// TestLagSeriesFollowAssignment: a partition that moves to another loader of
// the group leaves the first loader's /metrics (issue: stale series
// double-counted the lag), and between them the two loaders report each
// partition once.
func TestLagSeriesFollowAssignment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newCluster(t, 4)
	produceTraffic(t, c, trafficConfig(1, 400))
	limits := loader.BatchLimits{MaxMessages: 50, MaxWait: 20 * time.Millisecond}
	first := b.startSource(t, c, sourceOptions{group: "lag", limits: limits})
	waitFor(t, 60*time.Second, "the first loader reports all 4 partitions' lag", func() bool {
		return len(lagPartitions(t, first.loader)) == 4
	})
	second := b.startSource(t, c, sourceOptions{group: "lag", limits: limits})
	waitFor(t, 60*time.Second, "the second loader is ready", func() bool {
		return second.loader.Ready(context.Background()) == nil
	})
	waitFor(t, 30*time.Second, "the first loader drops the lag of the partitions it lost", func() bool {
		return len(lagPartitions(t, first.loader)) < 4
	})
	produceTraffic(t, c, trafficConfig(2, 400))
	waitFor(t, 60*time.Second, "both loaders report lag for the partitions they own", func() bool {
		a, s := lagPartitions(t, first.loader), lagPartitions(t, second.loader)
		return len(a)+len(s) == 4 && len(a) > 0 && len(s) > 0
	})
	a, s := lagPartitions(t, first.loader), lagPartitions(t, second.loader)
	for _, part := range a {
		if slices.Contains(s, part) {
			t.Errorf("partition %s reported by both loaders (first %v, second %v)", part, a, s)
		}
	}
}

// stallHook blocks the polling goroutine while stalled is set: the consumer
// loop of the loader stops turning, as a hung loop would.
type stallHook struct {
	mu      sync.Mutex
	stalled bool
	release chan struct{}
}

func (h *stallHook) OnFetchRecordUnbuffered(_ *kgo.Record, polled bool) {
	h.mu.Lock()
	stalled, release := h.stalled, h.release
	h.mu.Unlock()
	if stalled && polled {
		<-release
	}
}

func (h *stallHook) stall() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stalled, h.release = true, make(chan struct{})
}

func (h *stallHook) resume() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stalled = false
	close(h.release)
}

// TestLivenessAndReadiness: Live fails when the consumer loop stops polling
// and recovers when it turns again, and stays fine on an idle topic; Ready
// needs PostgreSQL, a connected broker and an assigned partition.
func TestLivenessAndReadiness(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if err := b.loader.Ready(context.Background()); err != nil {
		t.Errorf("a loader without Kafka (replays) is ready with PostgreSQL alone; got %v", err)
	}
	c := newCluster(t, 2)
	hook := &stallHook{}
	cfg := b.cfg
	cfg.LiveTimeout = 800 * time.Millisecond
	cfg.Batch = loader.BatchLimits{MaxMessages: 20, MaxWait: 20 * time.Millisecond}
	cfg.Kafka = loader.KafkaConfig{Brokers: c.ListenAddrs(), Topic: topic, Group: "health",
		Opts: []kgo.Opt{kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(300 * time.Millisecond), kgo.WithHooks(hook)}}
	l := b.newLoader(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.RunKafka(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitFor(t, 30*time.Second, "ready", func() bool { return l.Ready(context.Background()) == nil })

	time.Sleep(3 * cfg.LiveTimeout) // idle: nothing to read
	if err := l.Live(); err != nil {
		t.Errorf("an idle loader is live; got %v", err)
	}

	hook.stall()
	produceTraffic(t, c, trafficConfig(3, 50))
	waitFor(t, 30*time.Second, "a stalled consumer loop is not live", func() bool { return l.Live() != nil })
	if err := l.Live(); !strings.Contains(err.Error(), "has not polled") {
		t.Errorf("Live: %v", err)
	}
	hook.resume()
	waitFor(t, 30*time.Second, "live again", func() bool { return l.Live() == nil })

	c.Close()
	waitFor(t, 60*time.Second, "not ready without a broker", func() bool {
		err := l.Ready(context.Background())
		return err != nil && strings.Contains(err.Error(), "Kafka")
	})
}

// tcpProxy forwards connections on addr to target until the test ends.
func tcpProxy(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

// probe is the status code and body of GET addr+path.
func probe(addr, path string) (int, string) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestRunWaitsForPostgreSQLAndKafka: `run` started before PostgreSQL and
// Kafka are reachable waits for each, says so in its log, is live but not
// ready meanwhile, then loads; when Kafka goes away it stays live, logs the
// failed connections and is not ready.
func TestRunWaitsForPostgreSQLAndKafka(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dbURL, err := url.Parse(b.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	pgTarget := dbURL.Host
	dbURL.Host = closedPort(t)
	kafkaAddr, httpAddr := closedPort(t), freeAddr(t)
	args := []string{"run", "--database-url", dbURL.String(), "--kafka-brokers", kafkaAddr, "--kafka-topic", topic,
		"--group", "waits", "--http-address", httpAddr, "--batch-wait", "20ms", "--refresh-interval", "200ms"}
	ch := startChild(t, "waiting-run", args)
	status := func(path string) int { code, _ := probe(httpAddr, path); return code }

	waitFor(t, 60*time.Second, "run logs that it waits for PostgreSQL", func() bool {
		return strings.Count(ch.out.String(), "waiting for PostgreSQL") >= 2
	})
	if !strings.Contains(ch.out.String(), "attempt=2") || !strings.Contains(ch.out.String(), "next_attempt_in=") {
		t.Errorf("the wait log lacks the attempt or the next delay:\n%s", ch.out.String())
	}
	if got := status("/livez"); got != http.StatusOK {
		t.Errorf("/livez while waiting for PostgreSQL: %d, want 200", got)
	}
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz while waiting for PostgreSQL: %d, want 503", got)
	}
	// Stopped while waiting, it stops cleanly.
	other := startChild(t, "stopped-waiting-run", []string{"run", "--database-url", dbURL.String(), "--kafka-brokers", kafkaAddr, "--http-address", ""})
	waitFor(t, 60*time.Second, "the other run waits", func() bool { return strings.Contains(other.out.String(), "waiting for PostgreSQL") })
	if err := other.terminate(t, 30*time.Second); err != nil {
		t.Errorf("run stopped while waiting for PostgreSQL: %v\n%s", err, other.out.String())
	}

	tcpProxy(t, dbURL.Host, pgTarget)
	waitFor(t, 60*time.Second, "run logs that it waits for Kafka", func() bool {
		return strings.Contains(ch.out.String(), "PostgreSQL is up") && strings.Contains(ch.out.String(), "waiting for Kafka")
	})
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz while waiting for Kafka: %d, want 503", got)
	}

	_, port, _ := net.SplitHostPort(kafkaAddr)
	portNum, _ := strconv.Atoi(port)
	c := newClusterWith(t, 2, kfake.Ports(portNum))
	p := produceTraffic(t, c, trafficConfig(4, 200))
	waitFor(t, 60*time.Second, "ready", func() bool { return status("/readyz") == http.StatusOK })
	waitFor(t, 60*time.Second, "everything stored", func() bool { return b.storedOffsets() >= p.endOffsets() })
	if got := status("/livez"); got != http.StatusOK {
		t.Errorf("/livez while consuming: %d", got)
	}

	c.Close()
	waitFor(t, 60*time.Second, "not ready without Kafka", func() bool {
		code, body := probe(httpAddr, "/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "Kafka")
	})
	if !strings.Contains(ch.out.String(), "cannot connect to a Kafka broker") {
		t.Errorf("lost brokers are not logged:\n%s", tail(ch.out.String(), 3000))
	}
	if got := status("/livez"); got != http.StatusOK {
		t.Errorf("/livez without Kafka: %d, want 200 (a restart would not bring Kafka back)", got)
	}
	if err := ch.terminate(t, time.Minute); err != nil {
		t.Errorf("run: %v\n%s", err, tail(ch.out.String(), 3000))
	}
}
