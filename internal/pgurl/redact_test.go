package pgurl

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:secret@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u@h/db?password=secret&x=1", "postgres://u@h/db?password=xxxxx&x=1"},
		{"postgres://u@h/db?sslmode=disable&PASSWORD=secret#f", "postgres://u@h/db?sslmode=disable&PASSWORD=xxxxx#f"},
		{"host=h user=u password=secret dbname=db", "host=h user=u password=xxxxx dbname=db"},
		{"host=h user=u password='se cret' dbname=", "host=h user=u password='xxxxx' dbname="},
		{`host=h password = 'it\'s secret' user=u`, "host=h password = 'xxxxx' user=u"},
		{`password='unclosed secret`, `password='xxxxx`},
		{`password='' user=u`, `password='' user=u`},
		{`password='a\' user=u`, `password='xxxxx`},
		{"cannot parse `host=h password=secret`: bad port", "cannot parse `host=h password=xxxxx`: bad port"},
		{"PGPASSWORD=secret psql", "PGPASSWORD=xxxxx psql"},
		// The two cases of issue 15: a URL that does not parse, and a
		// password holding '@' and '#', next to a word holding its letters.
		{`parse "postgres://x:s3cret@[::1": missing ']' in host`, `parse "postgres://x:xxxxx@[::1": missing ']' in host`},
		{"connect to postgres://studio:p@ss#w0rd@127.0.0.1:1/studio: lookup p: no such host",
			"connect to postgres://studio:xxxxx@127.0.0.1:1/studio: lookup p: no such host"},
		{"postgres://u:p@ss w0rd@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:pa:ss/w%zz?r#d@h:5432/db?x=1", "postgres://u:xxxxx@h:5432/db?x=1"},
		{"postgres://ü:pässwörd@h/db", "postgres://ü:xxxxx@h/db"},
		{"postgres://u:ab://cd@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:pw@", "postgres://u:xxxxx@"},
		// Nothing to hide: no password, no '@', or not a URL.
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://u:@h/db", "postgres://u:@h/db"},
		{"postgres://h:5432/db", "postgres://h:5432/db"},
		{"lookup p@ss: no such host", "lookup p@ss: no such host"},
		{"", ""},
		// Text around a URL stays, quotes end the search for its '@'.
		{"a `postgres://u:pw@h` b@c", "a `postgres://u:xxxxx@h` b@c"},
		{`{"url":"postgres://u:pw@h/db","user":"a@b"}`, `{"url":"postgres://u:xxxxx@h/db","user":"a@b"}`},
		{"postgres://u:pw@h/db\nmail a@b", "postgres://u:xxxxx@h/db\nmail a@b"},
		// A password=... inside a URL does not hide one after it.
		{"a://b c://password=':0@h password=zz", "a://b c://password=':xxxxx@h password=xxxxx"},
		// Two URLs on a line, each with its password.
		{"from postgres://a:p1@h1/x to postgres://b:p2@h2/y", "from postgres://a:xxxxx@h1/x to postgres://b:xxxxx@h2/y"},
		{"see http://example.com/x and postgres://u:pw@h", "see http://example.com/x and postgres://u:xxxxx@h"},
		// A space and a scheme inside a password do not split it.
		{"postgres://u:a b://c@h/db", "postgres://u:xxxxx@h/db"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactError(t *testing.T) {
	base := errors.New("cannot connect to postgres://u:secret@h/db")
	err := RedactError(base, "")
	if strings.Contains(err.Error(), "secret") || !errors.Is(err, base) {
		t.Errorf("RedactError = %v (wrapping the original: %v)", err, errors.Is(err, base))
	}
	if clean := errors.New("lookup p: no such host"); RedactError(clean, "postgres://u:p@h") != clean {
		t.Error("RedactError changed an error that holds no URL")
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{
		"postgres://u:pw@h:5432/db?sslmode=disable",
		"postgres://u:p%40ss%23w0rd@127.0.0.1/db",
		"postgres://h/db",
		"postgres:///db?host=/tmp",
		"host=h password='a b' user=u",
		`host = h password='it\'s' dbname=`,
		"",
	} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{
		"postgres://x:s3cret@[::1",
		"postgres://studio:p@ss#w0rd@127.0.0.1:1/studio",
		"postgres://u:p@ss w0rd@h/db",
		"postgres://u:12/s3cret@h/db",
		"postgres://u:s3cret?x@h/db",
		"postgres://u:pässwörd@h/db",
		"postgres://u:s3cret%zz@h/db",
		"postgres://u:s3cret@h:port/db",
		"postgres://u:s3cret@w0rd@h/db",     // pgx takes the first '@', net/url the last
		"postgres://u:s3cret?w0rd@h/db",     // pgx takes w0rd for part of the password, net/url for a parameter
		"postgres://u:s3cret@h/db?x=w0rd@h", // the password may end at either '@'
		"postgres:u:s3cret@h/db",            // pgx reads key=value settings, and fails
		"u:s3cret@h/db",
		"postgres:u:s3cret@h password=w0rd",
		"host=h password='s3cret",
	} {
		err := Check(bad)
		if err == nil {
			t.Errorf("Check(%q) passed", bad)
			continue
		}
		if again := Redact(err.Error()); again != err.Error() {
			t.Errorf("Check(%q) = %q, which Redact changes to %q", bad, err, again)
		}
		for _, secret := range []string{"s3cret", "w0rd", "pässwörd"} {
			if strings.Contains(bad, secret) && strings.Contains(err.Error(), secret) {
				t.Errorf("Check(%q) shows %q: %v", bad, secret, err)
			}
		}
	}
}

func TestRedactingHandler(t *testing.T) {
	type config struct{ URL string }
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, nil)
		if format == "json" {
			h = slog.NewJSONHandler(&buf, nil)
		}
		log := slog.New(RedactingHandler(h)).With("db", "postgres://u:s3cret1@h/db")
		log.WithGroup("g").Info("connect to postgres://u:s3cret2@h/db failed",
			"error", fmt.Errorf("dial postgres://u:s3cret3@[::1: %w", errors.New("x")),
			"dsn", "host=h password='s3cret4'",
			"config", config{URL: "postgres://u:s3cret5@h"},
			slog.Group("inner", "url", "postgres://u:s3cret6@h"),
			"rows", 3)
		out := buf.String()
		for i := 1; i <= 6; i++ {
			if secret := fmt.Sprintf("s3cret%d", i); strings.Contains(out, secret) {
				t.Errorf("%s log shows %s: %s", format, secret, out)
			}
		}
		if !strings.Contains(out, "rows") || !strings.Contains(out, "xxxxx") {
			t.Errorf("%s log lost attributes: %s", format, out)
		}
	}
}

