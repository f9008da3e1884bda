package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/delivery/signing"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
	"github.com/stichtingbmp/amwaht/internal/wave"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestSignIn: only staff get in, by a link that works once; the sign-in
// page says the same to everyone; a form without the session's token is
// refused; no token reaches the log.
func TestSignIn(t *testing.T) {
	s := startSystem(t)
	if _, err := s.staff.Add(t.Context(), "fatma@stichtingbmp.example", "Fatma"); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)

	p := b.get("/starten")
	if p.status != http.StatusSeeOther || p.location != "/inloggen" {
		t.Fatalf("a page without a session: %d to %q, want 303 to /inloggen", p.status, p.location)
	}
	if p := b.post("/inloggen", url.Values{"email": {"fatma@stichtingbmp.example"}}); p.status != http.StatusForbidden || !strings.Contains(p.body, "Formulier verlopen") {
		t.Errorf("a form without its token: %d\n%s", p.status, p.body)
	}

	form := b.get("/inloggen")
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if form.header.Get(h) == "" {
			t.Errorf("sign-in page without %s", h)
		}
	}
	if csp := form.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q: want default-src 'none' and nothing unsafe", csp)
	}
	bad := b.post("/inloggen", url.Values{"csrf": {form.csrf(t)}, "email": {"fatma@stichtingbmp"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `aria-invalid="true"`) || !strings.Contains(bad.body, "email-fout") {
		t.Errorf("a mistyped address: %d\n%s", bad.status, bad.body)
	}

	known := b.post("/inloggen", url.Values{"csrf": {form.csrf(t)}, "email": {"Fatma@StichtingBMP.example"}})
	unknown := b.post("/inloggen", url.Values{"csrf": {form.csrf(t)}, "email": {"someone@elsewhere.example"}})
	if known.status != http.StatusOK || unknown.status != known.status ||
		strings.ReplaceAll(unknown.body, "someone@elsewhere.example", "X") != strings.ReplaceAll(known.body, "Fatma@StichtingBMP.example", "X") {
		t.Errorf("a member and a stranger get different answers: %d and %d", known.status, unknown.status)
	}
	if !strings.Contains(known.body, "Kijk in uw e-mail") {
		t.Errorf("answer to a request:\n%s", known.body)
	}
	link := s.mail.last(t, "fatma@stichtingbmp.example")
	if s.mail.count("someone@elsewhere.example") != 0 {
		t.Error("a link went to an address that is no member's")
	}

	// Signing in goes on to the page that was asked for, at an address
	// without the token.
	in := b.get(link)
	if in.status != http.StatusSeeOther || in.location != "/starten" {
		t.Fatalf("the link: %d to %q, want 303 to /starten", in.status, in.location)
	}
	if p := b.get("/starten"); p.status != http.StatusOK || !strings.Contains(p.body, "Fatma") {
		t.Errorf("signed in, the start page: %d", p.status)
	}
	other := s.browser(t)
	if p := other.get(link); p.status != http.StatusBadRequest || !strings.Contains(p.body, "werkt niet (meer)") {
		t.Errorf("a link used twice: %d\n%s", p.status, p.body)
	}
	if p := other.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("a used link signed a second browser in: %d", p.status)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	if strings.Contains(s.logs.String(), token) {
		t.Error("the log holds a sign-in token")
	}
	if !strings.Contains(s.logs.String(), "route=\"GET /inloggen/{token}\"") {
		t.Errorf("access log without the route of the link:\n%s", s.logs.String())
	}

	// Signing out ends the session.
	home := b.get("/")
	if p := b.post("/uitloggen", url.Values{"csrf": {home.csrf(t)}}); p.status != http.StatusSeeOther {
		t.Errorf("sign out: %d", p.status)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("after signing out, the overview: %d, want a redirect", p.status)
	}

	// A member taken off the staff list is out at once.
	b = s.signIn(t, "jan@stichtingbmp.example", "Jan")
	if _, err := s.staff.Remove(t.Context(), "jan@stichtingbmp.example"); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("a removed member's session still works: %d", p.status)
	}
}

