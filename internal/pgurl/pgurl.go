// Package pgurl builds the PostgreSQL connection URL from DATABASE_URL or its
// parts (docs/decisions.md, "Connection settings"), refuses URLs whose password a driver would take for
// something else, and redacts passwords from any text before it is printed,
// logged or served.
package pgurl

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
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

// Defaults of the connection settings (docs/decisions.md).
const (
	DefaultPort = 5432
	DefaultName = "studio"
	DefaultUser = "studio_backend"
)

// Build returns the connection URL. An empty URL and an empty Host mean no
// database was configured: Build returns "". A Host starting with '/' is the
// directory of a Unix socket, which goes into the host parameter (libpq's
// form, which pgx and lib/pq read too).
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
		Path:   "/" + p.Name,
		User:   url.User(p.User),
	}
	q := url.Values{}
	if strings.HasPrefix(p.Host, "/") {
		q.Set("host", p.Host)
		q.Set("port", strconv.Itoa(p.Port))
	} else {
		u.Host = net.JoinHostPort(p.Host, strconv.Itoa(p.Port))
	}
	if p.Password != "" {
		u.User = url.UserPassword(p.User, p.Password)
	}
	if p.SSLMode != "" {
		q.Set("sslmode", p.SSLMode)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ForLibPQ adapts a URL for lib/pq as dbmate calls it, so that migrations
// connect where, and as securely as, pgx does with the same URL and
// environment (docs/decisions.md, "Connection settings"):
//   - dbmate puts a host and a port into every URL (its own defaults, a local
//     socket and 5432) where pgx would take libpq's PGHOST and PGPORT: a URL
//     without them gets them here, from the environment, when set;
//   - pq knows no sslmode "prefer" or "allow" and, without one, insists on
//     TLS. The URL's sslmode, else PGSSLMODE, is kept unless it is one of
//     those or unset; then it becomes "disable" for a loopback or Unix-socket
//     host and "require" elsewhere.
func ForLibPQ(connString string) string {
	u, err := url.Parse(connString)
	if err != nil || u.Scheme == "" {
		return connString
	}
	q := u.Query()
	set := func(key, value string) {
		if value != "" && q.Get(key) == "" {
			q.Set(key, value)
		}
	}
	if u.Host == "" {
		set("host", os.Getenv("PGHOST"))
	}
	if u.Port() == "" {
		set("port", os.Getenv("PGPORT"))
	}
	set("sslmode", os.Getenv("PGSSLMODE"))
	switch q.Get("sslmode") {
	case "", "prefer", "allow":
		host := cmp.Or(q.Get("host"), u.Hostname())
		mode := "require"
		if host == "" || host == "localhost" || strings.HasPrefix(host, "/") || net.ParseIP(host).IsLoopback() {
			mode = "disable"
		}
		q.Set("sslmode", mode)
	}
	if raw := q.Encode(); raw != u.Query().Encode() {
		u.RawQuery = raw
		return u.String()
	}
	return connString
}

// CheckLibPQEnv names the libpq variables set in the environment, empty ones
// included, that lib/pq does not support and panics on when migrations
// connect (through dbmate).
func CheckLibPQEnv() error {
	var set []string
	for _, name := range []string{"PGHOSTADDR", "PGSERVICE", "PGSERVICEFILE", "PGREALM", "PGREQUIRESSL", "PGSSLCRL",
		"PGREQUIREPEER", "PGKRBSRVNAME", "PGGSSLIB", "PGSYSCONFDIR", "PGLOCALEDIR"} {
		if _, ok := os.LookupEnv(name); ok {
			set = append(set, name)
		}
	}
	if len(set) > 0 {
		return fmt.Errorf("migrations connect with lib/pq, which does not support %s: unset it", strings.Join(set, ", "))
	}
	return nil
}

// Check returns an error naming what is wrong with a connection URL that the
// drivers would read differently, or not as meant, in ways that put part of
// the password where their errors print it: pgx (like libpq) ends the user
// name and password at the first '@', net/url (so lib/pq, which migrations
// use) at the last '@' before a '/', '?' or '#', so a password holding '@',
// '/', '?', '#' or a space that is not percent-encoded becomes part of a host,
// port, database name or parameter. Check wants at most one '@', before any
// '/' or '?', no '#' and no white space; the error shows the URL redacted, at
// the end of its line. A well-formed key=value connection string passes (its
// parsers never print the password, and Redact knows its form); anything else
// without "://" (postgres:u:pw@h, u:pw@h/db) is refused without being shown,
// as Redact cannot tell which part of it is a password.
func Check(connString string) error {
	k := strings.Index(connString, "://")
	if k < 0 {
		if connString == "" || keywordValue(connString) {
			return nil
		}
		return errors.New("database URL: neither a URL such as postgres://user@host:port/database " +
			"nor key=value settings such as host=h user=u; it is not shown, as it may hold a password")
	}
	rest := connString[k+3:]
	problem := ""
	if strings.IndexFunc(connString, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		problem = "it holds white space or a control character (percent-encode it: a space is %20)"
	} else if strings.Contains(rest, "#") {
		problem = "it holds a '#', which starts a fragment PostgreSQL ignores (percent-encode it as %23 in the password)"
	} else if strings.Count(rest, "@") > 1 {
		problem = "it holds more than one '@' (percent-encode '@' as %40 in the user name and password)"
	} else if at := strings.IndexByte(rest, '@'); at >= 0 {
		userinfo := rest[:at]
		if strings.ContainsAny(userinfo, "/?") {
			problem = "its '@' comes after a '/' or '?' (percent-encode them in the password as %2F and %3F, or an '@' in the database name or parameters as %40)"
		} else if !validUserinfo(userinfo) {
			problem = "the user name or password holds characters a URL must percent-encode " +
				"(all but letters, digits and -._~!$&'()*+,;=:, and a '%' that does not start an escape such as %25)"
		}
	}
	if problem == "" {
		_, err := url.Parse(connString)
		if err == nil {
			return nil
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the rest repeats the URL
		}
		problem = Redact(err.Error())
	}
	return fmt.Errorf("database URL: %s: %s", problem, Redact(connString))
}

// validUserinfo reports whether s may stand as it is before a URL's '@'.
func validUserinfo(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:", c) >= 0:
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

// keywordValue reports whether s is libpq keyword/value settings: one or more
// keyword = value, the value single-quoted (with backslash escapes) or up to
// white space.
func keywordValue(s string) bool {
	isSpace := func(i int) bool { return i < len(s) && unicode.IsSpace(rune(s[i])) }
	seen := false
	for i := 0; ; {
		for isSpace(i) {
			i++
		}
		if i == len(s) {
			return seen
		}
		start := i
		for i < len(s) && (s[i] == '_' || 'a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9') {
			i++
		}
		if i == start {
			return false
		}
		for isSpace(i) {
			i++
		}
		if i == len(s) || s[i] != '=' {
			return false
		}
		i++
		for isSpace(i) {
			i++
		}
		if i < len(s) && s[i] == '\'' {
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return false // the quote is not closed
			}
			i++
		} else {
			for i < len(s) && !isSpace(i) {
				if s[i] == '\\' {
					i++
				}
				i++
			}
		}
		seen = true
	}
}
