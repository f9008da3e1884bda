package console

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/secret"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// TaskLink catches the links the task pages send on request, by address.
func (b *mailbox) TaskLink(_ context.Context, to mail.Contact, d mail.Data) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.links[strings.ToLower(to.Email)] = append(b.links[strings.ToLower(to.Email)], d.Link)
	return nil
}

// waveDays places a test wave's dates in days from its opening: the
// application deadline at the end of day Apply, the producer course on the
// two days after ProducerCourse, the teacher deadline at the end of day
// Teacher and its course on the three days after, what the start needs due
// at the end of day Due, the start on day Start.
type waveDays struct{ Apply, ProducerCourse, Teacher, Due, Start int }

// testWave is a wave named name whose day lasts day, opening now.
func testWave(t testing.TB, name string, day time.Duration, d waveDays) wave.Calendar {
	t.Helper()
	base := time.Date(2030, time.January, 7, 9, 0, 0, 0, wave.Amsterdam)
	at := func(n, h, m int) time.Time {
		return base.AddDate(0, 0, n).Add(time.Duration(h-9)*time.Hour + time.Duration(m)*time.Minute).UTC()
	}
	eod := func(n int) time.Time { return at(n, 23, 59).Add(59 * time.Second) }
	dates := wave.Dates2012()
	dates.Name, dates.Opens = name, base
	dates.ApplicationDeadline = eod(d.Apply)
	dates.ProducerCourse = []plan.Day{
		{Date: at(d.ProducerCourse+1, 10, 0), End: at(d.ProducerCourse+1, 16, 0), Place: "Utrecht", HalfDays: 2},
		{Date: at(d.ProducerCourse+2, 10, 0), End: at(d.ProducerCourse+2, 16, 0), Place: "Utrecht", HalfDays: 2},
	}
	dates.TeacherDeadline = eod(d.Teacher)
	dates.TeacherCourse = []plan.Day{
		{Date: at(d.Teacher+1, 10, 0), End: at(d.Teacher+1, 16, 30), Place: "Utrecht", HalfDays: 2},
		{Date: at(d.Teacher+2, 10, 0), End: at(d.Teacher+2, 21, 0), Place: "Soesterberg", HalfDays: 2, Overnight: true},
		{Date: at(d.Teacher+3, 9, 0), End: at(d.Teacher+3, 16, 0), Place: "Soesterberg", HalfDays: 2, Overnight: true},
	}
	dates.FundingDue, dates.RecruitmentDue, dates.LocationDue = eod(d.Due), eod(d.Due), eod(d.Due)
	dates.IntendedStart = at(d.Start, 9, 0)
	c := wave.Compress(wave.Build(dates, nil), name, time.Now(), day)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// startOn starts a rollout on a test wave, with the municipality's contact
// at wmo-<code>@example.nl.
func startOn(t testing.TB, s *system, code string, w wave.Calendar) string {
	t.Helper()
	mu, err := municipality.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.rollout.Start(t.Context(), rollout.Input{Municipality: mu, Wave: w, Contact: mail.Contact{Name: "Team WMO", Email: "wmo-" + strings.ToLower(code) + "@example.nl"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.rollout.T.TerminateWorkflow(ctx, id, "", "end of test")
	})
	return id
}

// mailTo waits for the latest e-mail of a template the SendGrid stand-in
// received for an address (and, given, a rollout).
func mailTo(t testing.TB, s *system, template, to, workflowID string) sendgridfake.Mail {
	t.Helper()
	var found sendgridfake.Mail
	ok := s.sg.WaitFor(30*time.Second, func(ms []sendgridfake.Mail) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.CustomArgs["template"] == template && strings.EqualFold(m.To[0], to) && (workflowID == "" || strings.HasPrefix(m.CustomArgs["workflow_id"], workflowID)) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no %s e-mail to %s", template, to)
	}
	return found
}

var taskLinkIn = regexp.MustCompile(`http://127\.0\.0\.1:\d+/taak/[A-Za-z0-9_-]{43}`)

// linkIn is the personal link in an e-mail (its text and HTML carry the same).
func linkIn(t testing.TB, m sendgridfake.Mail) string {
	t.Helper()
	l := taskLinkIn.FindString(m.Text)
	if l == "" || !strings.Contains(m.HTML, `href="`+l+`"`) {
		t.Fatalf("%q carries no personal link:\n%s", m.Subject, m.Text)
	}
	return l
}

// openLink follows a personal link in a fresh browser, as its recipient.
func openLink(t *testing.T, s *system, link string) *browser {
	t.Helper()
	b := s.browser(t)
	p := b.get(link)
	if p.status != http.StatusSeeOther || p.location != "/taak" {
		t.Fatalf("the link: %d to %q, want 303 to /taak\n%s", p.status, p.location, p.body)
	}
	return b
}

// neutral is the page every link that does not work gets, without its
// anti-forgery token (which differs per session).
func neutral(p page) string {
	return csrfField.ReplaceAllString(p.body, `name="csrf" value="…"`)
}

// TestTaskLinkOpensTheMunicipalitysPage: the invitation's link opens the
// municipality's task page at an address without the token, in a session
// of its own (HttpOnly, SameSite, only under /taak); the page offers the
// application form drawn from the declaration; a form without the
// session's token is refused; the application is recorded as "gemeente
// Utrecht via link", and the page confirms it and says what comes next.
// The link's session reaches no staff page, and a staff session acts as
// no party. No token appears in the console's or the worker's log.
func TestTaskLinkOpensTheMunicipalitysPage(t *testing.T) {
	s := startSystem(t)
	id := startRollout(t, s, "GM0344", time.Hour)
	invite := mailTo(t, s, "producer-invitation", "wmo-gm0344@example.nl", id)
	link := linkIn(t, invite)

	b := s.browser(t)
	open := b.get(link)
	if open.status != http.StatusSeeOther || open.location != "/taak" {
		t.Fatalf("the link: %d to %q", open.status, open.location)
	}
	cookie := open.header.Get("Set-Cookie")
	for _, want := range []string{"amwaht_taak=", "HttpOnly", "SameSite=Lax", "Path=/taak"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("the task session's cookie %q lacks %s", cookie, want)
		}
	}
	if open.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q on the link's answer", open.header.Get("Referrer-Policy"))
	}
	p := b.get("/taak")
	if p.status != http.StatusOK {
		t.Fatalf("the task page: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{"Uw taken voor de AMWAHT-opleiding in Utrecht", "gemeente Utrecht", "Aanmelding van een producent", "nog te doen",
		`action="/taak/apply#apply"`, `name="organisation"`, `name="contactEmail"`, "Draag een organisatie voor"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the municipality's page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "Uitrol annuleren") || strings.Contains(p.body, `action="/taak/cancel`) {
		t.Error("the municipality's page offers a staff action")
	}

	// The link's session is no staff session, and the other way round.
	for _, path := range []string{"/", "/uitrol/demo/GM0344", "/starten"} {
		if q := b.get(path); q.status != http.StatusSeeOther || q.location != "/inloggen" {
			t.Errorf("with a task session, %s: %d to %q, want the staff sign-in", path, q.status, q.location)
		}
	}
	staff := s.signIn(t, "fatma@stichtingbmp.example", "Fatma Yilmaz")
	if q := staff.get("/taak"); q.status != http.StatusNotFound || !strings.Contains(q.body, "Deze pagina kunt u nu niet openen") {
		t.Errorf("a staff member's /taak: %d", q.status)
	}
	staffToken := staff.get("/").csrf(t)
	if q := staff.post("/taak/apply", url.Values{"csrf": {staffToken}, "form": {"apply"}, "organisation": {"Nep"}}); q.status != http.StatusForbidden {
		t.Errorf("a staff session posting a party's form: %d, want 403", q.status)
	}

	form := url.Values{"form": {"apply"}, "organisation": {"Welzijn Utrecht"}, "kind": {"welzijnsinstelling"},
		"contactName": {"Fatma Yilmaz"}, "contactEmail": {"f.yilmaz@welzijnutrecht.example.nl"}}
	if q := b.post("/taak/apply", form); q.status != http.StatusForbidden || !strings.Contains(q.body, "Formulier verlopen") {
		t.Errorf("a form without the session's token: %d", q.status)
	}
	form.Set("csrf", p.csrf(t))
	form.Set("contactEmail", "f.yilmaz@welzijnutrecht")
	bad := b.post("/taak/apply", form)
	if bad.status != http.StatusUnprocessableEntity || fieldProblem(bad.body, "apply-contactEmail") == "" {
		t.Errorf("a mistyped address: %d, problem next to it %q", bad.status, fieldProblem(bad.body, "apply-contactEmail"))
	}
	form.Set("contactEmail", "f.yilmaz@welzijnutrecht.example.nl")
	ok := b.post("/taak/apply", form)
	if ok.status != http.StatusSeeOther || ok.location != "/taak#bevestiging" {
		t.Fatalf("applying: %d to %q\n%s", ok.status, ok.location, ok.body)
	}
	after := b.get("/taak")
	for _, want := range []string{"De producent is aangemeld", "Wat nu?", "verplichte cursus voor producenten", "al geregeld", "Welzijn Utrecht (welzijnsinstelling)"} {
		if !strings.Contains(after.body, want) {
			t.Errorf("after applying, the page lacks %q", want)
		}
	}
	st, err := s.rollout.Status(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := plan.Actor{Via: plan.ViaLink, Party: plan.PartyMunicipality, Name: "Utrecht"}
	if l := st.Line("application"); l == nil || l.State != plan.StateDone || l.LastActor == nil || *l.LastActor != want {
		t.Errorf("the application line: %+v, want done by %+v", l, want)
	}
	if l := st.Line("application"); l != nil && l.LastActor != nil && l.LastActor.Label().NL != "gemeente Utrecht via link" {
		t.Errorf("the actor reads %q", l.LastActor.Label().NL)
	}
	// The staff's rollout page shows who did it, and the link's use.
	rp := staff.get("/uitrol/demo/GM0344")
	if !strings.Contains(rp.body, "gemeente Utrecht via link") || !strings.Contains(section(rp.body, "links"), "laatst gebruikt") {
		t.Errorf("the rollout page does not show the link's action or its use:\n%s", section(rp.body, "links"))
	}
	// The outbox, and so the e-mail's preview, holds the placeholder.
	if mails := section(rp.body, "h-mails"); !strings.Contains(mails, mail.LinkPlaceholder) || taskLinkIn.MatchString(mails) {
		t.Errorf("the e-mails on the rollout page:\n%s", mails)
	}

	// The producer's confirmation e-mail carries a link of its own.
	producerMail := mailTo(t, s, "producer-course-invitation", "f.yilmaz@welzijnutrecht.example.nl", id)
	tokens := []string{link, linkIn(t, producerMail)}
	for _, tok := range tokens {
		tok = tok[strings.LastIndex(tok, "/")+1:]
		if strings.Contains(s.logs.String(), tok) {
			t.Errorf("a token is in the log")
		}
	}
	if !strings.Contains(s.logs.String(), `route="GET /taak/{token}"`) {
		t.Error("the access log lacks the link's route")
	}

	// The CLI: the status names the actor; links are listed and revoked.
	starter := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if rc := cli.Run(t.Context(), args, &out, &errOut); rc != 0 {
			t.Fatalf("starter %s: exit %d\n%s%s", strings.Join(args, " "), rc, out.String(), errOut.String())
		}
		return out.String()
	}
	if out := starter("status", "GM0344", "--wave", "demo"); !strings.Contains(out, "gemeente Utrecht via link") {
		t.Errorf("starter status does not name the link's actor:\n%s", out)
	}
	if out := starter("links", "list", "GM0344", "--wave", "demo"); !strings.Contains(out, "gemeente") || !strings.Contains(out, "producent") {
		t.Errorf("starter links list:\n%s", out)
	}
	if out := starter("links", "revoke", "GM0344", "--wave", "demo", "--party", "municipality"); !strings.Contains(out, "rollout-demo-GM0344: 1 persoonlijke link(s) ingetrokken (gemeente)") {
		t.Errorf("starter links revoke:\n%s", out)
	}
	if q := b.get("/taak"); q.status != http.StatusNotFound || !strings.Contains(q.body, "Vraag een nieuwe link aan") {
		t.Errorf("the page of a link revoked with the CLI: %d", q.status)
	}
}

// TestTaskLinksThatDoNotWork: a forged link, a revoked one, one of a
// rollout that ended, and one of a run since started again all get the
// same page, which asks for a new link; that page answers every address
// alike and e-mails a working link only to the address the rollout holds.
func TestTaskLinksThatDoNotWork(t *testing.T) {
	s := startSystem(t)
	staff := s.signIn(t, "fatma@stichtingbmp.example", "Fatma")
	utrecht := startRollout(t, s, "GM0344", time.Hour)
	amsterdam := startRollout(t, s, "GM0363", time.Hour)
	utrechtLink := linkIn(t, mailTo(t, s, "producer-invitation", "wmo-gm0344@example.nl", utrecht))
	amsterdamLink := linkIn(t, mailTo(t, s, "producer-invitation", "wmo-gm0363@example.nl", amsterdam))
	base := utrechtLink[:strings.LastIndex(utrechtLink, "/")+1]

	forged, _ := secret.New()
	var pages []page
	pages = append(pages, s.browser(t).get(base+forged), s.browser(t).get(base+"kort"), s.browser(t).get("/taak"))

	// Open, then revoked by staff: the open page closes too.
	b := openLink(t, s, utrechtLink)
	rp := staff.get("/uitrol/demo/GM0344")
	if !strings.Contains(section(rp.body, "links"), "Links intrekken") {
		t.Fatalf("the rollout page offers no revocation:\n%s", section(rp.body, "links"))
	}
	if q := staff.post("/uitrol/demo/GM0344/links-intrekken", url.Values{"csrf": {rp.csrf(t)}, "party": {"municipality"}}); q.status != http.StatusSeeOther {
		t.Errorf("revoking without the confirmation: %d", q.status)
	}
	if q := b.get("/taak"); q.status != http.StatusOK {
		t.Errorf("revoking without the confirmation revoked: %d", q.status)
	}
	q := staff.post("/uitrol/demo/GM0344/links-intrekken", url.Values{"csrf": {rp.csrf(t)}, "party": {"municipality"}, "bevestig": {"true"}})
	if q.status != http.StatusSeeOther || !strings.Contains(staff.get("/uitrol/demo/GM0344").body, "1 persoonlijke link(s) van de gemeente ingetrokken") {
		t.Errorf("revoking: %d", q.status)
	}
	pages = append(pages, b.get("/taak"), s.browser(t).get(utrechtLink))

	// Amsterdam's rollout ends, then starts again: the old link opens neither.
	if err := s.rollout.T.TerminateWorkflow(t.Context(), amsterdam, "", "test"); err != nil {
		t.Fatal(err)
	}
	pages = append(pages, s.browser(t).get(amsterdamLink))
	w, _ := wave.Lookup(wave.Demo, time.Now(), time.Hour)
	mu, _ := municipality.Lookup("GM0363")
	if _, err := s.rollout.Start(t.Context(), rollout.Input{Municipality: mu, Wave: w, Contact: mail.Contact{Email: "wmo-gm0363@example.nl"}}); err != nil {
		t.Fatal(err)
	}
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool {
		n := 0
		for _, m := range ms {
			if m.CustomArgs["workflow_id"] == amsterdam && m.CustomArgs["template"] == "producer-invitation" {
				n++
			}
		}
		return n == 2
	}) {
		t.Fatal("the restarted rollout sent no invitation")
	}
	pages = append(pages, s.browser(t).get(amsterdamLink))
	if fresh := linkIn(t, mailTo(t, s, "producer-invitation", "wmo-gm0363@example.nl", amsterdam)); fresh == amsterdamLink {
		t.Error("the new run's invitation carries the old run's link")
	} else {
		openLink(t, s, fresh)
	}

	want := neutral(pages[0])
	for i, p := range pages {
		if p.status != http.StatusNotFound || neutral(p) != want {
			t.Errorf("refused link %d: %d, or a page of its own:\n%s", i, p.status, p.body)
		}
	}
	if !strings.Contains(want, "Vraag een nieuwe link aan") || strings.Contains(want, "Utrecht") || strings.Contains(want, "Amsterdam") {
		t.Errorf("the page for a link that does not work:\n%s", want)
	}

	// A new link: the same answer for every address; one e-mail, to the
	// address the rollout holds, with a link that works.
	nb := s.browser(t)
	token := nb.get("/taak").csrf(t)
	known := nb.post("/taak/nieuwe-link", url.Values{"csrf": {token}, "email": {"WMO-GM0344@example.nl"}})
	unknown := nb.post("/taak/nieuwe-link", url.Values{"csrf": {token}, "email": {"iemand@elders.example"}})
	if known.status != http.StatusOK || unknown.status != known.status ||
		strings.ReplaceAll(neutral(known), "WMO-GM0344@example.nl", "X") != strings.ReplaceAll(neutral(unknown), "iemand@elders.example", "X") {
		t.Errorf("a known and an unknown address get different answers: %d and %d", known.status, unknown.status)
	}
	if !strings.Contains(known.body, "Kijk in uw e-mail") {
		t.Errorf("the answer to a request:\n%s", known.body)
	}
	fresh := s.mail.last(t, "wmo-gm0344@example.nl")
	if s.mail.count("iemand@elders.example") != 0 {
		t.Error("a link went to an address no rollout holds")
	}
	if !strings.HasPrefix(fresh, base) {
		t.Fatalf("the new link %q is not under the console's address", fresh)
	}
	nb = openLink(t, s, fresh)
	if p := nb.get("/taak"); p.status != http.StatusOK || !strings.Contains(p.body, "Utrecht") {
		t.Errorf("the new link's page: %d", p.status)
	}
	if bad := nb.post("/taak/nieuwe-link", url.Values{"csrf": {nb.get("/taak").csrf(t)}, "email": {"geen-adres"}}); bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "email-fout") {
		t.Errorf("a mistyped address: %d", bad.status)
	}
	var last page
	for range 4 {
		last = nb.post("/taak/nieuwe-link", url.Values{"csrf": {nb.get("/taak").csrf(t)}, "email": {"wmo-gm0344@example.nl"}})
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Wacht een kwartier") {
		t.Errorf("the fourth request for one address in a row: %d", last.status)
	}
	if strings.Contains(s.logs.String(), fresh[strings.LastIndex(fresh, "/")+1:]) {
		t.Error("the log holds a requested link's token")
	}

	// Guessing links: a client trying many gets a calm refusal.
	guesser := s.browser(t)
	for range 80 {
		forged, _ := secret.New()
		if last = guesser.get(base + forged); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Even wachten") {
		t.Errorf("80 forged links from one client: the last answered %d", last.status)
	}
}

