// Package pgurl builds the PostgreSQL connection URL from DATABASE_URL or its
// parts (SPEC section 1), refuses URLs whose password a driver would take for
// something else, and redacts passwords from any text before it is printed,
// logged or served.
package pgurl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
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

// Defaults of SPEC section 1.
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

// Check returns an error naming what is wrong with a connection URL that a
// driver would misread in a way that puts part of the password where it is
// printed: a password holding '/', '?', '#' or a space that is not
// percent-encoded makes net/url (and so pgx and lib/pq) take the rest of it
// for a host, port, database name or fragment, and their errors show those.
// The error shows the URL redacted. A key=value connection string (no "://")
// passes: its parsers never print the password.
func Check(connString string) error {
	k := strings.Index(connString, "://")
	if k < 0 {
		return nil
	}
	if i := strings.IndexFunc(connString, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fmt.Errorf("database URL %s holds white space or a control character: percent-encode it (a space is %%20)", Redact(connString))
	}
	rest := connString[k+3:]
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		userinfo := rest[:at]
		if strings.ContainsAny(userinfo, "/?#") {
			return fmt.Errorf("database URL %s has '/', '?' or '#' before its last '@', so the host is unclear: "+
				"percent-encode them in the user name and password (%%2F %%3F %%23), and an '@' after the host as %%40", Redact(connString))
		}
		if !validUserinfo(userinfo) {
			return fmt.Errorf("database URL %s: percent-encode the user name and password "+
				"(every character but letters, digits and -._~!$&'()*+,;=:@, and a %% that does not start an escape such as %%25)", Redact(connString))
		}
	}
	if _, err := url.Parse(connString); err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the rest repeats the URL
		}
		return fmt.Errorf("database URL %s is not a valid URL: %s", Redact(connString), Redact(err.Error()))
	}
	return nil
}

// validUserinfo reports whether s may stand as it is before a URL's '@'.
func validUserinfo(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
