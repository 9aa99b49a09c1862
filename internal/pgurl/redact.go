package pgurl

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// mask is what a password becomes.
const mask = "xxxxx"

// Redact returns s with every password it can see replaced by "xxxxx": the
// password of anything shaped like scheme://user:password@host, whether or
// not it parses as a URL; a password or sslpassword query parameter of such a
// URL; and the value of a libpq keyword/value password=... (quoted or not).
// It reads the text alone, never a known password, so it serves error
// messages, log records and command output as well as bare connection
// strings, and it leaves the user name, host, path and the text around a URL
// as they were (but see the last paragraph).
//
// Which text is a password. A URL starts at "://". Its user information is
// what comes before the last '@' on the same line that is not behind a double
// quote or backtick (those close the quoting a message puts around a URL), so
// a password may hold '@', ':', '/', '#', '?', '%', spaces and any other
// character except a line break, '"' and '`'. The password is the part after
// the user information's first ':'. A broken host (an unclosed "[::1", a bad
// port, none at all) changes nothing. When a second URL starts a word (after
// white space) before that '@', and its own user name (without '@'), ':' and
// password come before it, the '@' is the second URL's and the first ends at
// the white space.
//
// The price of never missing a password is that text on the line between a
// URL and a later unquoted '@' is taken for part of its password:
// "postgres://u:pw@h/db for a@b" becomes "postgres://u:xxxxx@b". Messages
// usually quote what follows a URL (pgx with backticks, PostgreSQL and Go with
// double quotes), which ends the search.
func Redact(s string) string {
	if !strings.Contains(s, "://") && indexFold(s, "password") < 0 {
		return s
	}
	var masked, urls [][2]int
	var sc scanner
	for pos := 0; ; {
		k := strings.Index(s[pos:], "://")
		if k < 0 {
			break
		}
		k += pos
		u := sc.scanURL(s, k+3)
		masked = append(masked, u.masked...)
		urls = append(urls, [2]int{k + 3, u.end})
		pos = u.end
	}
	// password=... outside URLs (inside, it is a query parameter, which ends
	// at '&'); its value may run into a URL, as in password=postgres://...
	pos := 0
	for _, gap := range gaps(urls, len(s)) {
		for pos = max(pos, gap[0]); pos < gap[1]; {
			i := indexFold(s[pos:gap[1]], "password")
			if i < 0 {
				break
			}
			i += pos
			m := keywordPassword.FindStringSubmatchIndex(s[i:])
			if m == nil {
				pos = i + 1
				continue
			}
			v := m[2:4] // inside the quotes, which stay, so that redacting again changes nothing
			if v[0] < 0 {
				v = m[4:6] // not quoted
			}
			if v[0] < v[1] {
				masked = append(masked, [2]int{i + v[0], i + v[1]})
			}
			pos = i + m[1]
		}
	}
	if len(masked) == 0 {
		return s
	}
	slices.SortFunc(masked, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	done := 0
	for _, r := range masked {
		if r[1] <= done {
			continue
		}
		if r[0] <= done { // overlaps or touches the previous range: extend it
			done = r[1]
			continue
		}
		b.WriteString(s[done:r[0]])
		b.WriteString(mask)
		done = r[1]
	}
	b.WriteString(s[done:])
	return b.String()
}

// gaps returns the parts of [0, n) outside spans, which are sorted and
// disjoint.
func gaps(spans [][2]int, n int) [][2]int {
	var out [][2]int
	from := 0
	for _, sp := range spans {
		if sp[0] > from {
			out = append(out, [2]int{from, sp[0]})
		}
		from = sp[1]
	}
	if from < n {
		out = append(out, [2]int{from, n})
	}
	return out
}

// urlSpan is what scanURL found: the ranges of s to mask, in order, and where
// the URL ends.
type urlSpan struct {
	masked [][2]int
	end    int
}

// scanner remembers, for the line it is in, where the line ends and where
// its last '@' is, so that a text with many "://" is read once.
type scanner struct {
	lineFrom, lineEnd int // no line end in s[lineFrom:lineEnd]; s[lineEnd] is one, or the end of s
	lastAt            int // the last '@' in s[lineFrom:lineEnd], or -1

	// laterURLWithPassword(s, laterFrom, laterAt) is later, and so is it
	// for any a in [laterFrom, later] (or any a >= laterFrom, when later is -1).
	laterFrom, laterAt, later int
}

// laterURL is laterURLWithPassword, remembered.
func (sc *scanner) laterURL(s string, a, at int) int {
	if sc.laterAt != at || sc.laterAt == 0 || a < sc.laterFrom || sc.later >= 0 && a > sc.later {
		sc.laterFrom, sc.laterAt, sc.later = a, at, laterURLWithPassword(s, a, at)
	}
	return sc.later
}

// scanURL reads the URL whose authority starts at s[a] (just after "://").
func (sc *scanner) scanURL(s string, a int) urlSpan {
	if a < sc.lineFrom || a > sc.lineEnd || sc.lineEnd == 0 {
		sc.lineFrom, sc.lineEnd = a, lineEnd(s, a)
		sc.lastAt = strings.LastIndexByte(s[a:sc.lineEnd], '@')
		if sc.lastAt >= 0 {
			sc.lastAt += a
		}
	}
	limit, at := sc.lineEnd, sc.lastAt
	if at < a {
		at = -1
	}
	if at >= 0 {
		if b := sc.laterURL(s, a, at); b >= 0 {
			limit = b
			at = strings.LastIndexByte(s[a:limit], '@')
			if at >= 0 {
				at += a
			}
		}
	}
	var span urlSpan
	hostStart := a
	if at >= 0 {
		if c := strings.IndexByte(s[a:at], ':'); c >= 0 && a+c+1 < at {
			span.masked = append(span.masked, [2]int{a + c + 1, at})
		}
		hostStart = at + 1
	}
	span.end = wordEnd(s, hostStart, limit)
	span.masked = append(span.masked, queryPasswords(s, hostStart, span.end)...)
	return span
}

// lineEnd is where the search for a URL's '@' stops: the first line break,
// double quote (unless escaped by a backslash) or backtick at or after i.
func lineEnd(s string, i int) int {
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\n', '\r', '`':
			return j
		case '"':
			if j == 0 || s[j-1] != '\\' {
				return j
			}
		}
	}
	return len(s)
}

// wordEnd is where a URL's host, path and query end: the first white space,
// quote or line break at or after i, at most limit.
func wordEnd(s string, i, limit int) int {
	for j := i; j < limit; {
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) || r == '"' || r == '`' {
			return j
		}
		j += size
	}
	return limit
}

