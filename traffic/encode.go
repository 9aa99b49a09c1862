package traffic

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// This file writes JSON the way Python's json.dumps does with default
// arguments: ", " and ": " separators, ensure_ascii=True (every code point
// outside printable ASCII becomes a lowercase \uXXXX escape, astral code points
// a surrogate pair) and floats in repr form (shortest round-trip digits, ".0"
// on integral values, exponent only below 1e-4 or from 1e16 on).

const hexDigits = "0123456789abcdef"

// appendPyString appends s as a JSON string literal, quotes included.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"':
				b = append(b, '\\', '"')
			case c == '\\':
				b = append(b, '\\', '\\')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == 0x7f:
				b = appendU4(b, rune(c))
			default:
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > 0xffff {
			r -= 0x10000
			b = appendU4(b, 0xd800+(r>>10))
			b = appendU4(b, 0xdc00+(r&0x3ff))
			continue
		}
		b = appendU4(b, r)
	}
	return append(b, '"')
}

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendPyFloat appends f like Python's repr(float) (json.dumps uses float.__repr__).
func appendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	a := math.Abs(f)
	if f == 0 || (a >= 1e-4 && a < 1e16) {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		for _, c := range b[start:] {
			if c == '.' {
				return b
			}
		}
		return append(b, '.', '0')
	}
	// Go writes "1e-05" / "1.5e+16", the same as Python.
	return strconv.AppendFloat(b, f, 'e', -1, 64)
}

// appendTS appends a timestamp given in microseconds since the epoch as the
// Python repr of the float us/1e6: for these magnitudes that is exactly the
// six-decimal form with trailing zeros trimmed (and ".0" when integral),
// because no shorter decimal rounds to the same double.
func appendTS(b []byte, us int64) []byte {
	sec, frac := us/1e6, us%1e6
	if frac < 0 {
		sec--
		frac += 1e6
	}
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, '.')
	if frac == 0 {
		return append(b, '0')
	}
	var d [6]byte
	for i := 5; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 6
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

// appendValue appends a slot value: string, bool, nil, integers or float64.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendPyString(b, x), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		return appendPyFloat(b, x), nil
	}
	return b, fmt.Errorf("unsupported slot value type %T (want string, bool, int, float64 or nil)", v)
}

// valueText is the text a slot value reads as in a bot message.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return x
	case float64:
		return string(appendPyFloat(nil, x))
	}
	return fmt.Sprint(v)
}

// textTokens returns Rasa's text_tokens for s: [start, end) offsets of the
// whitespace-separated tokens, counted in code points like Python.
func textTokens(s string) []byte {
	b := []byte{'['}
	first := true
	pos, start := 0, -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(start), 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(end), 10)
		b = append(b, ']')
		start = -1
	}
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' {
			flush(pos)
		} else if start < 0 {
			start = pos
		}
		pos++
	}
	flush(pos)
	return append(b, ']')
}

// appendHex appends n random lowercase hex digits.
func appendHex(b []byte, r *rng, n int) []byte {
	for n > 0 {
		x := r.u64()
		for k := 0; k < 16 && n > 0; k++ {
			b = append(b, hexDigits[x&0xf])
			x >>= 4
			n--
		}
	}
	return b
}

// appendUUID4 appends a random version-4 UUID in canonical form.
func appendUUID4(b []byte, r *rng) []byte {
	hi, lo := r.u64(), r.u64()
	hi = hi&^(0xf<<12) | 4<<12         // version nibble
	lo = lo&^(0x3<<62) | uint64(2)<<62 // variant 10xx
	var d [32]byte
	for i := 15; i >= 0; i-- {
		d[i] = hexDigits[hi&0xf]
		hi >>= 4
	}
	for i := 31; i >= 16; i-- {
		d[i] = hexDigits[lo&0xf]
		lo >>= 4
	}
	b = append(b, d[0:8]...)
	b = append(b, '-')
	b = append(b, d[8:12]...)
	b = append(b, '-')
	b = append(b, d[12:16]...)
	b = append(b, '-')
	b = append(b, d[16:20]...)
	b = append(b, '-')
	return append(b, d[20:32]...)
}

const frameIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newFrameID returns an 8-character id like Rasa's stack frame ids.
func newFrameID(r *rng) (id [8]byte) {
	x := r.u64()
	for i := range id {
		id[i] = frameIDChars[x%36]
		x /= 36
	}
	return id
}

// appendTwo appends a zero-padded two-digit number.
func appendTwo(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
