package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	amwahtmail "github.com/stichtingbmp/amwaht/internal/mail"
)

// The calendar invitation reaches the inbox as an attachment a calendar
// program reads, and the relay then posts a signed delivered event with the
// mail's custom args, which SendGrid's own verification accepts.
func TestAttachmentRelayedAndDeliveredEventSigned(t *testing.T) {
	dir := t.TempDir()
	key, err := loadOrCreateKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(filepath.Join(dir, publicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := loadOrCreateKey("", dir); err != nil || !again.Equal(key) {
		t.Fatalf("a second start made another key (%v)", err)
	}
	verify, err := eventwebhook.ConvertPublicKeyBase64ToECDSA(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var posted []map[string]any
	console := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ok, err := eventwebhook.VerifySignature(verify, body, r.Header.Get(eventwebhook.VerificationHTTPHeader), r.Header.Get(eventwebhook.TimestampHTTPHeader))
		if err != nil || !ok {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		var evs []map[string]any
		json.Unmarshal(body, &evs)
		mu.Lock()
		posted = append(posted, evs...)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer console.Close()

	smtpd := startSMTP(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(&Relay{SMTPAddr: smtpd.Addr(), Events: &Events{URL: console.URL, Key: key, Log: log, Attempts: 2, Backoff: 50 * time.Millisecond}})
	defer srv.Close()
	d := amwahtmail.Example("producer-course-invitation")
	inv, err := amwahtmail.Invitation(d, amwahtmail.BackOfficeAt(amwahtmail.Contact{Email: "backoffice@example.org"}), amwahtmail.Contact{Email: "p@example.org"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sg := amwahtmail.SendGrid{APIKey: "dev-relay-key", Host: srv.URL, Timeout: 5 * time.Second}
	args := map[string]string{"workflow_id": "rollout-demo-GM0344", "template": "producer-course-invitation", "step": "producer-course", "occurrence": "1"}
	if _, err := sg.Send(context.Background(), amwahtmail.Envelope{
		From: amwahtmail.Contact{Email: "amwaht@example.org"}, To: amwahtmail.Contact{Name: "Fatma", Email: "p@example.org"},
		Message:    amwahtmail.Message{Subject: "Uitnodiging", Text: "tekst", HTML: "<p>tekst</p>", Attachments: []amwahtmail.Attachment{*inv}},
		CustomArgs: args,
	}); err != nil {
		t.Fatal(err)
	}

	got := smtpd.next(t)
	m, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q, want multipart/mixed", mt)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var parts []string
	var cal *ics.Calendar
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts = append(parts, ct)
		if ct == "text/calendar" {
			raw, _ := io.ReadAll(p)
			dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
			if err != nil {
				t.Fatal(err)
			}
			if cal, err = ics.ParseCalendar(bytes.NewReader(dec)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p.Header.Get("Content-Disposition"), "uitnodiging.ics") {
				t.Errorf("disposition %q", p.Header.Get("Content-Disposition"))
			}
		}
	}
	if strings.Join(parts, ",") != "multipart/alternative,text/calendar" || cal == nil || len(cal.Events()) != 2 {
		t.Fatalf("parts %v, calendar %v", parts, cal)
	}
	if loc := cal.Events()[0].GetProperty(ics.ComponentPropertyLocation); loc == nil || loc.Value != "Utrecht" {
		t.Errorf("LOCATION %v", loc)
	}

	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(posted)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 1 {
		t.Fatalf("%d delivered events verified by the console, want 1", len(posted))
	}
	ev := posted[0]
	if ev["event"] != "delivered" || ev["email"] != "p@example.org" || ev["sg_event_id"] == "" {
		t.Errorf("event %v", ev)
	}
	for k, v := range args {
		if ev[k] != v {
			t.Errorf("event's %s = %v, want %q", k, ev[k], v)
		}
	}
}
