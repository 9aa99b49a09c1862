package scan

// Every limit below was measured against PostgreSQL 15 (see scan_test.go,
// TestScanMessageAgainstPostgres): jsonb rejects \u0000, lone or mis-ordered
// UTF-16 surrogate escapes, invalid UTF-8 and numbers outside numeric's range,
// and accepts nesting up to 13,099 levels of objects (14,554 of arrays) with
// the default max_stack_depth of 2MB.

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the nesting limit used when a caller passes maxDepth < 1.
// PostgreSQL 15's jsonb input gives up ("stack depth limit exceeded") at about
// 13,000 levels with the default max_stack_depth (2MB), so 512 is far below it.
const MaxDepth = 512

// Limits of PostgreSQL's numeric type, which jsonb uses for every number
// (src/backend/utils/adt/numeric.c, set_var_from_str and make_result).
const (
	// pgNumericMaxExponent: numeric_in rejects an exponent e with
	// |e| >= INT_MAX/2 before looking at anything else.
	pgNumericMaxExponent = 1<<30 - 1
	// pgNumericMaxWeight: the weight, in base-10000 digits, of the first
	// non-zero digit is an int16; 10^131071 fits, 10^131072 does not.
	pgNumericMaxWeight = 1<<15 - 1
	pgNumericMinWeight = -1 << 15
	// pgNumericMaxDscale: the display scale (digits after the decimal point,
	// trailing zeros included, after applying the exponent) is 14 bits.
	pgNumericMaxDscale = 1<<14 - 1
)

// Scanned is what Message hands to the decoder.
type Scanned struct {
	// JSON is value with every bare NaN, Infinity and -Infinity token
	// (outside strings) replaced by null; it is value itself (no copy) when
	// there is none. PostgreSQL jsonb input accepts it.
	JSON []byte
	// Fields are the top-level members in document order; Value is the raw
	// JSON text of the member's value as a subslice of JSON.
	Fields []Field
	// NonFinite counts the NaN/Infinity/-Infinity tokens replaced by null.
	NonFinite int
	// nonFiniteAt holds the indexes in Fields whose whole value was such a
	// token (nil when there is none).
	nonFiniteAt []int
}

// Field is one member of an object.
type Field struct {
	Key   string
	Value []byte
}

// field returns the value of the last member named key, as PostgreSQL jsonb
// keeps the last of duplicate keys.
func (m *Scanned) Value(key string) ([]byte, bool) {
	if i := LastIndex(m.Fields, key); i >= 0 {
		return m.Fields[i].Value, true
	}
	return nil, false
}

// nonFinite reports whether the value of the last member named key was a bare
// NaN, Infinity or -Infinity (now null in JSON). The decoder needs it because
// a NaN timestamp is "not a number", not "missing".
func (m *Scanned) IsNonFinite(key string) bool {
	i := LastIndex(m.Fields, key)
	if i < 0 {
		return false
	}
	for _, j := range m.nonFiniteAt {
		if j == i {
			return true
		}
	}
	return false
}

func LastIndex(fields []Field, key string) int {
	for i := len(fields) - 1; i >= 0; i-- {
		if fields[i].Key == key {
			return i
		}
	}
	return -1
}

// Message validates value as one JSON object and returns what the decoder
// needs. Leading and trailing JSON whitespace is allowed. maxDepth limits
// nesting (the top-level object is level 1); maxDepth < 1 means MaxDepth.
//
// The error is a *Error. When the value has several problems, "not
// JSON" wins over "not a JSON object", which wins over "unstorable": a value
// that is not JSON is reported as such even if it also holds a \u0000.
// Offsets in messages are 0-based byte offsets into value.
func Message(value []byte, maxDepth int) (Scanned, error) {
	s := jsonScanner{in: value, maxDepth: maxDepth, topLevel: "top-level value"}
	if s.maxDepth < 1 {
		s.maxDepth = MaxDepth
	}
	m, err := s.scan()
	if err != nil {
		return Scanned{}, err
	}
	return m, nil
}

// Object splits a nested object such as "metadata" into its members,
// with the same checks as Message. raw is normally already normalized;
// if it still holds NaN or Infinity, the values point into a normalized copy.
func Object(raw []byte, maxDepth int) ([]Field, error) {
	s := jsonScanner{in: raw, maxDepth: maxDepth, topLevel: "value"}
	if s.maxDepth < 1 {
		s.maxDepth = MaxDepth
	}
	m, err := s.scan()
	if err != nil {
		return nil, err
	}
	return m.Fields, nil
}