// multipartForm posts a form with a file, as a browser does.
func (b *browser) postFile(path string, form url.Values, field, filename string, content []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, err := w.CreateFormFile(field, filename)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// TestProducerEnrolsFromAFile: the producer's page offers the enrolment
// with a file field; a file with bad rows shows every bad row's problem
// next to the field and sends nothing; a good one enrols the IDs through
// the rollout and keeps the details in PostgreSQL only; the producer may
// do only what is theirs.
func TestProducerEnrolsFromAFile(t *testing.T) {
	s := startSystem(t)
	// The application deadline passes 2.5 s in; everything else is minutes away.
	w := testWave(t, "bestand", 4*time.Second, waveDays{Apply: 0, ProducerCourse: 30, Teacher: 40, Due: 60, Start: 62})
	id := startOn(t, s, "GM0344", w)
	if _, err := s.rollout.Act(t.Context(), id, plan.ActApply, &plan.ProducerApplication{
		Organisation: "Welzijn GM0344", Kind: "welzijnsinstelling", ContactName: "Contact GM0344", ContactEmail: "gm0344@producent.example.nl"}); err != nil {
		t.Fatal(err)
	}
	b := openLink(t, s, linkIn(t, mailTo(t, s, "producer-course-invitation", "gm0344@producent.example.nl", id)))
	p := waitForPage(t, b, "/taak", `action="/taak/enrol#enrol"`)
	for _, want := range []string{"Welzijn GM0344", `type="file"`, `name="csv"`, `action="/taak/teacher#teacher"`, `action="/taak/location#location"`, "Uw cursusdagen", "Deelnemers werven"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the producer's page lacks %q", want)
		}
	}
	for _, staffOnly := range []string{`/taak/attendance`, `/taak/postpone`, `/taak/extend`, `/taak/apply`} {
		if strings.Contains(p.body, staffOnly) {
			t.Errorf("the producer's page offers %s", staffOnly)
		}
	}
	token := p.csrf(t)
	if q := b.post("/taak/postpone", url.Values{"csrf": {token}, "form": {"postpone"}, "start": {"2031-01-01"}, "reason": {"x"}}); q.status != http.StatusUnprocessableEntity || !strings.Contains(q.body, "Dit kunt u nu niet (meer) doorgeven") {
		t.Errorf("a producer posting a staff action: %d", q.status)
	}

	badFile := []byte("id,name,email,phone\nP01,Ayse Demir,a.demir@example.nl,06 1234 5678\nP02,Fatma,geen-adres,\n,Zonder code,,\nP01,Dubbel,,\n")
	q := b.postFile("/taak/enrol", url.Values{"csrf": {token}, "form": {"enrol"}}, "csv", "deelnemers.csv", badFile)
	problem := html.UnescapeString(fieldProblem(q.body, "enrol-csv"))
	if q.status != http.StatusUnprocessableEntity || !strings.Contains(problem, "regel 3: e-mail") || !strings.Contains(problem, "regel 4: de id ontbreekt") || !strings.Contains(problem, `regel 5: id "P01" staat ook op regel 2`) {
		t.Errorf("a file with bad rows: %d, next to the file: %q", q.status, problem)
	}
	if st, _ := s.rollout.Status(t.Context(), id); st.Participants != 0 {
		t.Errorf("a bad file enrolled %d participants", st.Participants)
	}
	var stored int
	if err := s.srv.db.Get(&stored, `SELECT count(*) FROM participants`); err != nil || stored != 0 {
		t.Errorf("a bad file stored %d participants' details (%v)", stored, err)
	}

	var good strings.Builder
	good.WriteString("id;name;email;phone\n")
	for i := 1; i <= 13; i++ {
		good.WriteString("P" + string(rune('A'+i)) + ";Deelnemer " + string(rune('A'+i)) + ";d" + string(rune('a'+i)) + "@example.nl;020 123 456" + string(rune('0'+i%10)) + "\n")
	}
	q = b.postFile("/taak/enrol", url.Values{"csrf": {token}, "form": {"enrol"}}, "csv", "deelnemers.csv", []byte(good.String()))
	if q.status != http.StatusSeeOther {
		t.Fatalf("a good file: %d\n%s", q.status, fieldProblem(q.body, "enrol-csv"))
	}
	if after := b.get("/taak"); !strings.Contains(after.body, "Er zijn nu 13 deelnemers ingeschreven") {
		t.Errorf("the confirmation:\n%s", after.body)
	}
	st, err := s.rollout.Status(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := plan.Actor{Via: plan.ViaLink, Party: plan.PartyProducer, Name: "Welzijn GM0344"}
	if l := st.Line("recruitment"); st.Participants != 13 || l == nil || l.LastActor == nil || *l.LastActor != want {
		t.Errorf("after the upload: %d participants, recruitment %+v", st.Participants, l)
	}
	if err := s.srv.db.Get(&stored, `SELECT count(*) FROM participants WHERE workflow_id = $1 AND email LIKE 'd%@example.nl'`, id); err != nil || stored != 13 {
		t.Errorf("details stored: %d (%v), want 13", stored, err)
	}
	// The same IDs again: the rollout refuses, next to the file, and nothing changes.
	q = b.postFile("/taak/enrol", url.Values{"csrf": {token}, "form": {"enrol"}}, "csv", "deelnemers.csv", []byte(good.String()))
	if q.status != http.StatusUnprocessableEntity || !strings.Contains(fieldProblem(q.body, "enrol-csv"), "al ingeschreven") {
		t.Errorf("the same file twice: %d, %q", q.status, fieldProblem(q.body, "enrol-csv"))
	}
}
