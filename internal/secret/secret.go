// Package secret makes the secrets in links people receive (a staff member's
// sign-in link, a party's task link) and what is stored of them: only a
// hash, so a copy of the database opens nothing.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// New is a random token of 256 bits, URL-safe (43 characters).
func New() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Hash is what is stored of a token. SHA-256 without salt is enough: the
// token is 256 random bits, not a password to guess.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