// IsNull reports whether raw is the JSON literal null (surrounding JSON
// whitespace allowed).
func IsNull(raw []byte) bool {
	i, j := 0, len(raw)
	for i < j && isJSONSpace(raw[i]) {
		i++
	}
	for j > i && isJSONSpace(raw[j-1]) {
		j--
	}
	return string(raw[i:j]) == "null"
}

// String decodes one JSON string token (escapes, \uXXXX, surrogate
// pairs). It returns false if raw is not exactly one string token that
// Message would accept: not a string, bad escape, raw control character,
// invalid UTF-8, \u0000 or a lone surrogate.
func String(raw []byte) (string, bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	body := raw[1 : n-1]
	i := 0
	for i < len(body) {
		c := body[i]
		if c == '\\' || c == '"' || c < 0x20 {
			break
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			i += size
			continue
		}
		i++
	}
	if i == len(body) {
		return string(body), true
	}
	return decodeJSONStringSlow(body, i)
}

// decodeJSONStringSlow is String's slow path; body[:i] is plain text.
func decodeJSONStringSlow(body []byte, i int) (string, bool) {
	out := make([]byte, 0, len(body))
	out = append(out, body[:i]...)
	for i < len(body) {
		c := body[i]
		switch {
		case c == '"' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			out = append(out, body[i:i+size]...)
			i += size
		case c != '\\':
			out = append(out, c)
			i++
		default:
			if i+1 >= len(body) {
				return "", false
			}
			switch e := body[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := jsonHex4(body, i+2)
				if !ok || r == 0 || utf16.IsSurrogate(r) && r >= 0xDC00 {
					return "", false
				}
				if r >= 0xD800 && r < 0xDC00 {
					lo, ok := jsonLowSurrogateAt(body, i+6)
					if !ok {
						return "", false
					}
					r = utf16.DecodeRune(r, lo)
					i += 6
				}
				out = utf8.AppendRune(out, r)
				i += 6
				continue
			default:
				return "", false
			}
			i += 2
		}
	}
	return string(out), true
}

// jsonHex4 decodes the four hex digits at b[i:i+4].
func jsonHex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// jsonLowSurrogateAt reports whether b[i:] starts with a \uDC00-\uDFFF escape.
func jsonLowSurrogateAt(b []byte, i int) (rune, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	r, ok := jsonHex4(b, i+2)
	if !ok || r < 0xDC00 || r > 0xDFFF {
		return 0, false
	}
	return r, true
}

func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t'
}

func isJSONDigit(c byte) bool { return c >= '0' && c <= '9' }

// jsonFieldSpan is a top-level member while scanning: offsets into the input.
type jsonFieldSpan struct {
	key        string
	start, end int
	nonFinite  bool
}

// nonFiniteShift records one NaN/Infinity replacement. An input offset p
// moves to p plus the deltas of all shifts with end <= p.
type nonFiniteShift struct {
	end   int // input offset just after the replaced token
	delta int // len("null") - len(token)
}

// jsonScanner holds the state of one scan. It lives on the caller's stack.
type jsonScanner struct {
	in       []byte
	maxDepth int
	topLevel string // "top-level value" or "value", for the not-an-object message

	depth     int
	small     uint64   // bit d-1 set: level d (1..64) is an object
	more      []uint64 // the same for levels 65 and deeper
	topObject bool

	key       string // decoded name of the current top-level member
	nonFinite bool   // the current top-level member's value was replaced

	// bad is the first unstorable problem. Scanning goes on after it so that
	// a later syntax error still makes the value "not JSON".
	bad *Error

	out        []byte // normalized copy, nil until the first replacement
	copied     int    // in[:copied] has been appended to out
	shifts     []nonFiniteShift
	nonFinites int
}

func (s *jsonScanner) push(object bool, at int) {
	d := s.depth
	s.depth++
	var bit uint64
	if object {
		bit = 1
	}
	if d < 64 {
		s.small = s.small&^(1<<d) | bit<<d
	} else {
		w, b := (d-64)>>6, uint(d&63)
		for len(s.more) <= w {
			s.more = append(s.more, 0)
		}
		s.more[w] = s.more[w]&^(1<<b) | bit<<b
	}
	if s.depth > s.maxDepth && s.bad == nil {
		s.bad = &Error{Reason: Unstorable,
			Detail: fmt.Sprintf("nesting deeper than %d levels at byte %d", s.maxDepth, at)}
	}
}