// TestSignInRequestsAreLimited: a flood of requests for one address gets a
// calm refusal, not a flood of e-mails.
func TestSignInRequestsAreLimited(t *testing.T) {
	s := startSystem(t)
	b := s.browser(t)
	token := b.get("/inloggen").csrf(t)
	var last page
	for range 6 {
		last = b.post("/inloggen", url.Values{"csrf": {token}, "email": {"someone@stichtingbmp.example"}})
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Wacht een paar minuten") {
		t.Errorf("sixth request in a row: %d\n%s", last.status, last.body)
	}
}

// TestRecordOnTheRolloutPage: the page offers the funding form drawn from
// the declaration; a wrong amount is shown next to its field; a right one
// is recorded in the staff member's name; the workflow's own refusal shows
// next to the field it concerns; a weighty action asks for a confirmation.
func TestRecordOnTheRolloutPage(t *testing.T) {
	s := startSystem(t)
	b := s.signIn(t, "fatma@stichtingbmp.example", "Fatma Yilmaz")
	utrecht := startRollout(t, s, "GM0344", time.Hour)
	apply(t, s, utrecht)
	path := "/uitrol/demo/GM0344"

	p := waitForPage(t, b, path, "Toezegging voor financiering rond")
	for _, want := range []string{`name="amountCents"`, `for="funding-funding-amountCents"`, "Bedrag in euro", "Welzijn GM0344"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("rollout page lacks %q", want)
		}
	}
	form := url.Values{"csrf": {p.csrf(t)}, "form": {"funding-funding"}, "step": {"funding"}, "source": {"municipality"}, "amountCents": {"twaalf"}}
	bad := b.post(path+"/funding", form)
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong amount: %d", bad.status)
	}
	if msg := fieldProblem(bad.body, "funding-funding-amountCents"); msg == "" {
		t.Errorf("no problem next to the amount:\n%s", bad.body)
	}
	if !strings.Contains(bad.body, `value="twaalf"`) || !strings.Contains(bad.body, `id="funding-funding" open`) {
		t.Error("the refused form is not shown again, opened, with what was typed")
	}

	form.Set("amountCents", "12.750,00")
	ok := b.post(path+"/funding", form)
	if ok.status != http.StatusSeeOther || !strings.HasPrefix(ok.location, path) {
		t.Fatalf("recording funding: %d to %q\n%s", ok.status, ok.location, ok.body)
	}
	after := b.get(path)
	if !strings.Contains(after.body, "Vastgelegd: ") || !strings.Contains(after.body, "€ 12.750,00 toegezegd") {
		t.Errorf("after recording, the page does not show it:\n%s", after.body)
	}
	st, err := s.rollout.Status(t.Context(), utrecht)
	if err != nil {
		t.Fatal(err)
	}
	if l := st.Line("funding"); l == nil || l.LastActor == nil || *l.LastActor != (plan.Actor{Via: plan.ViaConsole, Name: "Fatma Yilmaz"}) {
		t.Errorf("funding recorded by %+v, want the console's Fatma Yilmaz", l)
	}

	// The workflow refuses a due date before the current one; its words
	// show next to the date.
	extend := url.Values{"csrf": {p.csrf(t)}, "form": {"extend"}, "step": {"handbook"}, "due": {"2020-01-01T10:00"}, "reason": {"overleg"}, "bevestig": {"true"}}
	refused := b.post(path+"/extend", extend)
	if refused.status != http.StatusUnprocessableEntity || !strings.Contains(fieldProblem(refused.body, "extend-due"), "de nieuwe uiterste datum moet na de huidige") {
		t.Errorf("an extension into the past: %d, problem next to the date: %q\n%s", refused.status, fieldProblem(refused.body, "extend-due"), section(refused.body, "extend"))
	}
	extend.Del("bevestig")
	extend.Set("due", time.Now().AddDate(0, 0, 400).Format("2006-01-02T15:04"))
	if p := b.post(path+"/extend", extend); p.status != http.StatusUnprocessableEntity || fieldProblem(p.body, "extend-bevestig") == "" {
		t.Errorf("a weighty action without its confirmation: %d", p.status)
	}

	// Something nobody may post.
	if p := b.post(path+"/nonsense", url.Values{"csrf": {p.csrf(t)}}); p.status != http.StatusNotFound {
		t.Errorf("an unknown action: %d", p.status)
	}
	if p := b.get("/uitrol/demo/GM0363"); p.status != http.StatusNotFound || !strings.Contains(p.body, "Geen uitrol") {
		t.Errorf("a rollout that does not run: %d", p.status)
	}
}

