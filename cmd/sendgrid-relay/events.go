package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/delivery/signing"
)

// Events posts SendGrid's Event Webhook to amwaht's console for every mail
// the relay hands to Mailpit: one signed "delivered" event per recipient,
// carrying the mail's custom args, as SendGrid would after delivery. So the
// delivery state shows in development too.
type Events struct {
	URL  string            // e.g. http://amwaht-console:8088/webhooks/sendgrid
	Key  *ecdsa.PrivateKey // signs as SendGrid does
	HTTP *http.Client
	Log  *slog.Logger
	// Attempts and Backoff bound the retries while the console is not up.
	Attempts int
	Backoff  time.Duration
}

// delivered posts, in the background, the delivered events of one relayed
// personalization.
func (e *Events) delivered(sr sendRequest, p personalization, messageID string, at time.Time) {
	if e == nil || e.URL == "" {
		return
	}
	args := map[string]string{}
	maps.Copy(args, sr.CustomArgs)
	maps.Copy(args, p.CustomArgs)
	var batch []map[string]any
	for _, list := range [][]address{p.To, p.Cc, p.Bcc} {
		for _, a := range list {
			ev := map[string]any{
				"email": a.Email, "timestamp": at.Unix(), "event": "delivered",
				"sg_event_id": eventID(), "sg_message_id": messageID + ".relay", "response": "250 relayed to the development inbox",
				"category": sr.Categories,
			}
			for k, v := range args {
				ev[k] = v // SendGrid puts custom args at the top level of an event
			}
			batch = append(batch, ev)
		}
	}
	body, err := json.Marshal(batch)
	if err != nil {
		e.Log.Error("event webhook: encode events", "error", err)
		return
	}
	go e.post(body)
}

// post sends one batch, retrying a few times with backoff while the console
// is not reachable or answers 5xx; a 4xx (a refused signature) is final.
func (e *Events) post(body []byte) {
	attempts, backoff := max(e.Attempts, 1), e.Backoff
	if backoff <= 0 {
		backoff = 2 * time.Second
	}
	for i := 1; ; i++ {
		status, err := e.postOnce(body)
		switch {
		case err == nil && status < 300:
			e.Log.Info("event webhook: delivered events posted", "url", e.URL, "status", status)
			return
		case err == nil && status < 500:
			e.Log.Error("event webhook: the console refused the events (is SENDGRID_WEBHOOK_PUBLIC_KEY the relay's public key?)", "url", e.URL, "status", status)
			return
		case i >= attempts:
			e.Log.Warn("event webhook: giving up", "url", e.URL, "status", status, "error", err, "attempts", i)
			return
		}
		time.Sleep(backoff)
		backoff *= 2
	}
}

func (e *Events) postOnce(body []byte) (int, error) {
	sig, ts, err := signing.Sign(e.Key, body, time.Now())
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signing.SignatureHeader, sig)
	req.Header.Set(signing.TimestampHeader, ts)
	c := e.HTTP
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func eventID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "relay-" + hex.EncodeToString(b[:])
}

// Key files in EVENT_WEBHOOK_KEY_DIR.
const (
	privateKeyFile = "private.key"
	publicKeyFile  = "public.key"
)

// loadOrCreateKey returns the signing key: EVENT_WEBHOOK_PRIVATE_KEY if set,
// else the one in dir, made there at first start together with its public
// key (which the console reads, SENDGRID_WEBHOOK_PUBLIC_KEY_FILE). No key is
// ever committed: each development setup makes its own.
func loadOrCreateKey(inline, dir string) (*ecdsa.PrivateKey, error) {
	if strings.TrimSpace(inline) != "" {
		return signing.ParsePrivateKey(inline)
	}
	if dir == "" {
		return nil, errors.New("set EVENT_WEBHOOK_PRIVATE_KEY or EVENT_WEBHOOK_KEY_DIR")
	}
	privPath := filepath.Join(dir, privateKeyFile)
	b, err := os.ReadFile(privPath)
	if errors.Is(err, fs.ErrNotExist) {
		priv, pub, err := signing.NewKeyPair()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(privPath, []byte(priv+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", privPath, err)
		}
		if err := os.WriteFile(filepath.Join(dir, publicKeyFile), []byte(pub+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("write the public key: %w", err)
		}
		return signing.ParsePrivateKey(priv)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", privPath, err)
	}
	return signing.ParsePrivateKey(string(b))
}