// FuzzRedact builds a URL by concatenation, scheme://user:password@host...,
// with the password, the user name and text after the host drawn from the
// fuzz bytes, and a scheme, a host (some broken: "[::1", a bad port, none),
// and text before and after chosen by the fuzz numbers; it fails when
// Redact's output still holds the password. The password may hold any
// character but a line break, '"' and '`' (which end the search for a URL's
// '@', see Redact) and 'x' (so that an occurrence in the output cannot be made
// of the mask); it only asserts for passwords of four or more bytes that occur
// once in the input (counting overlapping occurrences: a user name " a://b"
// makes " a://b: " occur twice).
func FuzzRedact(f *testing.F) {
	// The two cases of issue 15, then passwords with @ : / # %, spaces,
	// non-ASCII, a scheme, and a query parameter.
	f.Add([]byte("s3cret"), []byte("x"), []byte(""), uint8(0), uint8(0), uint8(2), uint8(2))
	f.Add([]byte("p@ss#w0rd"), []byte("studio"), []byte(""), uint8(0), uint8(1), uint8(1), uint8(1))
	f.Add([]byte("a@b:c/d#e%zz"), []byte("u"), []byte("/db"), uint8(1), uint8(2), uint8(2), uint8(2))
	f.Add([]byte("with spaces @ in it"), []byte("u"), []byte(" "), uint8(2), uint8(3), uint8(3), uint8(3))
	f.Add([]byte("pässwörd€中"), []byte("ü"), []byte("é"), uint8(3), uint8(4), uint8(4), uint8(4))
	f.Add([]byte("ab://cd@ef"), []byte("u"), []byte("\""), uint8(4), uint8(5), uint8(5), uint8(5))
	f.Add([]byte("a b://c:d"), []byte("u"), []byte("\n@"), uint8(5), uint8(6), uint8(6), uint8(6))
	f.Add([]byte("?password=&y"), []byte(""), []byte("`@"), uint8(6), uint8(7), uint8(7), uint8(7))
	f.Fuzz(func(t *testing.T, pwBytes, userBytes, extra []byte, scheme, host, prefix, suffix uint8) {
		pw, user := fuzzText(pwBytes, true), fuzzText(userBytes, false)
		schemes := []string{"postgres", "postgresql", "", "p+q.r-s", "1x", "http", "POSTGRES"}
		hosts := []string{"[::1", "127.0.0.1:1/studio", "h/db?password=zz&sslmode=disable", "", "[fe80::1%25eth0]:5432/db",
			"h:port/db#frag", "@@", "h b", "h/d@b", "h?application_name=a@b", "[::1]:5432"}
		prefixes := []string{"", "connect to ", `parse "`, "cannot parse `", "see http://example.com/x and ", "a://b ", "password=", "\n", "a:b@c "}
		suffixes := []string{"", ": lookup h: no such host", `": missing ']' in host`, "`: invalid port", " for a@b",
			"\nnext a@b", " and postgres://v:other@k/db", "\" user=\"a@b\"", " password=zz"}
		pre := prefixes[int(prefix)%len(prefixes)]
		in := pre + schemes[int(scheme)%len(schemes)] + "://" + user + ":" + pw + "@" +
			hosts[int(host)%len(hosts)] + strings.ToValidUTF8(string(extra), "?") + suffixes[int(suffix)%len(suffixes)]
		out := Redact(in)
		if len(pw) >= 4 && occurrences(in, pw) == 1 && strings.Contains(out, pw) {
			t.Errorf("Redact(%q)\n= %q\nstill holds the password %q", in, out, pw)
		}
		// Redacting twice (a library's error, then main) changes nothing,
		// except that a password=... value ending at a space inside a
		// password may grow once that space is masked.
		if again := Redact(out); again != out && pre != "password=" {
			t.Errorf("Redact is not idempotent:\n%q\n%q", out, again)
		}
	})
}