// TestOverviewPutsStalledFirst: of the running rollouts, the stalled one
// heads the overview, with who must act; a filter narrows the list.
func TestOverviewPutsStalledFirst(t *testing.T) {
	s := startSystem(t)
	b := s.signIn(t, "fatma@stichtingbmp.example", "Fatma")
	quiet := startRollout(t, s, "GM0599", time.Hour)
	apply(t, s, quiet)
	// Nobody records the producer course's attendance: on a 50 ms day its
	// grace ends within a second and the rollout stalls.
	stuck := startRollout(t, s, "GM0518", 50*time.Millisecond)
	apply(t, s, stuck)

	p := waitForPage(t, b, "/", "Vastgelopen (1)")
	stalled := section(p.body, "h-vast")
	if !strings.Contains(stalled, "&#39;s-Gravenhage") || strings.Contains(stalled, "Rotterdam") {
		t.Errorf("stalled section:\n%s", stalled)
	}
	if !strings.Contains(stalled, "cursus voor producenten, dag 1") || !strings.Contains(stalled, "BMP") {
		t.Errorf("the stalled row does not say what waits on whom:\n%s", stalled)
	}
	if all := section(p.body, "h-alle"); !strings.Contains(all, "Alle lopende uitrollen (2)") || strings.Index(all, "&#39;s-Gravenhage") > strings.Index(all, "Rotterdam") {
		t.Errorf("the list of all rollouts:\n%s", all)
	}
	only := b.get("/?vastgelopen=ja&provincie=Zuid-Holland")
	if all := section(only.body, "h-alle"); !strings.Contains(all, "(1)") || strings.Contains(all, "Rotterdam") {
		t.Errorf("filtered on stalled:\n%s", all)
	}
}

// TestStartAProvince: the start form checks every field, then starts a
// province in the background; its page counts up to the end; a second
// start of the same province skips them all.
func TestStartAProvince(t *testing.T) {
	s := startSystem(t)
	b := s.signIn(t, "fatma@stichtingbmp.example", "Fatma")
	t.Cleanup(func() { terminateAll(s, "Flevoland") })
	form := b.get("/starten")
	v := url.Values{"csrf": {form.csrf(t)}, "scope": {"provincie"}, "provincie": {"Flevoland"}, "ronde": {"demo"}, "daglengte": {"1h"}}
	p := b.post("/starten", v)
	if p.status != http.StatusUnprocessableEntity || fieldProblem(p.body, "s-patroon") == "" {
		t.Errorf("a province without an address pattern: %d, problem %q", p.status, fieldProblem(p.body, "s-patroon"))
	}
	v.Set("patroon", "wmo@{name}.example.nl")
	run := func() string {
		t.Helper()
		p := b.post("/starten", v)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/starten/") {
			t.Fatalf("start a province: %d\n%s", p.status, p.body)
		}
		var last page
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			last = b.get(p.location)
			if strings.Contains(last.body, "Klaar.") {
				if last.header.Get("Refresh") != "" {
					t.Error("a finished batch's page still refreshes itself")
				}
				return last.body
			}
			if last.header.Get("Refresh") == "" {
				t.Fatal("a running batch's page does not refresh itself")
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("the batch did not finish:\n%s", last.body)
		return ""
	}
	if body := run(); !strings.Contains(body, "6 van 6 gemeenten: 6 gestart, 0 overgeslagen (liepen al), 0 mislukt") {
		t.Errorf("first start of Flevoland:\n%s", body)
	}
	if body := run(); !strings.Contains(body, "6 van 6 gemeenten: 0 gestart, 6 overgeslagen") {
		t.Errorf("second start of Flevoland:\n%s", body)
	}
	st, err := s.rollout.Status(t.Context(), rollout.WorkflowID("demo", "GM0034"))
	if err != nil {
		t.Fatalf("Almere's rollout: %v", err)
	}
	if st.Municipality.Code != "GM0034" {
		t.Errorf("Almere's status: %+v", st)
	}
}

// startRollout starts a demo-wave rollout on a day of the given length.
func startRollout(t *testing.T, s *system, code string, day time.Duration) string {
	t.Helper()
	w, _ := wave.Lookup(wave.Demo, time.Now(), day)
	return startOn(t, s, code, w)
}

