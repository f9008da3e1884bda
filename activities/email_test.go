package activities_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{})) }

type fixture struct {
	acts *activities.Activities
	sg   *sendgridfake.Server
	env  *testsuite.TestActivityEnvironment
}

// newFixture gives activities on a fresh, migrated database, sending to a
// local SendGrid stand-in (or, with noKey, not sending at all).
func newFixture(t *testing.T, noKey bool) *fixture {
	t.Helper()
	te := testenv.Require(t)
	db := testenv.OpenMigrated(t, te.NewDatabase(t))
	sg := sendgridfake.New()
	t.Cleanup(sg.Close)
	cfg := app.Config{SendGridAPIKey: "SG.test", SendGridAPIHost: sg.URL, FromEmail: "amwaht@stichtingbmp.nl", StaffEmail: "staf@stichtingbmp.nl",
		ReplyTo: mail.Contact{Name: "Backoffice (test)", Email: "backoffice@example.org"}}
	if noKey {
		cfg.SendGridAPIKey = ""
	}
	acts := app.NewActivities(db, cfg, testLogger())
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return &fixture{acts: acts, sg: sg, env: env}
}

func confirmation() activities.EmailRequest {
	return activities.EmailRequest{
		WorkflowID: "rollout-demo-GM0344", Template: "application-received", Step: "application", Occurrence: 1,
		To:   activities.Recipient{Role: "producer", Name: "Fatma Yilmaz", Email: "f.yilmaz@welzijn.example.nl"},
		Data: mail.Data{MunicipalityCode: "GM0344", Municipality: "Utrecht", Wave: "demo", Organisation: "Welzijn Utrecht", ProducerKind: "welzijnsinstelling"},
	}
}

func (f *fixture) send(t *testing.T, req activities.EmailRequest) (activities.EmailResult, error) {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.SendEmail, req)
	var res activities.EmailResult
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

func (f *fixture) outbox(t *testing.T) []struct{ Status, Recipient, MessageID string } {
	t.Helper()
	var rows []struct {
		Status    string `db:"status"`
		Recipient string `db:"recipient"`
		MessageID string `db:"message_id"`
	}
	if err := f.acts.DB.Select(&rows, `SELECT status, recipient, coalesce(message_id, '') AS message_id FROM outbox ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	out := make([]struct{ Status, Recipient, MessageID string }, len(rows))
	for i, r := range rows {
		out[i] = struct{ Status, Recipient, MessageID string }{r.Status, r.Recipient, r.MessageID}
	}
	return out
}

func TestSendEmailOnceDespiteRetry(t *testing.T) {
	f := newFixture(t, false)
	res, err := f.send(t, confirmation())
	if err != nil || res.Status != activities.StatusSent || res.Already {
		t.Fatalf("first send: %+v, %v", res, err)
	}
	// The activity retried after a successful send (e.g. its completion was lost).
	again, err := f.send(t, confirmation())
	if err != nil || !again.Already || again.MessageID != res.MessageID {
		t.Fatalf("retried send: %+v, %v", again, err)
	}
	mails := f.sg.Mails()
	if len(mails) != 1 {
		t.Fatalf("SendGrid received %d mails, want 1", len(mails))
	}
	m := mails[0]
	if m.To[0] != "f.yilmaz@welzijn.example.nl" || !strings.HasPrefix(m.Subject, "Aanmelding ontvangen: Welzijn Utrecht") {
		t.Errorf("mail: to %v subject %q", m.To, m.Subject)
	}
	if m.ReplyTo != "backoffice@example.org" || !strings.Contains(m.Text, "Backoffice (test): backoffice@example.org") || m.CustomArgs["workflow_id"] != "rollout-demo-GM0344" || m.CustomArgs["step"] != "application" {
		t.Errorf("mail tracing: reply-to %q custom args %v", m.ReplyTo, m.CustomArgs)
	}
	if strings.Join(m.Categories, ",") != "amwaht,application-received" {
		t.Errorf("categories %v", m.Categories)
	}
	if !strings.Contains(m.Text, "Beste Fatma Yilmaz") || !strings.Contains(m.HTML, "<strong>Welzijn Utrecht</strong>") {
		t.Errorf("content:\n%s\n%s", m.Text, m.HTML)
	}
	rows := f.outbox(t)
	if len(rows) != 1 || rows[0].Status != activities.StatusSent || rows[0].MessageID != m.MessageID {
		t.Errorf("outbox: %+v", rows)
	}
}

func TestSendEmailWithoutKeyIsStoredNotSent(t *testing.T) {
	f := newFixture(t, true)
	res, err := f.send(t, confirmation())
	if err != nil || res.Status != activities.StatusLogged {
		t.Fatalf("send: %+v, %v", res, err)
	}
	if n := f.sg.Requests(); n != 0 {
		t.Errorf("SendGrid got %d requests without an API key", n)
	}
	if rows := f.outbox(t); len(rows) != 1 || rows[0].Status != activities.StatusLogged {
		t.Errorf("outbox: %+v", rows)
	}
}

func TestSendEmailThrottledThenAccepted(t *testing.T) {
	f := newFixture(t, false)
	f.sg.Script(sendgridfake.Response{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"errors":[{"message":"too many requests"}]}`})
	_, err := f.send(t, confirmation())
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() || appErr.NextRetryDelay().Seconds() != 7 {
		t.Fatalf("throttled send: want a retryable error honouring Retry-After 7s, got %v", err)
	}
	if _, err := f.send(t, confirmation()); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("accepted mails: %d, want 1", n)
	}
}