// occurrences counts substr in s, overlapping ones too.
func occurrences(s, substr string) int {
	n := 0
	for i := strings.Index(s, substr); i >= 0; n++ {
		j := strings.Index(s[i+1:], substr)
		if j < 0 {
			return n + 1
		}
		i += 1 + j
	}
	return n
}

// fuzzText is b as valid UTF-8 without line breaks, '"' and '`', nor 'x'
// when noX (see FuzzRedact).
func fuzzText(b []byte, noX bool) string {
	var s strings.Builder
	for _, r := range strings.ToValidUTF8(string(b), "?") {
		switch {
		case r == '\n', r == '\r', r == '"', r == '`', noX && r == 'x':
			r = '_'
		case r < ' ':
			r = ' '
		}
		s.WriteRune(r)
	}
	return s.String()
}

// TestRedactTakesLinearTime: Redact runs on every log record and error, so a
// long hostile one must not stall it. Each text is about 300 kB; in quadratic
// time any of them takes minutes.
func TestRedactTakesLinearTime(t *testing.T) {
	for _, unit := range []string{"://", "a://b:c@ ", "x://u:p d://", "password=a ", "?password=a&", "a://password='x",
		" b://y", " b://y:", " b://@:p", "password='", "password= "} {
		s := "postgres://" + strings.Repeat(unit, 300_000/len(unit)) + " c://u:p@h"
		start := time.Now()
		Redact(s)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Redact of %d × %q took %s", 300_000/len(unit), unit, took)
		}
	}
}
