package activities_test

import (
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/secret"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// logBuffer keeps what the activities log, to look for tokens in it.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// linkFixture sends with personal links, under the console's address.
func linkFixture(t *testing.T) (*fixture, *logBuffer) {
	f := newFixture(t, false)
	logs := &logBuffer{}
	f.acts.Log = slog.New(slog.NewTextHandler(logs, nil))
	f.acts.Links, f.acts.PublicURL = links.Store{DB: f.acts.DB}, "https://console.example.org"
	var suite testsuite.WorkflowTestSuite
	f.env = suite.NewTestActivityEnvironment()
	f.env.RegisterActivity(f.acts)
	return f, logs
}

var linkIn = regexp.MustCompile(`https://console\.example\.org/taak/([A-Za-z0-9_-]{43})`)

// tokenOf is the token of the personal link in a mail's text; its HTML
// carries the same one.
func tokenOf(t *testing.T, m sendgridfake.Mail) string {
	t.Helper()
	text, html := linkIn.FindStringSubmatch(m.Text), linkIn.FindStringSubmatch(m.HTML)
	if text == nil || html == nil || text[1] != html[1] {
		t.Fatalf("%s: no personal link, or different ones in text and HTML:\n%s\n%s", m.Subject, m.Text, m.HTML)
	}
	return text[1]
}

type linkRow struct {
	WorkflowID string `db:"workflow_id"`
	RunID      string `db:"run_id"`
	Party      string `db:"party"`
	Teacher    string `db:"teacher"`
	OutboxID   *int64 `db:"outbox_id"`
}

func (f *fixture) link(t *testing.T, token string) *linkRow {
	t.Helper()
	var rows []linkRow
	if err := f.acts.DB.Select(&rows, `SELECT workflow_id, run_id, party, teacher, outbox_id FROM task_links WHERE hash = $1`, secret.Hash(token)); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return nil
	}
	return &rows[0]
}

