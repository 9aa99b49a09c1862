package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Security is how the loader authenticates to Kafka: the settings
// Rasa's own broker config offers (security_protocol, ssl_*, sasl_*).
type Security struct {
	ClientID           string
	TLS                bool
	CAFile             string
	CertFile, KeyFile  string
	InsecureSkipVerify bool
	SASLMechanism      string // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER; empty: none
	SASLUsername       string
	SASLPassword       string
	// OAUTHBEARER: a static token, or a file holding one, read again at each
	// authentication so that whatever renews the file (a projected service
	// account token, a sidecar) renews the loader's token. Exactly one.
	OAuthToken     string
	OAuthTokenFile string
}

// ClientOpts turns the settings into franz-go options.
func (k Security) ClientOpts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if k.ClientID != "" {
		opts = append(opts, kgo.ClientID(k.ClientID))
	}
	if k.TLS || k.CAFile != "" || k.CertFile != "" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: k.InsecureSkipVerify} //nolint:gosec // the operator's explicit choice
		if k.CAFile != "" {
			pem, err := os.ReadFile(k.CAFile)
			if err != nil {
				return nil, fmt.Errorf("kafka TLS CA file: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("kafka TLS CA file %s: no PEM certificates", k.CAFile)
			}
		}
		if k.CertFile != "" || k.KeyFile != "" {
			cert, err := tls.LoadX509KeyPair(k.CertFile, k.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("kafka TLS client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	switch m := strings.ToUpper(k.SASLMechanism); m {
	case "":
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: k.SASLUsername, Pass: k.SASLPassword}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: k.SASLUsername, Pass: k.SASLPassword}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: k.SASLUsername, Pass: k.SASLPassword}.AsSha512Mechanism()))
	case "OAUTHBEARER":
		mech, err := k.oauth()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(mech))
	default:
		return nil, fmt.Errorf("kafka SASL mechanism %q: want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER", k.SASLMechanism)
	}
	return opts, nil
}

// oauth is the OAUTHBEARER mechanism of the static token or the token file.
func (k Security) oauth() (sasl.Mechanism, error) {
	switch {
	case (k.OAuthToken == "") == (k.OAuthTokenFile == ""):
		return nil, errors.New("kafka SASL OAUTHBEARER: set exactly one of the token and the token file")
	case k.OAuthToken != "":
		return oauth.Auth{Token: k.OAuthToken}.AsMechanism(), nil
	}
	read := func() (oauth.Auth, error) {
		b, err := os.ReadFile(k.OAuthTokenFile)
		if err != nil {
			return oauth.Auth{}, fmt.Errorf("kafka SASL OAUTHBEARER token file: %w", err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return oauth.Auth{}, fmt.Errorf("kafka SASL OAUTHBEARER token file %s is empty", k.OAuthTokenFile)
		}
		return oauth.Auth{Token: token}, nil
	}
	if _, err := read(); err != nil { // a usage error at start, not a retry loop
		return nil, err
	}
	return oauth.Oauth(func(context.Context) (oauth.Auth, error) { return read() }), nil
}

// Warnings are the settings an operator should hear about at start-up.
func (k Security) Warnings() []string {
	tlsOn := k.TLS || k.CAFile != "" || k.CertFile != ""
	if strings.EqualFold(k.SASLMechanism, "PLAIN") && !tlsOn {
		return []string{"Kafka SASL PLAIN without TLS: the Kafka password crosses the network in clear text (set --kafka-tls)"}
	}
	if strings.EqualFold(k.SASLMechanism, "OAUTHBEARER") && !tlsOn {
		return []string{"Kafka SASL OAUTHBEARER without TLS: the bearer token crosses the network in clear text (set --kafka-tls)"}
	}
	return nil
}

// connectLogger logs failed connections to Kafka brokers, at most once a
// minute per broker: a broker that never answers is otherwise silent while
// the client retries.
type connectLogger struct {
	log  *slog.Logger
	mu   sync.Mutex
	last map[string]time.Time
}

// LogFailedConnects is the client option that logs failed connections (see
// connectLogger).
func LogFailedConnects(log *slog.Logger) kgo.Opt { return kgo.WithHooks(newConnectLogger(log)) }

func newConnectLogger(log *slog.Logger) *connectLogger {
	return &connectLogger{log: log, last: map[string]time.Time{}}
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (c *connectLogger) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil {
		return
	}
	addr := net.JoinHostPort(meta.Host, fmt.Sprint(meta.Port))
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.last[addr]) < time.Minute {
		return
	}
	c.last[addr] = time.Now()
	c.log.Warn("cannot connect to a Kafka broker; retrying", "broker", addr, "error", err)
}
