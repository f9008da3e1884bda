package activities_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// SendGrid accepted the mail but its answer never arrived: the retry asks
// SendGrid's Email Activity API and does not send a second copy.
func TestSendEmailAcceptedButAnswerLost(t *testing.T) {
	f := newFixture(t, false)
	f.sg.Script(sendgridfake.Response{AcceptThenDrop: true})
	_, err := f.send(t, confirmation())
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() {
		t.Fatalf("lost answer: want a retryable error, got %v", err)
	}
	if rows := f.outbox(t); len(rows) != 1 || rows[0].Status != activities.StatusSending {
		t.Fatalf("outbox after the lost answer: %+v, want one row 'sending'", rows)
	}
	res, err := f.send(t, confirmation())
	if err != nil || !res.Already || res.Status != activities.StatusSent || res.MessageID == "" {
		t.Fatalf("retry: %+v, %v; want found at SendGrid, not sent again", res, err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("SendGrid accepted %d mails, want 1", n)
	}
	if rows := f.outbox(t); rows[0].Status != activities.StatusSent || rows[0].MessageID != res.MessageID {
		t.Errorf("outbox: %+v", rows)
	}
}

// Without the Email Activity API (a paid add-on) the retry cannot know, and
// sends again: the documented limit, asserted so that it stays documented.
func TestSendEmailAnswerLostWithoutActivityAPISendsAgain(t *testing.T) {
	f := newFixture(t, false)
	f.sg.WithoutActivityAPI()
	f.sg.Script(sendgridfake.Response{AcceptThenDrop: true})
	if _, err := f.send(t, confirmation()); err == nil {
		t.Fatal("lost answer: want an error")
	}
	res, err := f.send(t, confirmation())
	if err != nil || res.Already || res.Status != activities.StatusSent {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if n := len(f.sg.Mails()); n != 2 {
		t.Errorf("SendGrid accepted %d mails; without a way to ask, the retry sends a second", n)
	}
}

// A dropped connection before SendGrid accepted: the retry asks, finds
// nothing, and sends once.
func TestSendEmailDroppedThenSentOnce(t *testing.T) {
	f := newFixture(t, false)
	f.sg.Script(sendgridfake.Response{Drop: true})
	if _, err := f.send(t, confirmation()); err == nil {
		t.Fatal("dropped connection: want an error")
	}
	res, err := f.send(t, confirmation())
	if err != nil || res.Already || res.Status != activities.StatusSent {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if n, r := len(f.sg.Mails()), f.sg.Requests(); n != 1 || r != 3 {
		t.Errorf("SendGrid accepted %d mails over %d requests; want 1 over 3 (send, search, send)", n, r)
	}
}

// blockingSender holds its send until released, as a slow SendGrid does.
type blockingSender struct {
	activities.Sender
	started chan struct{}
	release chan struct{}
}

func (s blockingSender) Send(ctx context.Context, e mail.Envelope) (string, error) {
	close(s.started)
	<-s.release
	return s.Sender.Send(ctx, e)
}

// A second attempt (after a start-to-close timeout) while the first is still
// sending does not send beside it: it comes back when the first's claim lapses.
func TestSendEmailSecondAttemptWaitsForTheFirst(t *testing.T) {
	f := newFixture(t, false)
	slow := blockingSender{Sender: f.acts.Sender, started: make(chan struct{}), release: make(chan struct{})}
	f.acts.Sender = slow
	first := make(chan error, 1)
	go func() {
		_, err := f.acts.SendEmail(context.Background(), confirmation())
		first <- err
	}()
	<-slow.started

	_, err := f.send(t, confirmation())
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "EmailClaimed" {
		t.Fatalf("second attempt: want EmailClaimed, got %v", err)
	}
	if d := appErr.NextRetryDelay(); d <= 0 || d > activities.DefaultSendClaim {
		t.Errorf("second attempt retries in %v; want within the claim (%v)", d, activities.DefaultSendClaim)
	}
	close(slow.release)
	if err := <-first; err != nil {
		t.Fatalf("first attempt: %v", err)
	}
	res, err := f.send(t, confirmation())
	if err != nil || !res.Already {
		t.Fatalf("third attempt: %+v, %v", res, err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("SendGrid accepted %d mails, want 1", n)
	}
}

// A worker killed mid-send leaves its claim; once it lapses, the next
// attempt asks SendGrid and records what SendGrid says.
func TestSendEmailClaimOfADeadAttemptLapses(t *testing.T) {
	f := newFixture(t, false)
	f.acts.SendClaim = 300 * time.Millisecond
	// The dead attempt: claimed and sent, never recorded.
	dead := blockingSender{Sender: f.acts.Sender, started: make(chan struct{}), release: make(chan struct{})}
	f.acts.Sender = dead
	go f.acts.SendEmail(context.Background(), confirmation()) //nolint:errcheck // it never returns: the "killed" worker
	<-dead.started
	if _, err := dead.Sender.Send(context.Background(), mail.Envelope{
		From: f.acts.From, To: mail.Contact{Email: "f.yilmaz@welzijn.example.nl"},
		Message:    mail.Message{Subject: "Aanmelding ontvangen", Text: "t", HTML: "h"},
		CustomArgs: map[string]string{"workflow_id": "rollout-demo-GM0344", "step": "application", "template": "application-received", "occurrence": "1"},
	}); err != nil {
		t.Fatal(err)
	}
	f.acts.Sender = dead.Sender
	time.Sleep(400 * time.Millisecond)
	res, err := f.send(t, confirmation())
	if err != nil || !res.Already || res.Status != activities.StatusSent {
		t.Fatalf("attempt after the claim lapsed: %+v, %v", res, err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("SendGrid accepted %d mails, want 1", n)
	}
}
