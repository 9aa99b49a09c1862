package tests

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const topic = "rasa-events"

// newCluster starts an in-process Kafka cluster with the topic.
func newCluster(t *testing.T, partitions int32) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// produce writes messages as Rasa does: keyed by sender, with the
// RASA_ENVIRONMENT header.
func produce(t *testing.T, c *kfake.Cluster, msgs [][]byte) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	records := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		records[i] = &kgo.Record{Key: senderKey(m), Value: m,
			Headers: []kgo.RecordHeader{{Key: "RASA_ENVIRONMENT", Value: []byte("production")}}}
	}
	if err := cl.ProduceSync(context.Background(), records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// senderKey is the sender_id of a message, or nil (Rasa sends a null key
// without partition_by_sender; bad messages here go anywhere).
func senderKey(m []byte) []byte {
	i := bytes.Index(m, []byte(`"sender_id": "`))
	if i < 0 {
		return nil
	}
	rest := m[i+len(`"sender_id": "`):]
	return rest[:bytes.IndexByte(rest, '"')]
}

// consumer is a running Kafka source; stop ends it and waits.
type consumer struct {
	cancel context.CancelFunc
	done   chan error
	loader *loader.Loader
}

func (b *bundle) consume(t *testing.T, c *kfake.Cluster, group string, limits loader.BatchLimits) *consumer {
	t.Helper()
	cfg := b.cfg
	cfg.Batch = limits
	cfg.Kafka = loader.KafkaConfig{Brokers: c.ListenAddrs(), Topic: topic, Group: group,
		Opts: []kgo.Opt{kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(500 * time.Millisecond)}}
	l := b.newLoader(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cons := &consumer{cancel: cancel, done: make(chan error, 1), loader: l}
	go func() { cons.done <- l.RunKafka(ctx) }()
	t.Cleanup(func() { cons.stop(t) })
	return cons
}

func (c *consumer) stop(t *testing.T) {
	if c.cancel == nil {
		return
	}
	c.cancel()
	c.cancel = nil
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("consumer: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("consumer did not stop within 30s")
	}
}

// waitForOffsets waits until the stored offsets cover n messages.
func (b *bundle) waitForOffsets(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := one[int64](b, `SELECT coalesce(sum("nextOffset"), 0)::bigint FROM "KafkaOffset"`)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored offsets cover %d of %d messages after 60s", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sampleMessages(t *testing.T) [][]byte {
	t.Helper()
	f, err := os.Open(sampleStream)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		msgs = append(msgs, append([]byte(nil), sc.Bytes()...))
	}
	return msgs
}

// TestSampleStreamThroughKafka: the sample stream produced to Kafka, keyed by
// sender over four partitions, gives the same tables as the file replay.
func TestSampleStreamThroughKafka(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newCluster(t, 4)
	msgs := sampleMessages(t)
	produce(t, c, msgs)
	cons := b.consume(t, c, "g", loader.BatchLimits{MaxMessages: 700, MaxWait: 100 * time.Millisecond})
	b.waitForOffsets(t, int64(len(msgs)))
	cons.stop(t)
	b.refresh()
	checkAgainstOracle(t, b, readOracle(t))
	if got := one[string](b, `SELECT string_agg(DISTINCT e."name", ',') FROM "ConversationEvent" ce
		JOIN "Environment" e ON e."id" = ce."environmentId"`); got != "production" {
		t.Errorf("environments %q, want production from the RASA_ENVIRONMENT header", got)
	}
	if n := one[int](b, `SELECT count(*)::int FROM "RejectedEvent" WHERE "topic" = $1 AND "offset" IS NOT NULL`, topic); n != readOracle(t).Events.Rejected {
		t.Errorf("%d rejected rows carry their Kafka position", n)
	}
}

// TestRestartMidStreamLosesAndDuplicatesNothing: a loader stopped half way and
// a new one in the same group end with every event exactly once.
func TestRestartMidStreamLosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newCluster(t, 3)
	msgs := sampleMessages(t)
	produce(t, c, msgs)
	limits := loader.BatchLimits{MaxMessages: 150, MaxWait: 50 * time.Millisecond}
	first := b.consume(t, c, "g", limits)
	b.waitForOffsets(t, int64(len(msgs)/3))
	first.stop(t)
	stopped := one[int64](b, `SELECT sum("nextOffset")::bigint FROM "KafkaOffset"`)
	if stopped >= int64(len(msgs)) {
		t.Fatalf("the first loader read everything (%d) before it was stopped", stopped)
	}
	second := b.consume(t, c, "g", limits)
	b.waitForOffsets(t, int64(len(msgs)))
	second.stop(t)
	b.refresh()
	checkAgainstOracle(t, b, readOracle(t))
	t.Logf("first loader stopped at %d of %d messages", stopped, len(msgs))
}

// TestTwoLoadersShareTheGroup: two loaders in one group split the partitions
// and together store everything once.
func TestTwoLoadersShareTheGroup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := setupOn(t, b.db, defaultAssistant)
	c := newCluster(t, 6)
	limits := loader.BatchLimits{MaxMessages: 100, MaxWait: 50 * time.Millisecond}
	one1 := b.consume(t, c, "g", limits)
	one2 := other.consume(t, c, "g", limits)
	time.Sleep(time.Second) // let the group settle with both members
	msgs := sampleMessages(t)
	produce(t, c, msgs)
	b.waitForOffsets(t, int64(len(msgs)))
	one1.stop(t)
	one2.stop(t)
	b.refresh()
	checkAgainstOracle(t, b, readOracle(t))
	t1, t2 := one1.loader.Totals(), one2.loader.Totals()
	if t1.Messages == 0 || t2.Messages == 0 || t1.Messages+t2.Messages != int64(len(msgs)) {
		t.Errorf("loaders read %d and %d messages of %d: want both some, together all, none twice", t1.Messages, t2.Messages, len(msgs))
	}
}

