// Package delivery receives SendGrid's signed Event Webhook: what became of
// each e-mail after SendGrid accepted it. Events are verified (ECDSA, with
// the public key SendGrid shows), deduplicated by sg_event_id, matched to
// outbox rows by the custom args every e-mail carries, and recorded as the
// e-mail's delivery state. A bounce, drop or spam report of an e-mail that
// asks someone to act is reported to its rollout (rollout.UpdateUndelivered),
// which stalls the step and escalates to staff once.
package delivery

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/stichtingbmp/amwaht/internal/delivery/signing"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// Limits of a request.
const (
	// MaxBody bounds a request's body. SendGrid posts batches of at most
	// 768 KB (or every 30 seconds); anything far larger is not SendGrid.
	MaxBody = 2 << 20
	// MaxAge is how old a signed timestamp may be: a request recorded and
	// replayed later is refused.
	MaxAge = 10 * time.Minute
	// MaxSkew is how far ahead of this clock a timestamp may be.
	MaxSkew = 2 * time.Minute
	// maxReason bounds SendGrid's reason as stored.
	maxReason = 500
)

// Reporter tells a rollout that an e-mail was not delivered (the typed
// client, *rollout.Client).
type Reporter interface {
	ReportUndelivered(ctx context.Context, workflowID, runID string, u rollout.Undelivered) error
}

// Handler is the Event Webhook's http.Handler (POST /webhooks/sendgrid).
type Handler struct {
	db     *sqlx.DB
	report Reporter
	key    *ecdsa.PublicKey
	log    *slog.Logger
	now    func() time.Time
	// runIDs is true when the outbox key holds the run (a run_id column):
	// a run_id custom arg then selects the row of that run.
	runIDs bool
}

// NewHandler builds the handler. publicKey is SendGrid's verification key
// (SENDGRID_WEBHOOK_PUBLIC_KEY: base64, as the Mail Settings page shows it);
// report is normally a *rollout.Client acting as plan.ViaWebhook.
func NewHandler(db *sqlx.DB, report Reporter, publicKey string, log *slog.Logger) (*Handler, error) {
	if strings.TrimSpace(publicKey) == "" {
		return nil, errors.New("SENDGRID_WEBHOOK_PUBLIC_KEY is empty: the Event Webhook cannot verify signatures")
	}
	// The helper panics on a key that is not ECDSA: check first.
	if err := signing.CheckPublicKey(publicKey); err != nil {
		return nil, fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY: %w", err)
	}
	key, err := eventwebhook.ConvertPublicKeyBase64ToECDSA(strings.TrimSpace(publicKey))
	if err != nil {
		return nil, fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{db: db, report: report, key: key, log: log.With("component", "sendgrid-webhook"), now: time.Now}
	// Another change puts the run into the outbox key; until then a run_id
	// custom arg cannot narrow the match.
	if err := db.Get(&h.runIDs, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_name = 'outbox' AND column_name = 'run_id' AND table_schema = current_schema())`); err != nil {
		return nil, fmt.Errorf("read the outbox's columns: %w", err)
	}
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	sig, ts := r.Header.Get(eventwebhook.VerificationHTTPHeader), r.Header.Get(eventwebhook.TimestampHTTPHeader)
	if sig == "" || ts == "" {
		h.refuse(w, r, "unsigned request")
		return
	}
	if why := h.checkTimestamp(ts); why != "" {
		h.refuse(w, r, why)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the body failed", http.StatusBadRequest)
		return
	}
	if ok, err := eventwebhook.VerifySignature(h.key, body, sig, ts); err != nil || !ok {
		h.refuse(w, r, "wrong signature")
		return
	}
	events, err := parseEvents(body)
	if err != nil {
		h.log.Warn("signed request with a body that is not SendGrid's event array", "err", err)
		http.Error(w, "expected a JSON array of events", http.StatusBadRequest)
		return
	}
	var failures int
	for _, ev := range events {
		if err := h.handle(r.Context(), ev); err != nil {
			failures++
			h.log.Error("event not recorded; SendGrid will post it again", "sg_event_id", ev.ID, "event", ev.Event, "err", err)
		}
	}
	if failures > 0 {
		// SendGrid retries the whole batch; recorded events are skipped then.
		http.Error(w, fmt.Sprintf("%d of %d events not recorded", failures, len(events)), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refuse answers 403 and writes nothing.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, why string) {
	h.log.Warn("Event Webhook request refused", "why", why, "remote", r.RemoteAddr)
	http.Error(w, "forbidden: "+why, http.StatusForbidden)
}

func (h *Handler) checkTimestamp(ts string) string {
	s, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return "timestamp is not a number"
	}
	at, now := time.Unix(s, 0), h.now()
	switch {
	case now.Sub(at) > MaxAge:
		return fmt.Sprintf("timestamp older than %s", MaxAge)
	case at.Sub(now) > MaxSkew:
		return "timestamp in the future"
	}
	return ""
}

// event is one of SendGrid's events, in the parts used here. Custom args
// arrive as top-level fields.
type event struct {
	ID        string
	Event     string
	At        time.Time
	MessageID string
	Reason    string // SendGrid's reason (bounce, dropped), or the response (deferred)
	Status    string // SMTP enhanced status, e.g. 5.1.1
	Type      string // bounce: "bounce" or "blocked"
	Args      map[string]string
}

func parseEvents(body []byte) ([]event, error) {
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	out := make([]event, 0, len(raw))
	for _, m := range raw {
		str := func(k string) string {
			switch v := m[k].(type) {
			case string:
				return v
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
			return ""
		}
		ev := event{ID: str("sg_event_id"), Event: str("event"), MessageID: str("sg_message_id"),
			Reason: str("reason"), Status: str("status"), Type: str("type"), Args: map[string]string{}}
		if ev.Reason == "" {
			ev.Reason = str("response")
		}
		if ts, ok := m["timestamp"].(float64); ok {
			ev.At = time.Unix(int64(ts), 0)
		}
		for _, k := range []string{"workflow_id", "run_id", "template", "step", "occurrence"} {
			ev.Args[k] = str(k)
		}
		out = append(out, ev)
	}
	return out, nil
}

// PublicKeyFromEnv reads the verification key: SENDGRID_WEBHOOK_PUBLIC_KEY,
// or the file SENDGRID_WEBHOOK_PUBLIC_KEY_FILE names (in compose, the key
// the development relay made at its first start). Empty when neither is set:
// the console then serves no webhook.
func PublicKeyFromEnv() (string, error) {
	if v := strings.TrimSpace(os.Getenv("SENDGRID_WEBHOOK_PUBLIC_KEY")); v != "" {
		return v, nil
	}
	p := strings.TrimSpace(os.Getenv("SENDGRID_WEBHOOK_PUBLIC_KEY_FILE"))
	if p == "" {
		return "", nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY_FILE: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