func TestSendEmailRefusedIsNotRetried(t *testing.T) {
	f := newFixture(t, false)
	req := confirmation()
	req.To.Email = "f.yilmaz@welzijn.invalid"
	_, err := f.send(t, req)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeEmailRejected {
		t.Fatalf("want a non-retryable %s error, got %v", activities.ErrTypeEmailRejected, err)
	}
	if rows := f.outbox(t); len(rows) != 1 || rows[0].Status != activities.StatusFailed {
		t.Errorf("outbox: %+v", rows)
	}
}

func TestSendEmailServerErrorsThenAccepted(t *testing.T) {
	f := newFixture(t, false)
	for i := 0; i < 3; i++ {
		f.sg.Script(sendgridfake.Response{Status: 500, Body: `{"errors":[{"message":"internal"}]}`})
	}
	for i := 0; i < 3; i++ {
		_, err := f.send(t, confirmation())
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.NonRetryable() {
			t.Fatalf("attempt %d: want a retryable error, got %v", i+1, err)
		}
	}
	if _, err := f.send(t, confirmation()); err != nil {
		t.Fatalf("fourth attempt: %v", err)
	}
	if _, err := f.send(t, confirmation()); err != nil {
		t.Fatalf("a retry after success: %v", err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("accepted mails: %d, want 1", n)
	}
	var attempts int
	if err := f.acts.DB.Get(&attempts, `SELECT attempts FROM outbox`); err != nil || attempts != 4 {
		t.Errorf("outbox attempts = %d (%v), want 4", attempts, err)
	}
}

func TestSendEmailTimeoutIsRetried(t *testing.T) {
	f := newFixture(t, false)
	f.acts.Sender = mail.SendGrid{APIKey: "SG.test", Host: f.sg.URL, Timeout: 200 * time.Millisecond}
	f.sg.Script(sendgridfake.Response{Delay: time.Second, Status: 202})
	_, err := f.send(t, confirmation())
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() {
		t.Fatalf("timed-out send: want a retryable error, got %v", err)
	}
	if _, err := f.send(t, confirmation()); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("accepted mails: %d, want 1", n)
	}
}

func TestPayPremiumOnce(t *testing.T) {
	f := newFixture(t, false)
	req := activities.PremiumRequest{WorkflowID: "rollout-2012-GM0344", MunicipalityCode: "GM0344", Wave: "2012", Organisation: "Welzijn Utrecht", AmountCents: 250000}
	var first, second activities.PremiumResult
	v, err := f.env.ExecuteActivity(f.acts.PayPremium, req)
	if err != nil || v.Get(&first) != nil || first.Already {
		t.Fatalf("first payment: %+v %v", first, err)
	}
	v, err = f.env.ExecuteActivity(f.acts.PayPremium, req)
	if err != nil || v.Get(&second) != nil || !second.Already || second.PaymentID != first.PaymentID {
		t.Fatalf("retried payment: %+v %v", second, err)
	}
	var n int
	if err := f.acts.DB.Get(&n, `SELECT count(*) FROM payments`); err != nil || n != 1 {
		t.Errorf("payments rows = %d (%v), want 1", n, err)
	}
}