// inObject reports whether the innermost open container is an object.
func (s *jsonScanner) inObject() bool {
	d := s.depth - 1
	if d < 64 {
		return s.small>>d&1 == 1
	}
	return s.more[(d-64)>>6]>>uint(d&63)&1 == 1
}

func (s *jsonScanner) unstorable(format string, args ...any) {
	if s.bad == nil {
		s.bad = &Error{Reason: Unstorable, Detail: fmt.Sprintf(format, args...)}
	}
}

func rejectNotJSON(format string, args ...any) *Error {
	return &Error{Reason: NotJSON, Detail: fmt.Sprintf(format, args...)}
}

// scan runs the whole state machine. Containers are tracked on a bit stack,
// not by recursion, so hostile nesting cannot exhaust the goroutine stack.
func (s *jsonScanner) scan() (Scanned, *Error) {
	in := s.in
	i := skipJSONSpace(in, 0)
	if i == len(in) {
		if len(in) == 0 {
			return Scanned{}, rejectNotJSON("empty input")
		}
		return Scanned{}, rejectNotJSON("only whitespace, no value")
	}
	first := i
	s.topObject = in[i] == '{'

	var spanBuf [16]jsonFieldSpan // Rasa events have at most about 12 members
	spans := spanBuf[:0]
	valueStart := 0
	var err *Error
value:
	for {
		i = skipJSONSpace(in, i)
		if i >= len(in) {
			return Scanned{}, s.endOfInput(i, "a value")
		}
		if s.depth == 1 && s.topObject {
			valueStart = i
		}
		switch c := in[i]; c {
		case '{':
			s.push(true, i)
			i = skipJSONSpace(in, i+1)
			if i < len(in) && in[i] == '}' {
				i++
				s.depth--
				break
			}
			if i, err = s.member(i); err != nil {
				return Scanned{}, err
			}
			continue value
		case '[':
			s.push(false, i)
			i = skipJSONSpace(in, i+1)
			if i < len(in) && in[i] == ']' {
				i++
				s.depth--
				break
			}
			continue value
		case '"':
			i, err = s.str(i, false)
		case 't':
			i, err = s.literal(i, "true")
		case 'f':
			i, err = s.literal(i, "false")
		case 'n':
			i, err = s.literal(i, "null")
		case 'N':
			if i, err = s.literal(i, "NaN"); err == nil {
				s.replaceNonFinite(i-3, i)
			}
		case 'I':
			if i, err = s.literal(i, "Infinity"); err == nil {
				s.replaceNonFinite(i-8, i)
			}
		case '-':
			if i+1 < len(in) && in[i+1] == 'I' {
				if i, err = s.literal(i, "-Infinity"); err == nil {
					s.replaceNonFinite(i-9, i)
				}
			} else {
				i, err = s.number(i)
			}
		default:
			if isJSONDigit(c) {
				i, err = s.number(i)
			} else if isJSONLetter(c) {
				err = s.invalidToken(i)
			} else {
				err = s.unexpected(i, "expected a value")
			}
		}
		if err != nil {
			return Scanned{}, err
		}

		// A value ended at i, at level s.depth (0: the top-level value).
		for {
			if s.depth == 0 {
				if i = skipJSONSpace(in, i); i < len(in) {
					return Scanned{}, s.unexpected(i, "after the end of the top-level value")
				}
				return s.finish(first, spans)
			}
			if s.depth == 1 && s.topObject {
				spans = append(spans, jsonFieldSpan{s.key, valueStart, i, s.nonFinite})
				s.nonFinite = false
			}
			i = skipJSONSpace(in, i)
			if i >= len(in) {
				if s.inObject() {
					return Scanned{}, s.endOfInput(i, "',' or '}'")
				}
				return Scanned{}, s.endOfInput(i, "',' or ']'")
			}
			c := in[i]
			if s.inObject() {
				switch c {
				case ',':
					if i, err = s.member(i + 1); err != nil {
						return Scanned{}, err
					}
					continue value
				case '}':
					i++
					s.depth--
					continue
				}
				return Scanned{}, s.unexpected(i, "expected ',' or '}'")
			}
			switch c {
			case ',':
				i++
				continue value
			case ']':
				i++
				s.depth--
				continue
			}
			return Scanned{}, s.unexpected(i, "expected ',' or ']'")
		}
	}
}

