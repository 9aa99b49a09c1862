package decode

import (
	"crypto/sha1"
	"encoding/hex"
)

// UUID is a 16-byte UUID; pgx encodes [16]byte as the PostgreSQL uuid type.
type UUID [16]byte

// urlNamespace is RFC 4122's URL namespace, which every derived id uses
// (docs/decisions.md, "Input and decoding").
var urlNamespace = UUID{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// UUIDv5 is the name-based (SHA-1) UUID of the given name parts, concatenated.
func UUIDv5(parts ...[]byte) UUID {
	h := sha1.New()
	h.Write(urlNamespace[:])
	for _, p := range parts {
		h.Write(p)
	}
	var u UUID
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

func (u UUID) IsZero() bool { return u == UUID{} }

// String is the canonical 8-4-4-4-12 form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// parseUUID accepts the canonical form, upper or lower case, with or without
// braces or hyphens (as PostgreSQL's uuid input does).
func parseUUID(s string) (UUID, bool) {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	var digits [32]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			if i == 0 || i == len(s)-1 || s[i-1] == '-' {
				return UUID{}, false
			}
			continue
		}
		if n == 32 {
			return UUID{}, false
		}
		digits[n] = c
		n++
	}
	if n != 32 {
		return UUID{}, false
	}
	var u UUID
	if _, err := hex.Decode(u[:], digits[:]); err != nil {
		return UUID{}, false
	}
	return u, true
}
