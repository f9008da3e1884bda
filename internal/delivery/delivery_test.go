package delivery_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/delivery"
	"github.com/stichtingbmp/amwaht/internal/delivery/signing"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: rollout.SearchAttributeFlags()}))
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// reporter stands in for the rollout client: it records the reports and
// fails the first failFirst of them as an unreachable Temporal would.
type reporter struct {
	mu        sync.Mutex
	calls     []rollout.Undelivered
	failFirst int
}

func (r *reporter) ReportUndelivered(_ context.Context, workflowID, runID string, u rollout.Undelivered) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, u)
	if len(r.calls) <= r.failFirst {
		return errors.New("temporal unreachable")
	}
	return nil
}

func (r *reporter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// webhook is the handler on a fresh, migrated database behind an HTTP
// server, with a key pair made for the test.
type webhook struct {
	t    *testing.T
	db   *sqlx.DB
	srv  *httptest.Server
	key  *ecdsa.PrivateKey
	rep  *reporter
	http *http.Client
}

func newWebhook(t *testing.T, rep delivery.Reporter) *webhook {
	t.Helper()
	return newWebhookOn(t, rep, testenv.Require(t).NewDatabase(t))
}

// newWebhookOn is the handler on the database at url.
func newWebhookOn(t *testing.T, rep delivery.Reporter, url string) *webhook {
	t.Helper()
	db := testenv.OpenMigrated(t, url)
	priv, pub, err := signing.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	w := &webhook{t: t, db: db, key: key, http: &http.Client{Timeout: 30 * time.Second}}
	if r, ok := rep.(*reporter); ok {
		w.rep = r
	}
	h, err := delivery.NewHandler(db, rep, pub, quiet())
	if err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewServer(h)
	t.Cleanup(w.srv.Close)
	return w
}

// post sends events signed with key at a moment, as SendGrid would.
func (w *webhook) post(key *ecdsa.PrivateKey, at time.Time, body []byte) int {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != nil {
		sig, ts, err := signing.Sign(key, body, at)
		if err != nil {
			w.t.Fatal(err)
		}
		req.Header.Set(signing.SignatureHeader, sig)
		req.Header.Set(signing.TimestampHeader, ts)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (w *webhook) send(events ...map[string]any) int {
	w.t.Helper()
	body, _ := json.Marshal(events)
	return w.post(w.key, time.Now(), body)
}

// email puts a sent e-mail in the outbox, as SendEmail leaves it.
func (w *webhook) email(workflowID, template, step string, occurrence int, role string) int64 {
	w.t.Helper()
	var id int64
	err := w.db.Get(&id, `INSERT INTO outbox (workflow_id, template, step, occurrence, recipient, role, subject, body_text, body_html, status, message_id)
		VALUES ($1, $2, $3, $4, 'p@example.org', $5, 's', 't', 'h', 'sent', 'msg-1') RETURNING id`, workflowID, template, step, occurrence, role)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *webhook) events() int {
	w.t.Helper()
	var n int
	if err := w.db.Get(&n, `SELECT count(*) FROM delivery_events`); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *webhook) state(id int64) delivery.State {
	w.t.Helper()
	s, err := delivery.States(w.t.Context(), w.db, []int64{id})
	if err != nil {
		w.t.Fatal(err)
	}
	return s[id]
}

// event is one of SendGrid's events about an outbox e-mail, with its custom args.
func event(id, name string, at time.Time, workflowID, template, step string, occurrence int) map[string]any {
	return map[string]any{
		"sg_event_id": id, "event": name, "timestamp": at.Unix(), "email": "p@example.org",
		"sg_message_id": "msg-1.filter0001", "workflow_id": workflowID, "template": template,
		"step": step, "occurrence": fmt.Sprint(occurrence), "category": []string{"amwaht", template},
	}
}

// Unsigned, forged, tampered, old and future requests are refused with 403
// and write nothing; so are a too large body (413) and a GET (405).
func TestRefusedRequestsWriteNothing(t *testing.T) {
	w := newWebhook(t, &reporter{})
	id := w.email("rollout-demo-GM0344", "producer-invitation", "application", 1, "municipality")
	body, _ := json.Marshal([]map[string]any{event("ev-1", "bounce", time.Now(), "rollout-demo-GM0344", "producer-invitation", "application", 1)})
	_, otherPub, _ := signing.NewKeyPair()
	otherPriv, _, _ := signing.NewKeyPair()
	other, _ := signing.ParsePrivateKey(otherPriv)
	_ = otherPub

	tampered := bytes.Replace(body, []byte(`"bounce"`), []byte(`"delivered"`), 1)
	signedBody := func(key *ecdsa.PrivateKey, at time.Time, sent []byte, signed []byte) int {
		sig, ts, err := signing.Sign(key, signed, at)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, w.srv.URL, bytes.NewReader(sent))
		req.Header.Set(signing.SignatureHeader, sig)
		req.Header.Set(signing.TimestampHeader, ts)
		resp, err := w.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := map[string]int{
		"unsigned":                   w.post(nil, time.Now(), body),
		"signed by another key":      w.post(other, time.Now(), body),
		"body changed after signing": signedBody(w.key, time.Now(), tampered, body),
		"timestamp 11 minutes old":   w.post(w.key, time.Now().Add(-11*time.Minute), body),
		"timestamp an hour ahead":    w.post(w.key, time.Now().Add(time.Hour), body),
	}
	for name, code := range cases {
		if code != http.StatusForbidden {
			t.Errorf("%s: HTTP %d, want 403", name, code)
		}
	}
	big := append([]byte(`[{"sg_event_id":"x","event":"open","pad":"`), bytes.Repeat([]byte("a"), delivery.MaxBody)...)
	big = append(big, []byte(`"}]`)...)
	if code := w.post(w.key, time.Now(), big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over %d bytes: HTTP %d, want 413", delivery.MaxBody, code)
	}
	if resp, err := w.http.Get(w.srv.URL); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v, want 405", resp.StatusCode, err)
	}
	if n := w.events(); n != 0 || w.rep.count() != 0 || w.state(id).Delivery != "" {
		t.Errorf("refused requests wrote something: %d events, %d reports, state %+v", n, w.rep.count(), w.state(id))
	}
	// The same body, signed now with the right key, goes through.
	if code := w.post(w.key, time.Now(), body); code != http.StatusNoContent || w.events() != 1 {
		t.Errorf("the genuine request: HTTP %d, %d events", code, w.events())
	}
}

// SendGrid posts at least once and out of order: a bounce that arrives
// twice is recorded and reported once, a late "delivered" does not hide it,
// and an e-mail that informs only is recorded but not reported.
func TestBounceOnceAndNotHiddenByALateDelivered(t *testing.T) {
	w := newWebhook(t, &reporter{})
	wf := "rollout-demo-GM0344"
	inv := w.email(wf, "producer-course-invitation", "producer-course", 1, "producer")
	info := w.email(wf, "application-received", "application", 1, "producer")
	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	bounce := event("ev-b", "bounce", t0.Add(10*time.Second), wf, "producer-course-invitation", "producer-course", 1)
	bounce["reason"], bounce["status"], bounce["type"] = "550 5.1.1 <p@example.org>: Recipient address rejected: User unknown", "5.1.1", "bounce"

	if code := w.send(bounce); code != http.StatusNoContent {
		t.Fatalf("bounce: HTTP %d", code)
	}
	late := event("ev-d", "delivered", t0, wf, "producer-course-invitation", "producer-course", 1)
	if code := w.send(late, bounce); code != http.StatusNoContent { // the bounce again, in a later batch
		t.Fatalf("late delivered: HTTP %d", code)
	}
	s := w.state(inv)
	if s.Delivery != "bounce" || !s.Failed() || !strings.Contains(s.Reason, "User unknown") || s.DeliveredAt == nil {
		t.Errorf("after bounce then a late delivered: %+v", s)
	}
	if got := s.Label().NL; !strings.HasPrefix(got, "niet afgeleverd (bounce: 550 5.1.1") {
		t.Errorf("label %q", got)
	}
	if w.events() != 2 {
		t.Errorf("%d events stored, want 2 (the repeated bounce once)", w.events())
	}
	if w.rep.count() != 1 {
		t.Fatalf("%d reports, want 1", w.rep.count())
	}
	u := w.rep.calls[0]
	if u.Template != "producer-course-invitation" || u.Step != "producer-course" || u.Occurrence != 1 || u.Role != "producer" || u.Event != "bounce" {
		t.Errorf("report %+v", u)
	}
	if u.Reason.NL != "het adres weigert de e-mail (bounce, status 5.1.1)" || strings.Contains(u.Reason.EN, "@") {
		t.Errorf("reason %v: want SendGrid's classification, no address", u.Reason)
	}
	if ps := u.Check(); len(ps) > 0 {
		t.Errorf("the report fails its own check: %v", ps)
	}

	// An e-mail that only informs: its state, no report.
	dropped := event("ev-x", "dropped", t0, wf, "application-received", "application", 1)
	dropped["reason"] = "Bounced Address"
	opened := event("ev-o", "open", t0.Add(time.Second), wf, "producer-course-invitation", "producer-course", 1)
	if code := w.send(dropped, opened); code != http.StatusNoContent {
		t.Fatalf("HTTP %d", code)
	}
	if s := w.state(info); s.Delivery != "dropped" || w.rep.count() != 1 {
		t.Errorf("informing e-mail dropped: state %+v, %d reports", s, w.rep.count())
	}
	if s := w.state(inv); s.OpenedAt == nil || s.Delivery != "bounce" {
		t.Errorf("an open after a bounce: %+v", s)
	}
	var stored string
	if err := w.db.Get(&stored, `SELECT report FROM delivery_events WHERE sg_event_id = 'ev-b'`); err != nil || !strings.HasPrefix(stored, "accepted") {
		t.Errorf("the rollout's answer recorded as %q (%v)", stored, err)
	}
}

// A report that does not get through (Temporal unreachable) answers 503, so
// SendGrid posts the batch again; the retry reports it, once.
func TestReportRetriedWhenTheRolloutIsUnreachable(t *testing.T) {
	rep := &reporter{failFirst: 1}
	w := newWebhook(t, rep)
	wf := "rollout-demo-GM0344"
	w.email(wf, "funding-request", "funding", 1, "municipality")
	ev := event("ev-1", "spamreport", time.Now(), wf, "funding-request", "funding", 1)
	if code := w.send(ev); code != http.StatusServiceUnavailable {
		t.Fatalf("unreachable rollout: HTTP %d, want 503", code)
	}
	if code := w.send(ev); code != http.StatusNoContent {
		t.Fatalf("retry: HTTP %d", code)
	}
	if code := w.send(ev); code != http.StatusNoContent {
		t.Fatalf("third post: HTTP %d", code)
	}
	if rep.count() != 2 || w.events() != 1 {
		t.Errorf("%d reports (want the failed one and one that got through), %d events", rep.count(), w.events())
	}
}

// Events for e-mails amwaht does not know are recorded (deduplicated) and
// answered 204, so SendGrid stops posting them.
func TestUnmatchedEvents(t *testing.T) {
	w := newWebhook(t, &reporter{})
	stranger := map[string]any{"sg_event_id": "ev-s", "event": "bounce", "timestamp": time.Now().Unix(), "email": "x@example.org"}
	unknown := event("ev-u", "bounce", time.Now(), "rollout-demo-GM9999", "producer-invitation", "application", 1)
	if code := w.send(stranger, unknown); code != http.StatusNoContent {
		t.Fatalf("HTTP %d", code)
	}
	if w.events() != 2 || w.rep.count() != 0 {
		t.Errorf("%d events, %d reports", w.events(), w.rep.count())
	}
}