// finish applies the precedence of reasons and builds the result.
func (s *jsonScanner) finish(first int, spans []jsonFieldSpan) (Scanned, *Error) {
	if !s.topObject {
		return Scanned{}, &Error{Reason: NotObject, Detail: s.topLevel + " is " + describeJSONKind(s.in[first])}
	}
	if s.bad != nil {
		return Scanned{}, s.bad
	}
	m := Scanned{JSON: s.in, NonFinite: s.nonFinites}
	if s.out != nil {
		m.JSON = append(s.out, s.in[s.copied:]...)
	}
	if len(spans) == 0 {
		return m, nil
	}
	m.Fields = make([]Field, len(spans))
	k, delta := 0, 0 // shifts applied so far and their total
	for j, sp := range spans {
		for k < len(s.shifts) && s.shifts[k].end <= sp.start {
			delta += s.shifts[k].delta
			k++
		}
		start := sp.start + delta
		for k < len(s.shifts) && s.shifts[k].end <= sp.end {
			delta += s.shifts[k].delta
			k++
		}
		m.Fields[j] = Field{Key: sp.key, Value: m.JSON[start : sp.end+delta : sp.end+delta]}
		if sp.nonFinite {
			m.nonFiniteAt = append(m.nonFiniteAt, j)
		}
	}
	return m, nil
}

func describeJSONKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// replaceNonFinite replaces in[start:end] (NaN, Infinity or -Infinity) by null.
func (s *jsonScanner) replaceNonFinite(start, end int) {
	if s.out == nil {
		s.out = make([]byte, 0, len(s.in)+8)
	}
	s.out = append(s.out, s.in[s.copied:start]...)
	s.out = append(s.out, "null"...)
	s.copied = end
	s.shifts = append(s.shifts, nonFiniteShift{end: end, delta: 4 - (end - start)})
	s.nonFinites++
	if s.depth == 1 && s.topObject {
		s.nonFinite = true
	}
}

func skipJSONSpace(in []byte, i int) int {
	for i < len(in) && isJSONSpace(in[i]) {
		i++
	}
	return i
}

// member reads `"name" :` starting at i (whitespace allowed before).
func (s *jsonScanner) member(i int) (int, *Error) {
	in := s.in
	i = skipJSONSpace(in, i)
	if i >= len(in) {
		return i, s.endOfInput(i, "a member name")
	}
	if in[i] != '"' {
		if in[i] == '}' {
			return i, s.unexpected(i, "expected a member name (trailing comma?)")
		}
		return i, s.unexpected(i, "expected a member name in double quotes")
	}
	i, err := s.str(i, s.depth == 1 && s.topObject)
	if err != nil {
		return i, err
	}
	i = skipJSONSpace(in, i)
	if i >= len(in) {
		return i, s.endOfInput(i, "':'")
	}
	if in[i] != ':' {
		return i, s.unexpected(i, "expected ':' after a member name")
	}
	return i + 1, nil
}

const (
	swarOnes     = 0x0101010101010101
	swarHighBits = 0x8080808080808080
)

// jsonSpecialBytes flags (high bit of each byte) the bytes of x that end a plain
// run in a string: '"', '\\', control characters and non-ASCII. The lowest
// flagged byte is always exact; higher ones may be false positives.
func jsonSpecialBytes(x uint64) uint64 {
	q := x ^ (swarOnes * '"')
	b := x ^ (swarOnes * '\\')
	return ((q-swarOnes)&^q | (b-swarOnes)&^b | (x-swarOnes*0x20)&^x | x) & swarHighBits
}