// Every template goes out as SendGrid expects it: the recipient, the rendered
// subject and both contents, categories and custom args to trace it back.
func TestEveryTemplateRequestBody(t *testing.T) {
	f := newFixture(t, false)
	for i, name := range mail.Names() {
		req := activities.EmailRequest{
			WorkflowID: "rollout-2012-GM0344", Template: name, Step: "step-" + name, Occurrence: 1,
			To:   activities.Recipient{Role: "producer", Name: "Fatma Yilmaz", Email: "f.yilmaz@welzijn.example.nl"},
			Data: mail.Example(name),
		}
		if _, err := f.send(t, req); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mails := f.sg.Mails()
		if len(mails) != i+1 {
			t.Fatalf("%s: SendGrid holds %d mails, want %d", name, len(mails), i+1)
		}
		got := mails[i]
		data := req.Data
		data.WorkflowID = req.WorkflowID
		want, err := mail.RenderFor(name, data, mail.BackOfficeAt(f.acts.ReplyTo))
		if err != nil {
			t.Fatal(err)
		}
		if got.To[0] != req.To.Email || got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML {
			t.Errorf("%s: body differs from the rendered template: to %v subject %q", name, got.To, got.Subject)
		}
		// Course days travel as a calendar invitation to the recipient.
		if data.Calendar == "" {
			if len(got.Attachments) != 0 {
				t.Errorf("%s: unexpected attachments %v", name, got.Attachments)
			}
		} else if len(got.Attachments) != 1 || got.Attachments[0].Filename != "uitnodiging.ics" ||
			!strings.Contains(got.Attachments[0].Type, "method="+data.Calendar) ||
			!bytes.Contains(got.Attachments[0].Content, []byte("METHOD:"+data.Calendar)) ||
			!bytes.Contains(bytes.ReplaceAll(got.Attachments[0].Content, []byte("\r\n "), nil), []byte("mailto:"+req.To.Email)) {
			t.Errorf("%s: calendar attachment %+v", name, got.Attachments)
		}
		if strings.Join(got.Categories, ",") != "amwaht,"+name || got.CustomArgs["step"] != "step-"+name || got.CustomArgs["workflow_id"] != req.WorkflowID {
			t.Errorf("%s: categories %v custom args %v", name, got.Categories, got.CustomArgs)
		}
	}
}

// cancelAfterSend ends the attempt's context just after SendGrid accepted
// the mail, as a start-to-close timeout or a worker shutdown can.
type cancelAfterSend struct {
	activities.Sender
	cancel context.CancelFunc
}

func (s cancelAfterSend) Send(ctx context.Context, e mail.Envelope) (string, error) {
	id, err := s.Sender.Send(ctx, e)
	s.cancel()
	return id, err
}

func TestSendEmailRecordedDespiteCancelAfterSend(t *testing.T) {
	f := newFixture(t, false)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.acts.Sender = cancelAfterSend{Sender: f.acts.Sender, cancel: cancel}
	res, err := f.acts.SendEmail(ctx, confirmation())
	if err != nil || res.Status != activities.StatusSent {
		t.Fatalf("send: %+v, %v", res, err)
	}
	// The next attempt finds it sent rather than sending again.
	again, err := f.send(t, confirmation())
	if err != nil || !again.Already {
		t.Fatalf("retried send: %+v, %v", again, err)
	}
	if n := len(f.sg.Mails()); n != 1 {
		t.Errorf("SendGrid received %d mails, want 1", n)
	}
}

// An e-mail sent again to a corrected address (a bounce) is the e-mail first
// rendered, with its calendar invitation, once however often it is retried.
func TestResendFromOutbox(t *testing.T) {
	f := newFixture(t, false)
	first := activities.EmailRequest{
		WorkflowID: "rollout-2012-GM0344", Template: "producer-course-invitation", Step: "producer-course", Occurrence: 1,
		To:   activities.Recipient{Role: "producer", Name: "Fatma Yilmaz", Email: "f.yilmaz@bounces.example.org"},
		Data: mail.Example("producer-course-invitation"),
	}
	if _, err := f.send(t, first); err != nil {
		t.Fatal(err)
	}
	again := first
	again.Occurrence, again.ResendOf, again.Data = 2, 1, mail.Data{}
	again.To.Email = "f.yilmaz@example.org"
	for range 2 {
		if _, err := f.send(t, again); err != nil {
			t.Fatal(err)
		}
	}
	mails := f.sg.Mails()
	if len(mails) != 2 {
		t.Fatalf("SendGrid holds %d mails, want the first and one resend", len(mails))
	}
	a, b := mails[0], mails[1]
	if b.To[0] != "f.yilmaz@example.org" || b.Subject != a.Subject || b.Text != a.Text || b.HTML != a.HTML {
		t.Errorf("the resend differs: to %v subject %q", b.To, b.Subject)
	}
	if len(b.Attachments) != 1 || !bytes.Equal(b.Attachments[0].Content, a.Attachments[0].Content) {
		t.Errorf("the resend's attachments %v differ from the first's", b.Attachments)
	}
	if b.CustomArgs["occurrence"] != "2" {
		t.Errorf("the resend's custom args %v: want its own occurrence", b.CustomArgs)
	}
	var resendOf int
	if err := f.acts.DB.Get(&resendOf, `SELECT resend_of FROM outbox WHERE occurrence = 2`); err != nil || resendOf != 1 {
		t.Errorf("resend_of = %d (%v), want 1", resendOf, err)
	}
}