// soonAfterDeadline is the demo wave with its application deadline a
// moment away, on a day of the given length.
func soonAfterDeadline(in, day time.Duration) wave.Calendar {
	now := time.Now()
	w := wave.Compress(wave.Wave2012(), wave.Demo, now, day)
	shift := w.ApplicationDeadline().Sub(now) - in
	return wave.Compress(wave.Wave2012(), wave.Demo, now.Add(-shift), day)
}

// apply has a producer apply, as the municipality would.
func apply(t *testing.T, s *system, id string) {
	t.Helper()
	name := strings.TrimPrefix(id, "rollout-demo-")
	_, err := s.rollout.Act(t.Context(), id, plan.ActApply, &plan.ProducerApplication{
		Organisation: "Welzijn " + name, Kind: "welzijnsinstelling", ContactName: "Contact " + name, ContactEmail: strings.ToLower(name) + "@producent.example.nl"})
	if err != nil {
		t.Fatal(err)
	}
}

func terminateAll(s *system, province string) {
	ms, _ := municipality.InProvince(province)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range ms {
		_ = s.rollout.T.TerminateWorkflow(ctx, rollout.WorkflowID("demo", m.Code), "", "end of test")
	}
}

// waitForPage loads a page until it shows a text (the visibility store and
// timers take their time).
func waitForPage(t *testing.T, b *browser, path, text string) page {
	t.Helper()
	var p page
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p = b.get(path); p.status == http.StatusOK && strings.Contains(p.body, text) {
			return p
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q; last (%d):\n%s", path, text, p.status, p.body)
	return p
}

// fieldProblem is the problem shown next to a field (its error message,
// which the field names in aria-describedby).
func fieldProblem(body, id string) string {
	re := regexp.MustCompile(`(?s)id="` + regexp.QuoteMeta(id) + `-fout">(.*?)</div>`)
	m := re.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `id="`+id+`"`) {
		return ""
	}
	return strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
}