// laterURLWithPassword returns the position of the space that starts a
// second URL between a and at whose own user information (from its "://" to
// at) is a user name without '@', a ':' and a password that does not start
// with '@', or -1. The '@' at at is then that URL's. (Were the password
// allowed to be empty or the user name to hold '@', a first password such as
// " a://u:" or " a://@" would not be masked by either URL.)
func laterURLWithPassword(s string, a, at int) int {
	for j := a; j < at; j++ {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsSpace(r) {
			continue
		}
		k := j + size
		n := schemeLen(s[k:at])
		if n == 0 || !strings.HasPrefix(s[k+n:at], "://") {
			continue
		}
		ui := s[k+n+3 : at]
		if c := strings.IndexByte(ui, ':'); c >= 0 && c+1 < len(ui) && ui[c+1] != '@' && !strings.Contains(ui[:c], "@") {
			return j
		}
	}
	return -1
}

// schemeLen is the length of the URL scheme (a letter, then letters, digits,
// '+', '-' or '.') s starts with.
func schemeLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return i
		}
	}
	return len(s)
}

// queryPasswords returns the values of password and sslpassword query
// parameters in s[from:to].
func queryPasswords(s string, from, to int) [][2]int {
	q := strings.IndexByte(s[from:to], '?')
	if q < 0 {
		return nil
	}
	var ranges [][2]int
	for i := from + q + 1; i < to; {
		end := i + strings.IndexAny(s[i:to], "&#")
		if end < i {
			end = to
		}
		if eq := strings.IndexByte(s[i:end], '='); eq >= 0 {
			if name := s[i : i+eq]; (strings.EqualFold(name, "password") || strings.EqualFold(name, "sslpassword")) && i+eq+1 < end {
				ranges = append(ranges, [2]int{i + eq + 1, end})
			}
		}
		if end == to || s[end] == '#' {
			break
		}
		i = end + 1
	}
	return ranges
}

// keywordPassword is a libpq keyword/value password, at the start of the
// text (Redact finds the word "password", which also finds sslpassword and
// PGPASSWORD=...): a single-quoted value with backslash escapes (to the end of
// the line when the quote is not closed), or a value up to white space or a
// double quote or backtick, which close the quoting around a message's DSN.
var keywordPassword = regexp.MustCompile(`^(?i)password[ \t]*=[ \t]*(?:'((?:[^'\\\n]|\\.)*)'?|([^\s"` + "`" + `]+))`)

// indexFold is the index of the first substr, a lower-case ASCII word, in s
// in any case, or -1.
func indexFold(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if s[i]|0x20 == substr[0] && strings.EqualFold(s[i:i+len(substr)], substr) {
			return i
		}
	}
	return -1
}

// RedactError returns err with its message passed through Redact; the
// original stays reachable with errors.As / errors.Is. The connection string
// is no longer needed (the message is redacted by its shape, not by searching
// for a known password, which also garbled words holding the password's
// letters); the parameter remains for existing callers.
func RedactError(err error, _ string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := Redact(msg)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