// TestStaleOffsetsAbortTheBatch: a loader whose idea of the stored offset is
// out of date (another loader moved it) writes nothing.
func TestStaleOffsetsAbortTheBatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.exec(`INSERT INTO "KafkaOffset" ("topic", "partition", "nextOffset", "consumerGroup") VALUES ($1, 0, 50, 'other')`, topic)
	msg := newScript("s", "bank", "m1", day("2024-11-04 10:00:00")).user("hi", "rest").msgs[0]
	for _, expected := range []int64{40, loader.NoStoredOffset} {
		batch := &loader.Batch{
			Messages: []loader.Message{{Value: msg, Pos: loader.Position{Topic: topic, Partition: 0, Offset: 40}}},
			Offsets:  []loader.OffsetUpdate{{Topic: topic, Partition: 0, Expected: expected, Next: 41}},
		}
		if _, err := b.loader.Write(context.Background(), batch); !errors.Is(err, loader.ErrOffsetConflict) {
			t.Errorf("expected offset %d: %v, want ErrOffsetConflict", expected, err)
		}
	}
	if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`); n != 0 {
		t.Errorf("%d events written by a stale loader", n)
	}
	if n := one[int64](b, `SELECT "nextOffset" FROM "KafkaOffset"`); n != 50 {
		t.Errorf("stored offset %d, want 50 untouched", n)
	}
}

// TestRealKafkaClientProducer produces with the client Rasa itself uses
// (confluent-kafka, librdkafka) or with kcat, both from Debian.
func TestRealKafkaClientProducer(t *testing.T) {
	t.Parallel()
	producers := realProducers()
	if len(producers) == 0 {
		t.Skip("neither /usr/bin/python3 with confluent_kafka nor kcat is installed (apt-get install python3-confluent-kafka kcat)")
	}
	for name, produceWith := range producers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			c := newCluster(t, 3)
			var msgs [][]byte
			for i := 0; i < 30; i++ {
				s := newScript(fmt.Sprintf("real-%d", i), "bank", "m1", day("2024-11-04 10:00:00").Add(time.Duration(i)*time.Minute))
				msgs = append(msgs, s.startSession().user("hi", "rest").bot("hello").msgs...)
			}
			produceWith(t, c.ListenAddrs()[0], msgs)
			cons := b.consume(t, c, "g", loader.BatchLimits{MaxMessages: 50, MaxWait: 50 * time.Millisecond})
			b.waitForOffsets(t, int64(len(msgs)))
			cons.stop(t)
			b.refresh()
			if n := one[int](b, `SELECT count(*)::int FROM "ConversationEvent"`); n != len(msgs) {
				t.Errorf("%d events stored, produced %d", n, len(msgs))
			}
			if n := one[int](b, `SELECT count(*)::int FROM "Conversation"`); n != 30 {
				t.Errorf("%d conversations, want 30", n)
			}
			if env := one[string](b, `SELECT string_agg("name", ',') FROM "Environment"`); env != "staging" {
				t.Errorf("environment %q, want staging from the header", env)
			}
		})
	}
}

func realProducers() map[string]func(t *testing.T, broker string, msgs [][]byte) {
	out := map[string]func(*testing.T, string, [][]byte){}
	if exec.Command("/usr/bin/python3", "-c", "import confluent_kafka").Run() == nil {
		out["confluent-kafka"] = func(t *testing.T, broker string, msgs [][]byte) {
			// As rasa/core/brokers/kafka.py does: value bytes, sender key, the environment header.
			script := `
import sys, json
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "client.id": "rasa"})
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    key = json.loads(line)["sender_id"].encode()
    p.produce("rasa-events", value=line, key=key, headers=[("RASA_ENVIRONMENT", b"staging")])
    p.poll(0)
if p.flush(30) != 0:
    sys.exit("undelivered messages")
`
			runProducer(t, exec.Command("/usr/bin/python3", "-c", script, broker), msgs)
		}
	}
	if path, err := exec.LookPath("kcat"); err == nil {
		out["kcat"] = func(t *testing.T, broker string, msgs [][]byte) {
			var keyed [][]byte
			for _, m := range msgs {
				keyed = append(keyed, append(append(senderKeyOf(m), '\t'), m...))
			}
			runProducer(t, exec.Command(path, "-P", "-b", broker, "-t", topic, "-K", "\t", "-H", "RASA_ENVIRONMENT=staging"), keyed)
		}
	}
	return out
}

func senderKeyOf(m []byte) []byte {
	i := bytes.Index(m, []byte(`"sender_id":"`))
	rest := m[i+len(`"sender_id":"`):]
	return append([]byte(nil), rest[:bytes.IndexByte(rest, '"')]...)
}

func runProducer(t *testing.T, cmd *exec.Cmd, lines [][]byte) {
	t.Helper()
	var in bytes.Buffer
	for _, l := range lines {
		in.Write(l)
		in.WriteByte('\n')
	}
	cmd.Stdin = &in
	var mu sync.Mutex
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &lockedWriter{&mu, &out}, &lockedWriter{&mu, &out}
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd.Path, err, out.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