// section is the part of a page from a heading's id to the next section.
func section(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// TestCodecServerIsForStaff: the Web UI decrypts histories through the
// console, for a signed-in staff member only.
func TestCodecServerIsForStaff(t *testing.T) {
	s := startSystem(t)
	ps, err := testenv.DataConverter().ToPayloads("Fatma Yilmaz, Kanaalstraat 1")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := protojson.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(b *browser) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.url+"/codec/decode", strings.NewReader(string(sealed)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", testenv.Require(t).Temporal.Namespace)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		p := read(t, resp)
		return p.status, p.body
	}
	if status, body := decode(s.browser(t)); status != http.StatusUnauthorized || strings.Contains(body, "Kanaalstraat") {
		t.Errorf("without a session: %d %s", status, body)
	}
	status, body := decode(s.signIn(t, "fatma@stichtingbmp.example", "Fatma"))
	if status != http.StatusOK || !strings.Contains(body, base64.StdEncoding.EncodeToString([]byte(`"Fatma Yilmaz, Kanaalstraat 1"`))) {
		t.Errorf("signed in: %d %s", status, body)
	}
}

// TestBounceReachesTheRolloutPage: SendGrid's signed report of a bounce,
// posted to the console's webhook, shows on the rollout's page: next to
// the e-mail, and as the step's problem.
func TestBounceReachesTheRolloutPage(t *testing.T) {
	s := startSystem(t)
	b := s.signIn(t, "fatma@stichtingbmp.example", "Fatma")
	id := startRollout(t, s, "GM0344", time.Hour)
	apply(t, s, id)
	var mail struct {
		RunID      string `db:"run_id"`
		Occurrence int    `db:"occurrence"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := s.srv.db.GetContext(t.Context(), &mail, `SELECT run_id, occurrence FROM outbox
			WHERE workflow_id = $1 AND template = 'producer-course-invitation' AND status IN ('logged', 'sent')`, id)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the invitation was never stored: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ev := []map[string]any{{
		"sg_event_id": "ev-1", "event": "bounce", "type": "bounce", "status": "5.1.1", "timestamp": time.Now().Unix(),
		"email": "gm0344@producent.example.nl", "workflow_id": id, "run_id": mail.RunID, "template": "producer-course-invitation",
		"step": "producer-course", "occurrence": fmt.Sprint(mail.Occurrence),
	}}
	body, _ := json.Marshal(ev)
	key, err := signing.ParsePrivateKey(s.webhook)
	if err != nil {
		t.Fatal(err)
	}
	sig, ts, err := signing.Sign(key, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/webhooks/sendgrid", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signing.SignatureHeader, sig)
	req.Header.Set(signing.TimestampHeader, ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the webhook answered %d, want 204", resp.StatusCode)
	}
	p := waitForPage(t, b, "/uitrol/demo/GM0344", "e-mail niet afgeleverd")
	if mails := section(p.body, "h-mails"); !strings.Contains(mails, "niet afgeleverd") {
		t.Errorf("the e-mail list does not show the bounce:\n%s", mails)
	}
}

// TestVendoredCSSIsThePinnedRelease: the console serves the NL Design
// System's CSS from its own copy; the copy is the release web/package.json
// pins (npm ci fetched it), not an edited one.
func TestVendoredCSSIsThePinnedRelease(t *testing.T) {
	pinned, err := os.ReadFile(filepath.Join("web", "node_modules", "@utrecht", "component-library-css", "dist", "index.css"))
	if err != nil {
		t.Fatalf("run npm ci in internal/console/web (make test does): %v", err)
	}
	copied, err := staticFS.ReadFile("static/utrecht.css")
	if err != nil {
		t.Fatal(err)
	}
	if string(pinned) != string(copied) {
		t.Error("static/utrecht.css differs from the pinned @utrecht/component-library-css: copy dist/index.css again after changing the pin")
	}
}

// TestWholeLifecycleThroughTheConsole: staff take a rollout from its start
// to graduation with the console alone: it is started on the start page,
// and every action the scripted actor decides on (plan.Kind.Sample) is sent
// through a form the rollout's page offers at that moment.
func TestWholeLifecycleThroughTheConsole(t *testing.T) {
	s := startSystem(t)
	b := s.signIn(t, "fatma@stichtingbmp.example", "Fatma")
	const code = "GM0014" // Groningen
	id, path := rollout.WorkflowID("demo", code), "/uitrol/demo/"+code
	t.Cleanup(func() { _ = s.rollout.T.TerminateWorkflow(context.Background(), id, "", "end of test") })
	form := b.get("/starten")
	p := b.post("/starten", url.Values{"csrf": {form.csrf(t)}, "scope": {"gemeente"}, "gemeente": {code}, "ronde": {"demo"},
		"daglengte": {"50ms"}, "email": {"wmo@groningen.example.nl"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("start: %d\n%s", p.status, p.body)
	}
	waitForPage(t, b, p.location, "Klaar.")

	var sent []string
	actor := simulate.Actor{C: s.rollout, Out: io.Discard, Poll: 40 * time.Millisecond,
		Send: func(ctx context.Context, id, action string, payload plan.Payload) error {
			page := b.get(path)
			key := regexp.MustCompile(`action="` + regexp.QuoteMeta(path+"/"+action) + `#([^"]+)"`).FindStringSubmatch(page.body)
			if key == nil {
				return fmt.Errorf("the page offers no %s form", action)
			}
			vals, err := plan.Values(plan.MustAction(action), payload)
			if err != nil {
				return err
			}
			vals["csrf"], vals["form"], vals["bevestig"] = []string{page.csrf(t)}, []string{key[1]}, []string{"true"}
			if r := b.post(path+"/"+action, vals); r.status != http.StatusSeeOther {
				return fmt.Errorf("%s refused (%d)", action, r.status)
			}
			sent = append(sent, action)
			return nil
		}}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if err := actor.Run(ctx, []string{id}, []simulate.Variant{simulate.HappyPath}); err != nil {
		t.Fatalf("after %v: %v", sent, err)
	}
	var res rollout.Result
	if err := s.rollout.T.GetWorkflow(t.Context(), id, "").Get(t.Context(), &res); err != nil || res.Outcome != plan.OutcomeGraduated {
		t.Fatalf("the rollout ended %+v (%v) after %v", res, err, sent)
	}
	for _, a := range []string{plan.ActApply, plan.ActAttendance, plan.ActConfirm, plan.ActTeacher, plan.ActFunding, plan.ActEnrol,
		plan.ActLocation, plan.ActCount, plan.ActProgress, plan.ActGraduates} {
		if !slices.Contains(sent, a) {
			t.Errorf("no %s went through the console; sent %v", a, sent)
		}
	}
}
