package kafka

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestSASLPlainWithoutTLSWarns(t *testing.T) {
	if w := (Security{SASLMechanism: "plain"}).Warnings(); len(w) != 1 || !strings.Contains(w[0], "clear text") {
		t.Errorf("SASL PLAIN without TLS: warnings %q", w)
	}
	for _, k := range []Security{{SASLMechanism: "PLAIN", TLS: true}, {SASLMechanism: "SCRAM-SHA-512"}, {}} {
		if w := k.Warnings(); len(w) != 0 {
			t.Errorf("%+v: warnings %q", k, w)
		}
	}
}

// A broker that cannot be reached is logged, once a minute per broker, not
// at every retry.
func TestBrokerConnectFailuresAreLoggedOnceAMinute(t *testing.T) {
	var buf bytes.Buffer
	c := newConnectLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	refused := errors.New("connection refused")
	for range 5 {
		c.OnBrokerConnect(kgo.BrokerMetadata{Host: "kafka-1", Port: 9092}, 0, nil, refused)
	}
	c.OnBrokerConnect(kgo.BrokerMetadata{Host: "kafka-2", Port: 9092}, 0, nil, refused)
	c.OnBrokerConnect(kgo.BrokerMetadata{Host: "kafka-3", Port: 9092}, 0, nil, nil)
	if n := strings.Count(buf.String(), "cannot connect to a Kafka broker"); n != 2 {
		t.Errorf("%d warnings, want one per failing broker:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "kafka-1:9092") || !strings.Contains(buf.String(), "connection refused") {
		t.Errorf("the warning does not name the broker and the error:\n%s", buf.String())
	}
}
