// Package signing makes and reads the key pair of SendGrid's Signed Event
// Webhook (ECDSA P-256, the public key base64 DER as SendGrid shows it) and
// signs a payload the way SendGrid does, for the development relay and the
// tests. It has no dependencies beyond the standard library, so the relay's
// image stays small.
package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers SendGrid signs with (as sendgrid-go's eventwebhook names them).
const (
	SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// NewKeyPair makes a key pair: the private key as base64 PKCS #8 DER (what
// the relay reads), the public key as base64 PKIX DER (what SendGrid shows
// and SENDGRID_WEBHOOK_PUBLIC_KEY holds).
func NewKeyPair() (private, public string, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", "", fmt.Errorf("encode private key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("encode public key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(priv), base64.StdEncoding.EncodeToString(pub), nil
}

// ParsePrivateKey reads a base64 PKCS #8 ECDSA private key.
func ParsePrivateKey(b64 string) (*ecdsa.PrivateKey, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("private key: not base64: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("private key: not an ECDSA key")
	}
	return ec, nil
}

// CheckPublicKey tells whether b64 is a base64 PKIX ECDSA public key.
func CheckPublicKey(b64 string) error {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return fmt.Errorf("public key: not base64: %w", err)
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	if _, ok := k.(*ecdsa.PublicKey); !ok {
		return errors.New("public key: not an ECDSA key")
	}
	return nil
}

// Sign signs payload at a moment as SendGrid does: ECDSA over SHA-256 of the
// timestamp (Unix seconds, as the header carries it) followed by the body;
// the signature base64 ASN.1. It returns both header values.
func Sign(k *ecdsa.PrivateKey, payload []byte, at time.Time) (signature, timestamp string, err error) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, k, h.Sum(nil))
	if err != nil {
		return "", "", fmt.Errorf("sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), timestamp, nil
}
