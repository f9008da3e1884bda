package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// recordAttendance plays BMP's part while the producer works through the
// links: it records every course day's attendance once the day has begun
// (BMP's own task), and nothing else.
func recordAttendance(ctx context.Context, c *rollout.Client, id string) {
	done := map[string]bool{}
	for ctx.Err() == nil {
		if st, err := c.Status(ctx, id); err == nil {
			for _, l := range st.Steps {
				if l.Kind != plan.KindCourse || !l.Waiting() {
					continue
				}
				var day int
				if _, err := fmt.Sscanf(l.Name[len(l.Step)+1:], "%d", &day); err != nil {
					continue
				}
				if l.Step == "teacher-course" {
					for _, t := range st.Teachers {
						key := fmt.Sprintf("%s/%s", l.Name, t.ID)
						if !done[key] {
							_, err := c.Act(ctx, id, plan.ActAttendance, &plan.Attendance{Course: l.Step, Day: day, Teacher: t.ID, Attended: true})
							done[key] = err == nil
						}
					}
					continue
				}
				if !done[l.Name] {
					_, err := c.Act(ctx, id, plan.ActAttendance, &plan.Attendance{Course: l.Step, Day: day, Attended: true})
					done[l.Name] = err == nil
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// submitted sends a task form and waits for the confirmation.
func submitted(t *testing.T, ctx context.Context, what, key string, fill ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	// The last confirmation goes first, so that the wait below sees the next page's.
	steps := append([]chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`document.getElementById("bevestiging")?.remove()`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).open = true`, key))}, fill...)
	steps = append(steps, chromedp.Click(chromedp.CSS("#"+key+" button[type=submit]")), chromedp.WaitVisible(chromedp.ID("bevestiging")))
	do(t, ctx, what, steps...)
	return text(t, ctx, "#bevestiging")
}

// TestTaskPagesInABrowser: a municipality and a producer take a rollout to
// its start using only the links in their e-mails, in a real browser. From
// the invitation the SendGrid stand-in received, the municipality puts a
// producer forward; from the producer's e-mail, the producer registers a
// teacher, uploads a participants file with a bad row (the row's problem
// next to the field, nothing sent), then a good one, and records funding
// and the location. BMP records the course days' attendance, its own task.
// The rollout passes the start gate; every task page has no WCAG 2.1 AA
// violation, and the producer's page reads on a phone 390 px wide without
// sideways scrolling.
func TestTaskPagesInABrowser(t *testing.T) {
	began := time.Now()
	s := startSystem(t)
	ctx := chrome(t)
	check := newPageCheck(t, ctx)
	// Two seconds a day: the application closes 13 s in, the teacher course
	// runs from 24 s, the start gate at 36 s.
	w := testWave(t, "taak", 2*time.Second, waveDays{Apply: 6, ProducerCourse: 6, Teacher: 11, Due: 16, Start: 18})
	id := startOn(t, s, "GM0344", w)
	actx, stopBMP := context.WithCancel(context.Background())
	var bmp sync.WaitGroup
	bmp.Add(1)
	go func() { defer bmp.Done(); recordAttendance(actx, s.rollout, id) }()
	t.Cleanup(func() { stopBMP(); bmp.Wait() })

	// The municipality, from the invitation.
	do(t, ctx, "open the municipality's link", chromedp.Navigate(linkIn(t, mailTo(t, s, "producer-invitation", "wmo-gm0344@example.nl", id))),
		chromedp.WaitVisible(chromedp.ID("h-taken")))
	if l := location(t, ctx); l != s.url+"/taak" {
		t.Errorf("the link leads to %s, want %s/taak (no token)", l, s.url)
	}
	look(t, ctx, check, "verloop-taak-gemeente")
	msg := submitted(t, ctx, "put a producer forward", "apply",
		chromedp.SendKeys(chromedp.ID("apply-organisation"), "Welzijn Utrecht"),
		chromedp.SetValue(chromedp.ID("apply-kind"), "welzijnsinstelling"),
		chromedp.SendKeys(chromedp.ID("apply-contactName"), "Fatma Yilmaz"),
		chromedp.SendKeys(chromedp.ID("apply-contactEmail"), "f.yilmaz@welzijnutrecht.example.nl"))
	if !strings.Contains(msg, "De producent is aangemeld") || !strings.Contains(msg, "Wat nu?") {
		t.Errorf("after putting a producer forward: %q", msg)
	}
	look(t, ctx, check, "verloop-taak-gemeente-bevestigd")

	// The producer, from the e-mail that confirms the application.
	do(t, ctx, "open the producer's link", chromedp.Navigate(linkIn(t, mailTo(t, s, "producer-course-invitation", "f.yilmaz@welzijnutrecht.example.nl", id))),
		chromedp.WaitVisible(chromedp.ID("enrol")))
	look(t, ctx, check, "verloop-taak-producent")
	msg = submitted(t, ctx, "register a teacher", "teacher",
		chromedp.SendKeys(chromedp.ID("teacher-id"), "T1"),
		chromedp.SendKeys(chromedp.ID("teacher-name"), "Ayse Demir"),
		chromedp.SendKeys(chromedp.ID("teacher-email"), "a.demir@example.nl"))
	if !strings.Contains(msg, "De docent is aangemeld") {
		t.Errorf("after registering a teacher: %q", msg)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "deelnemers-fout.csv")
	good := filepath.Join(dir, "deelnemers.csv")
	var rows strings.Builder
	rows.WriteString("id,name,email,phone\n")
	for i := 1; i <= 14; i++ {
		fmt.Fprintf(&rows, "P%02d,Deelnemer %d,deelnemer%d@example.nl,06 1234 56%02d\n", i, i, i, i)
	}
	if err := os.WriteFile(good, []byte(rows.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(rows.String(), "deelnemer3@example.nl", "deelnemer3@", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload a file with a bad row",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("enrol").open = true`),
		chromedp.SetUploadFiles(chromedp.ID("enrol-csv"), []string{bad}),
		chromedp.Click(chromedp.CSS("#enrol button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("enrol-csv-fout")))
	if p := text(t, ctx, "#enrol-csv-fout"); !strings.Contains(p, "regel 4: e-mail") {
		t.Errorf("the bad row's problem next to the file: %q", p)
	}
	if st, err := s.rollout.Status(t.Context(), id); err != nil || st.Participants != 0 {
		t.Errorf("a file with a bad row enrolled %d participants (%v)", st.Participants, err)
	}
	look(t, ctx, check, "verloop-taak-producent-bestand-fout")
	do(t, ctx, "upload a good file",
		chromedp.SetUploadFiles(chromedp.ID("enrol-csv"), []string{good}),
		chromedp.Click(chromedp.CSS("#enrol button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("bevestiging")))
	if msg := text(t, ctx, "#bevestiging"); !strings.Contains(msg, "Er zijn nu 14 deelnemers ingeschreven") {
		t.Errorf("after a good file: %q", msg)
	}
	msg = submitted(t, ctx, "record the funding", "funding-funding",
		chromedp.SetValue(chromedp.ID("funding-funding-source"), "municipality"),
		chromedp.SendKeys(chromedp.ID("funding-funding-name"), "Gemeente Utrecht"),
		chromedp.SendKeys(chromedp.ID("funding-funding-amountCents"), "25500"))
	if !strings.Contains(msg, "De financiering is rond") {
		t.Errorf("after the funding: %q", msg)
	}
	msg = submitted(t, ctx, "record the location", "location",
		chromedp.SendKeys(chromedp.ID("location-name"), "Buurthuis De Pijler"),
		chromedp.SendKeys(chromedp.ID("location-place"), "Utrecht"))
	if !strings.Contains(msg, "De leslocatie is vastgelegd") {
		t.Errorf("after the location: %q", msg)
	}
	look(t, ctx, check, "verloop-taak-producent-bevestigd")

	// On a phone: 390 px wide, nothing wider than the screen.
	do(t, ctx, "a phone's width", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("h-taken")))
	if fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); err != nil || !fits {
		width, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("on a phone the producer's page scrolls sideways: %d px wide (%v)", width, err)
	}
	look(t, ctx, check, "verloop-taak-producent-telefoon")
	do(t, ctx, "back to a desktop's width", chromedp.EmulateViewport(1280, 900))

	// The teacher, from the invitation to the teacher course.
	do(t, ctx, "open the teacher's link", chromedp.Navigate(linkIn(t, mailTo(t, s, "teacher-course-invitation", "a.demir@example.nl", id))),
		chromedp.WaitVisible(chromedp.ID("h-dagen")))
	if expect := text(t, ctx, "#h-verwacht + ul"); !strings.Contains(expect, "6 dagdelen") {
		t.Errorf("what the teacher is expected to do: %q", expect)
	}
	look(t, ctx, check, "verloop-taak-docent")

	// A link that does not work.
	do(t, ctx, "open a forged link", chromedp.Navigate(s.url+"/taak/dit-is-geen-geldige-link-maar-wel-lang-genoeg-000"), chromedp.WaitVisible(chromedp.ID("email")))
	look(t, ctx, check, "verloop-taak-ongeldig")

	// The start gate finds everything it needs: the producer's entries and
	// BMP's attendance.
	var st rollout.Status
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		var err error
		if st, err = s.rollout.Status(t.Context(), id); err == nil && !st.StartedAt.IsZero() {
			break
		}
	}
	if st.StartedAt.IsZero() {
		t.Fatalf("the rollout did not start: phase %s, waiting on %v", st.Phase, st.WaitingOn)
	}
	producer := plan.Actor{Via: plan.ViaLink, Party: plan.PartyProducer, Name: "Welzijn Utrecht"}
	for _, name := range []string{"teacher", "funding", "recruitment", "location"} {
		if l := st.Line(name); l == nil || l.LastActor == nil || *l.LastActor != producer {
			t.Errorf("%s recorded by %+v, want the producer through a link", name, l)
		}
	}
	if s.sg.WaitFor(time.Second, func(ms []sendgridfake.Mail) bool { return hasTemplateMail(ms, "start-blocked") }) {
		t.Error("the start was blocked on the way")
	}
	t.Logf("the browser test took %s", time.Since(began).Round(100*time.Millisecond))
}

// look checks the page as it stands, with nothing focused (the skip link
// shows when it has the focus).
func look(t *testing.T, ctx context.Context, check *pageCheck, name string) {
	t.Helper()
	do(t, ctx, "blur", chromedp.Evaluate[chromedp.Void](`document.activeElement?.blur()`))
	check.look(name)
}

func hasTemplateMail(ms []sendgridfake.Mail, template string) bool {
	for _, m := range ms {
		if m.CustomArgs["template"] == template {
			return true
		}
	}
	return false
}