// TestTaskEmailCarriesAPersonalLink: an e-mail that asks the municipality
// to act carries a link whose token only its hash in task_links knows; the
// outbox keeps the placeholder; a retry sends nothing and issues nothing;
// an e-mail sent again to a corrected address gets a link of its own; an
// e-mail that only informs, or one to BMP staff, carries none; no token is
// logged.
func TestTaskEmailCarriesAPersonalLink(t *testing.T) {
	f, logs := linkFixture(t)
	invite := activities.EmailRequest{
		WorkflowID: "rollout-demo-GM0344", RunID: "run-1", Template: "producer-invitation", Step: "application", Occurrence: 1,
		To:   activities.Recipient{Role: "municipality", Name: "Team WMO", Email: "wmo@utrecht.example.nl"},
		Data: mail.Data{MunicipalityCode: "GM0344", Municipality: "Utrecht", Wave: "demo"},
	}
	if _, err := f.send(t, invite); err != nil {
		t.Fatal(err)
	}
	m := f.sg.Mails()[0]
	token := tokenOf(t, m)
	if !strings.Contains(m.Text, "Uw persoonlijke pagina: https://console.example.org/taak/"+token) || !strings.Contains(m.Text, "Meld de producent aan vóór") {
		t.Errorf("the invitation does not say what the link is for:\n%s", m.Text)
	}
	var stored struct {
		ID   int64  `db:"id"`
		Text string `db:"body_text"`
		HTML string `db:"body_html"`
	}
	if err := f.acts.DB.Get(&stored, `SELECT id, body_text, body_html FROM outbox`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored.Text+stored.HTML, token) || strings.Contains(stored.Text+stored.HTML, "/taak/") ||
		!strings.Contains(stored.Text, "Uw persoonlijke pagina: "+mail.LinkPlaceholder) || !strings.Contains(stored.HTML, `href="`+mail.LinkPlaceholder+`"`) {
		t.Errorf("the outbox holds the link, or not the placeholder:\n%s\n%s", stored.Text, stored.HTML)
	}
	l := f.link(t, token)
	if l == nil || l.WorkflowID != invite.WorkflowID || l.RunID != "run-1" || l.Party != "municipality" || l.Teacher != "" || l.OutboxID == nil || *l.OutboxID != stored.ID {
		t.Errorf("the link's row: %+v, want the rollout's run, the municipality and outbox row %d", l, stored.ID)
	}

	// A retry after a successful send sends nothing, so issues nothing.
	if res, err := f.send(t, invite); err != nil || !res.Already {
		t.Fatalf("retry: %+v %v", res, err)
	}
	var n int
	if err := f.acts.DB.Get(&n, `SELECT count(*) FROM task_links`); err != nil || n != 1 {
		t.Errorf("links after a retry: %d (%v), want 1", n, err)
	}

	// Sent again to a corrected address: the stored e-mail, a new link.
	resend := invite
	resend.Occurrence, resend.ResendOf, resend.To.Email = 2, 1, "wmo-nieuw@utrecht.example.nl"
	if _, err := f.send(t, resend); err != nil {
		t.Fatal(err)
	}
	again := f.sg.Mails()[1]
	if second := tokenOf(t, again); second == token || f.link(t, second) == nil {
		t.Errorf("the e-mail sent again carries link %q (first %q), want a new stored one", second, token)
	}

	// A teacher's link names the teacher; a cohort's e-mail scopes its link
	// to the rollout.
	reminder := activities.EmailRequest{
		WorkflowID: "rollout-demo-GM0344", RunID: "run-1", Template: "teacher-course-reminder", Step: "teacher-course-1/T1", Occurrence: 1,
		To:   activities.Recipient{Role: "teacher", Ref: "T1", Name: "Ayse Demir", Email: "a.demir@example.nl"},
		Data: mail.Example("teacher-course-reminder"),
	}
	report := activities.EmailRequest{
		WorkflowID: "rollout-demo-GM0344-cohort", RunID: "cohort-run", Template: "progress-report-request", Step: "progress-1", Occurrence: 1,
		To:   activities.Recipient{Role: "producer", Name: "Fatma Yilmaz", Email: "f.yilmaz@example.nl"},
		Data: mail.Data{MunicipalityCode: "GM0344", Municipality: "Utrecht", Wave: "demo"},
	}
	for _, c := range []struct {
		req  activities.EmailRequest
		want linkRow
	}{
		{reminder, linkRow{WorkflowID: "rollout-demo-GM0344", RunID: "run-1", Party: "teacher", Teacher: "T1"}},
		{report, linkRow{WorkflowID: "rollout-demo-GM0344", RunID: "", Party: "producer"}},
	} {
		before := len(f.sg.Mails())
		if _, err := f.send(t, c.req); err != nil {
			t.Fatal(err)
		}
		l := f.link(t, tokenOf(t, f.sg.Mails()[before]))
		if l == nil || l.WorkflowID != c.want.WorkflowID || l.RunID != c.want.RunID || l.Party != c.want.Party || l.Teacher != c.want.Teacher {
			t.Errorf("%s: link %+v, want %+v", c.req.Template, l, c.want)
		}
	}

	// No link where nobody is asked to act, or to BMP staff.
	info := confirmation()
	blocked := activities.EmailRequest{WorkflowID: "rollout-demo-GM0344", RunID: "run-1", Template: "start-blocked", Step: "start", Occurrence: 1,
		To: activities.Recipient{Role: activities.RoleStaff}, Data: mail.Example("start-blocked")}
	blocked.Data.Link = ""
	for _, req := range []activities.EmailRequest{info, blocked} {
		before := len(f.sg.Mails())
		if _, err := f.send(t, req); err != nil {
			t.Fatal(err)
		}
		if m := f.sg.Mails()[before]; strings.Contains(m.Text, "/taak/") || strings.Contains(m.Text, mail.LinkPlaceholder) || strings.Contains(m.Text, "persoonlijke pagina") {
			t.Errorf("%s to the %s carries a link:\n%s", req.Template, req.To.Role, m.Text)
		}
	}

	for _, m := range f.sg.Mails() {
		if tok := linkIn.FindStringSubmatch(m.Text); tok != nil && strings.Contains(logs.String(), tok[1]) {
			t.Errorf("the log holds the token of %s", m.Subject)
		}
	}
}

// TestRefusedEmailLeavesNoLink: an e-mail SendGrid refuses for good reached
// nobody, so its link is deleted.
func TestRefusedEmailLeavesNoLink(t *testing.T) {
	f, _ := linkFixture(t)
	f.sg.Script(sendgridfake.Response{Status: 400, Body: `{"errors":[{"message":"invalid recipient","field":"personalizations.0.to"}]}`})
	req := activities.EmailRequest{
		WorkflowID: "rollout-demo-GM0344", RunID: "run-1", Template: "producer-tasks", Step: "producer-tasks", Occurrence: 1,
		To:   activities.Recipient{Role: "producer", Name: "Fatma Yilmaz", Email: "f.yilmaz@example.nl"},
		Data: mail.Example("producer-tasks"),
	}
	if _, err := f.send(t, req); err == nil {
		t.Fatal("a refused e-mail succeeded")
	}
	var n int
	if err := f.acts.DB.Get(&n, `SELECT count(*) FROM task_links`); err != nil || n != 0 {
		t.Errorf("links after a refusal: %d (%v), want 0", n, err)
	}
}