// str scans the string token starting at in[start] == '"' and returns the
// offset after it. With key set it stores the decoded text in s.key.
func (s *jsonScanner) str(start int, key bool) (int, *Error) {
	in := s.in
	i := start + 1
	escaped := false
	for {
		for i+8 <= len(in) {
			if m := jsonSpecialBytes(binary.LittleEndian.Uint64(in[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(in) {
			return i, rejectNotJSON("unexpected end of input at byte %d inside the string that starts at byte %d", i, start)
		}
		switch c := in[i]; {
		case c == '"':
			i++
			if key {
				s.setKey(in[start:i], escaped)
			}
			return i, nil
		case c == '\\':
			escaped = true
			var err *Error
			if i, err = s.escape(i); err != nil {
				return i, err
			}
		case c < 0x20:
			return i, rejectNotJSON("control character %s in a string at byte %d (must be escaped)", quoteJSONByte(c), i)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && size == 1 {
				s.unstorable("invalid UTF-8 at byte %d", i)
			}
			i += size
		default:
			i++
		}
	}
}

// setKey stores the name of a top-level member. Rasa's usual names come from
// constants, so the common case allocates nothing.
func (s *jsonScanner) setKey(tok []byte, escaped bool) {
	if escaped {
		k, ok := String(tok)
		if !ok {
			// Only reachable for text that already made the message
			// unstorable (\u0000, lone surrogate, invalid UTF-8).
			k = string(tok[1 : len(tok)-1])
		}
		s.key = k
		return
	}
	s.key = internFieldName(tok[1 : len(tok)-1])
}

func internFieldName(b []byte) string {
	switch string(b) { // no allocation for the comparisons
	case "sender_id":
		return "sender_id"
	case "event":
		return "event"
	case "timestamp":
		return "timestamp"
	case "metadata":
		return "metadata"
	case "name":
		return "name"
	case "policy":
		return "policy"
	case "confidence":
		return "confidence"
	case "action_text":
		return "action_text"
	case "hide_rule_turn":
		return "hide_rule_turn"
	case "flow_id":
		return "flow_id"
	case "update":
		return "update"
	case "user_id":
		return "user_id"
	case "text":
		return "text"
	case "data":
		return "data"
	case "step_id":
		return "step_id"
	case "parse_data":
		return "parse_data"
	case "input_channel":
		return "input_channel"
	case "message_id":
		return "message_id"
	case "value":
		return "value"
	case "use_text_for_featurization":
		return "use_text_for_featurization"
	case "reason":
		return "reason"
	case "agent_id":
		return "agent_id"
	}
	return string(b)
}

// escape checks the escape sequence at in[i] == '\\' and returns the offset
// after it.
func (s *jsonScanner) escape(i int) (int, *Error) {
	in := s.in
	if i+1 >= len(in) {
		return i, s.endOfInput(i+1, "an escape sequence")
	}
	switch in[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, nil
	case 'u':
	default:
		return i, rejectNotJSON("invalid escape %s in a string at byte %d", strconv.QuoteToASCII(`\`+string(in[i+1])), i)
	}
	r, ok := jsonHex4(in, i+2)
	if !ok {
		if i+6 > len(in) && jsonAllHex(in[i+2:]) {
			return i, s.endOfInput(len(in), "hex digits of \\u escape")
		}
		return i, rejectNotJSON("invalid \\u escape at byte %d (needs four hex digits)", i)
	}
	switch {
	case r == 0:
		s.unstorable("\\u0000 in a string at byte %d", i)
	case r >= 0xD800 && r < 0xDC00:
		if _, ok := jsonLowSurrogateAt(in, i+6); ok {
			return i + 12, nil
		}
		s.unstorable("UTF-16 high surrogate %s not followed by a low surrogate at byte %d", in[i:i+6], i)
	case r >= 0xDC00 && r < 0xE000:
		s.unstorable("UTF-16 low surrogate %s without a high surrogate before it at byte %d", in[i:i+6], i)
	}
	return i + 6, nil
}

func jsonAllHex(b []byte) bool {
	for _, c := range b {
		if !(isJSONDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f') {
			return false
		}
	}
	return true
}

// literal matches the bare word lit at in[i].
func (s *jsonScanner) literal(i int, lit string) (int, *Error) {
	in := s.in
	n := len(lit)
	if len(in)-i >= n && string(in[i:i+n]) == lit {
		return i + n, nil
	}
	if len(in)-i < n && string(in[i:]) == lit[:len(in)-i] {
		return i, s.endOfInput(len(in), strconv.Quote(lit))
	}
	return i, s.invalidToken(i)
}

func isJSONLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// invalidToken is the error for a bare word at in[i] that is not a value.
func (s *jsonScanner) invalidToken(i int) *Error {
	in := s.in
	j := i + 1
	for j < len(in) && j-i < 32 && (isJSONLetter(in[j]) || isJSONDigit(in[j]) || in[j] == '_') {
		j++
	}
	if j == i+1 {
		return s.unexpected(i, "expected a value")
	}
	return rejectNotJSON("invalid token %s at byte %d, expected a value", strconv.QuoteToASCII(string(in[i:j])), i)
}

// number checks the number token at in[i] against the JSON grammar and
// PostgreSQL numeric's range; it never converts it.
func (s *jsonScanner) number(i int) (int, *Error) {
	in := s.in
	start := i
	if in[i] == '-' {
		i++
	}
	if i >= len(in) {
		return i, s.endOfInput(i, "a digit")
	}
	intStart := i
	switch c := in[i]; {
	case c == '0':
		i++
		if i < len(in) && isJSONDigit(in[i]) {
			return i, rejectNotJSON("invalid number at byte %d: leading zero", start)
		}
	case isJSONDigit(c):
		i++
		for i < len(in) && isJSONDigit(in[i]) {
			i++
		}
	default:
		return i, rejectNotJSON("invalid number at byte %d: no digit after '-'", start)
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(in) && in[i] == '.' {
		i++
		fracStart = i
		for i < len(in) && isJSONDigit(in[i]) {
			i++
		}
		if i == fracStart {
			if i >= len(in) {
				return i, s.endOfInput(i, "a digit after '.'")
			}
			return i, rejectNotJSON("invalid number at byte %d: no digit after '.'", start)
		}
		fracEnd = i
	}
	if i >= len(in) || in[i]|0x20 != 'e' {
		// No exponent: the common case needs no arithmetic.
		if intEnd-intStart > 4*(pgNumericMaxWeight+1) || fracEnd-fracStart > pgNumericMaxDscale {
			s.numericRange(start, i, in[intStart:intEnd], in[fracStart:fracEnd], 0)
		}
		return i, nil
	}
	i++
	neg := false
	if i < len(in) && (in[i] == '+' || in[i] == '-') {
		neg = in[i] == '-'
		i++
	}
	expStart := i
	var exp int64
	for i < len(in) && isJSONDigit(in[i]) {
		if exp < 1<<40 { // saturate like strtol; anything this big is out of range
			exp = exp*10 + int64(in[i]-'0')
		}
		i++
	}
	if i == expStart {
		if i >= len(in) {
			return i, s.endOfInput(i, "a digit in the exponent")
		}
		return i, rejectNotJSON("invalid number at byte %d: no digit in the exponent", start)
	}
	if neg {
		exp = -exp
	}
	s.numericRange(start, i, in[intStart:intEnd], in[fracStart:fracEnd], exp)
	return i, nil
}

// numericRange applies numeric_in's limits (PostgreSQL 15) to a number with
// integer digits intDigits, fraction digits frac and exponent exp.
func (s *jsonScanner) numericRange(start, end int, intDigits, frac []byte, exp int64) {
	if s.bad != nil {
		return
	}
	why := ""
	switch {
	case exp >= pgNumericMaxExponent || exp <= -pgNumericMaxExponent:
		why = "exponent too large"
	case int64(len(frac))-exp > pgNumericMaxDscale:
		why = fmt.Sprintf("more than %d digits after the decimal point", pgNumericMaxDscale)
	default:
		// Decimal weight of the first non-zero digit (intDigits has no
		// leading zero unless it is "0").
		dw, found := int64(len(intDigits)-1)+exp, false
		if intDigits[0] != '0' {
			found = true
		} else {
			for j, c := range frac {
				if c != '0' {
					dw, found = dw-int64(j+1), true
					break
				}
			}
		}
		if !found {
			return // zero: weight 0
		}
		w := dw >> 2 // floor(dw / 4): weight in base-10000 digits
		if w > pgNumericMaxWeight || w < pgNumericMinWeight {
			why = fmt.Sprintf("more than %d digits before the decimal point", 4*(pgNumericMaxWeight+1))
		}
	}
	if why == "" {
		return
	}
	tok := s.in[start:end]
	if len(tok) > 40 {
		tok = append(tok[:37:37], "..."...)
	}
	s.bad = &Error{Reason: Unstorable,
		Detail: fmt.Sprintf("number %s at byte %d is outside PostgreSQL numeric range (%s)", tok, start, why)}
}

// endOfInput is the error for input that stops where more was needed.
func (s *jsonScanner) endOfInput(i int, want string) *Error {
	return rejectNotJSON("unexpected end of input at byte %d, expected %s", i, want)
}

// unexpected is the error for a character that cannot be at in[i].
func (s *jsonScanner) unexpected(i int, context string) *Error {
	c := s.in[i]
	what := ""
	switch {
	case c < utf8.RuneSelf:
		what = "character " + quoteJSONByte(c)
	default:
		r, size := utf8.DecodeRune(s.in[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			what = fmt.Sprintf("byte 0x%02x (invalid UTF-8)", c)
		case r == '\uFEFF':
			what = "byte order mark U+FEFF"
		default:
			what = fmt.Sprintf("character %s (U+%04X)", strconv.QuoteRune(r), r)
		}
	}
	return rejectNotJSON("unexpected %s at byte %d, %s", what, i, context)
}

func quoteJSONByte(c byte) string {
	return strconv.QuoteRuneToASCII(rune(c))
}
