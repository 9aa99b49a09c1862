// Package scram computes PostgreSQL SCRAM-SHA-256 password verifiers on the
// client, so that a role's password reaches the server, and its log, only as
// a verifier (RFC 5802, RFC 7677; PostgreSQL's src/common/scram-common.c).
package scram

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Iterations is PostgreSQL's default scram_iterations.
const Iterations = 4096

// NewVerifier returns the verifier of password with a fresh random salt, in
// the form PostgreSQL stores and accepts in CREATE ROLE ... PASSWORD:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
//
// The password is hashed as its UTF-8 bytes. PostgreSQL's own clients first
// apply SASLprep, which changes only passwords with unusual Unicode (non-ASCII
// spaces, some compatibility characters); an ASCII password is the same
// either way.
func NewVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return Verifier(password, salt, Iterations)
}

// Verifier is the verifier of password with the given salt and iterations.
func Verifier(password string, salt []byte, iterations int) (string, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
