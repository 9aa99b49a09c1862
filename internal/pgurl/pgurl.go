// Package pgurl builds the PostgreSQL connection URL from DATABASE_URL or its
// parts (docs/decisions.md, "Connection settings") and redacts passwords before a URL is printed.
package pgurl

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Parts are the SPEC's connection settings; URL, when set, overrides them.
type Parts struct {
	URL      string
	Host     string
	Port     int
	Name     string
	User     string
	Password string
	SSLMode  string // libpq sslmode; empty: the driver's default
}

// Defaults of the connection settings (docs/decisions.md).
const (
	DefaultPort = 5432
	DefaultName = "studio"
	DefaultUser = "studio_backend"
)

// Build returns the connection URL. An empty URL and an empty Host mean no
// database was configured: Build returns "".
func Build(p Parts) string {
	if p.URL != "" {
		return p.URL
	}
	if p.Host == "" {
		return ""
	}
	if p.Port == 0 {
		p.Port = DefaultPort
	}
	if p.Name == "" {
		p.Name = DefaultName
	}
	if p.User == "" {
		p.User = DefaultUser
	}
	u := url.URL{
		Scheme: "postgresql",
		Host:   net.JoinHostPort(p.Host, strconv.Itoa(p.Port)),
		Path:   "/" + p.Name,
		User:   url.User(p.User),
	}
	if p.Password != "" {
		u.User = url.UserPassword(p.User, p.Password)
	}
	if p.SSLMode != "" {
		u.RawQuery = url.Values{"sslmode": {p.SSLMode}}.Encode()
	}
	return u.String()
}

// ForLibPQ adapts a URL for lib/pq (which dbmate uses): pq knows no
// "prefer" or "allow" and, without sslmode, insists on TLS. Those become
// "disable" for a loopback or Unix-socket host and "require" elsewhere.
func ForLibPQ(connString string) string {
	u, err := url.Parse(connString)
	if err != nil || u.Scheme == "" {
		return connString
	}
	q := u.Query()
	switch q.Get("sslmode") {
	case "", "prefer", "allow":
		host := u.Hostname()
		if h := q.Get("host"); h != "" {
			host = h
		}
		mode := "require"
		if host == "" || host == "localhost" || strings.HasPrefix(host, "/") || net.ParseIP(host).IsLoopback() {
			mode = "disable"
		}
		q.Set("sslmode", mode)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return connString
}

var keywordPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)

// Redact replaces the password of a URL (or of a key=value connection string,
// or of a password query parameter) with "xxxxx".
func Redact(connString string) string {
	u, err := url.Parse(connString)
	if err != nil || u.Scheme == "" {
		return keywordPassword.ReplaceAllString(connString, "${1}xxxxx")
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// RedactError returns err with every occurrence of connString's password
// replaced in its message, for errors that may echo a connection string. The
// original stays reachable with errors.As / errors.Is.
func RedactError(err error, connString string) error {
	pw := password(connString)
	if err == nil || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func password(connString string) string {
	u, err := url.Parse(connString)
	if err == nil && u.Scheme != "" {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
		return u.Query().Get("password")
	}
	if m := keywordPassword.FindStringSubmatch(connString); m != nil {
		return m[2]
	}
	return ""
}
