package kafka

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
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

// oauthFirstMessage is the client's first OAUTHBEARER message the options
// of k send (RFC 7628: "n,,\x01auth=Bearer <token>\x01\x01").
func oauthFirstMessage(t *testing.T, k Security) string {
	t.Helper()
	opts, err := k.ClientOpts()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers("127.0.0.1:1"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	mechs := cl.OptValue(kgo.SASL).([]sasl.Mechanism)
	if len(mechs) != 1 || mechs[0].Name() != "OAUTHBEARER" {
		t.Fatalf("mechanisms %v, want OAUTHBEARER", mechs)
	}
	_, first, err := mechs[0].Authenticate(context.Background(), "broker:9092")
	if err != nil {
		t.Fatal(err)
	}
	return string(first)
}

func TestOAuthBearerToken(t *testing.T) {
	if got := oauthFirstMessage(t, Security{SASLMechanism: "oauthbearer", OAuthToken: "static-token"}); !strings.Contains(got, "auth=Bearer static-token\x01") {
		t.Errorf("static token: first message %q", got)
	}

	// A token file is read at each authentication: a renewed token is used
	// by the next connection.
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("first-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := Security{SASLMechanism: "OAUTHBEARER", OAuthTokenFile: file}
	if got := oauthFirstMessage(t, k); !strings.Contains(got, "auth=Bearer first-token\x01") {
		t.Errorf("token file: first message %q", got)
	}
	if err := os.WriteFile(file, []byte("renewed-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := oauthFirstMessage(t, k); !strings.Contains(got, "auth=Bearer renewed-token\x01") {
		t.Errorf("renewed token file: first message %q", got)
	}

	for _, bad := range []Security{
		{SASLMechanism: "OAUTHBEARER"},
		{SASLMechanism: "OAUTHBEARER", OAuthToken: "secret-token-x", OAuthTokenFile: file},
		{SASLMechanism: "OAUTHBEARER", OAuthTokenFile: filepath.Join(t.TempDir(), "missing")},
	} {
		if _, err := bad.ClientOpts(); err == nil {
			t.Errorf("%+v accepted", bad)
		} else if bad.OAuthToken != "" && strings.Contains(err.Error(), bad.OAuthToken) {
			t.Errorf("the error shows the token: %v", err)
		}
	}
	if w := (Security{SASLMechanism: "OAUTHBEARER", OAuthToken: "t"}).Warnings(); len(w) != 1 || !strings.Contains(w[0], "clear text") {
		t.Errorf("OAUTHBEARER without TLS: warnings %q", w)
	}
}

// A broker is reachable while a connection is open and a response came
// lately; the loop is polling once it turned.
func TestHealth(t *testing.T) {
	var h Health
	if h.Reachable() || h.Partitions() != 0 {
		t.Error("a source not started is unreachable, without partitions")
	}
	if polling, _ := h.Polling(); polling {
		t.Error("a source not started is not polling")
	}
	meta := kgo.BrokerMetadata{Host: "kafka-1", Port: 9092}
	h.OnBrokerConnect(meta, 0, nil, errors.New("connection refused"))
	if h.Reachable() {
		t.Error("a failed connection makes a broker reachable")
	}
	h.OnBrokerConnect(meta, 0, nil, nil)
	if h.Reachable() {
		t.Error("reachable before any response")
	}
	h.OnBrokerRead(meta, 0, 100, 0, 0, nil)
	if !h.Reachable() {
		t.Error("unreachable with an open connection that answered")
	}
	h.lastResponse.Store(time.Now().Add(-answerWithin - time.Second).UnixNano())
	if h.Reachable() {
		t.Errorf("reachable although silent for over %s", answerWithin)
	}
	h.OnBrokerRead(meta, 0, 100, 0, 0, nil)
	h.OnBrokerDisconnect(meta, nil)
	if h.Reachable() {
		t.Error("reachable without a connection")
	}
	h.polled()
	if polling, last := h.Polling(); !polling || time.Since(last) > time.Second {
		t.Errorf("after a turn: polling %v, last %v", polling, last)
	}
}
