package console

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// realWave is a wave on the real calendar (days of 24 hours) that opened
// this morning: its deadlines are ends of days, as a wave's are.
func realWave(t *testing.T) wave.Calendar {
	t.Helper()
	y, m, d := time.Now().In(wave.Amsterdam).Date()
	base := time.Date(y, m, d, 0, 0, 0, 0, wave.Amsterdam)
	at := func(n, h int) time.Time { return base.AddDate(0, 0, n).Add(time.Duration(h) * time.Hour).UTC() }
	eod := func(n int) time.Time { return base.AddDate(0, 0, n+1).Add(-time.Second).UTC() }
	dates := wave.Dates2012()
	dates.Name, dates.Opens = "echt", base.UTC()
	dates.ApplicationDeadline = eod(30)
	dates.ProducerCourse = []plan.Day{{Date: at(40, 10), End: at(40, 16), Place: "Utrecht", HalfDays: 2}, {Date: at(47, 10), End: at(47, 16), Place: "Utrecht", HalfDays: 2}}
	dates.TeacherDeadline = eod(100)
	dates.TeacherCourse = []plan.Day{{Date: at(107, 10), End: at(107, 16), Place: "Utrecht", HalfDays: 2},
		{Date: at(120, 10), End: at(120, 21), Place: "Soesterberg", HalfDays: 2, Overnight: true}, {Date: at(121, 9), End: at(121, 16), Place: "Soesterberg", HalfDays: 2, Overnight: true}}
	dates.FundingDue, dates.RecruitmentDue, dates.LocationDue = eod(180), eod(175), eod(180)
	dates.IntendedStart = at(190, 9)
	c := wave.Build(dates, nil)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTaskPagesInABrowserOnTheRealCalendar: on a wave of real days the task pages
// write deadlines as dates ("uiterlijk vrijdag 2 maart 2012"), course days
// with their hours; the pages of the municipality, the producer (with a
// refused participants file), the teacher and the page for a link that
// does not work have no WCAG 2.1 AA violation, on a desktop and a phone.
// (make screenshots takes the README's pictures of the task pages here.)
func TestTaskPagesInABrowserOnTheRealCalendar(t *testing.T) {
	s := startSystem(t)
	ctx := chrome(t)
	check := newPageCheck(t, ctx)
	w := realWave(t)
	id := startOn(t, s, "GM0344", w)

	do(t, ctx, "open the municipality's link", chromedp.Navigate(linkIn(t, mailTo(t, s, "producer-invitation", "wmo-gm0344@example.nl", id))),
		chromedp.WaitVisible(chromedp.ID("h-taken")))
	due := "uiterlijk " + mail.DutchDate(w.ApplicationDeadline())
	if tasks := text(t, ctx, "#h-taken + ul"); !strings.Contains(tasks, due) || strings.Contains(tasks, " om ") {
		t.Errorf("the municipality's deadline, want %q:\n%s", due, tasks)
	}
	look(t, ctx, check, "taak-gemeente")
	submitted(t, ctx, "put a producer forward", "apply",
		chromedp.SendKeys(chromedp.ID("apply-organisation"), "Welzijn Utrecht"),
		chromedp.SetValue(chromedp.ID("apply-kind"), "welzijnsinstelling"),
		chromedp.SendKeys(chromedp.ID("apply-contactName"), "Fatma Yilmaz"),
		chromedp.SendKeys(chromedp.ID("apply-contactEmail"), "f.yilmaz@welzijnutrecht.example.nl"))
	look(t, ctx, check, "taak-gemeente-bevestigd")

	do(t, ctx, "open the producer's link", chromedp.Navigate(linkIn(t, mailTo(t, s, "producer-course-invitation", "f.yilmaz@welzijnutrecht.example.nl", id))),
		chromedp.WaitVisible(chromedp.ID("enrol")))
	if days := text(t, ctx, "#h-dagen + ul"); !strings.Contains(days, mail.DutchDateTime(w.ProducerCourse()[0].Date)) {
		t.Errorf("the producer's course days:\n%s", days)
	}
	submitted(t, ctx, "register a teacher", "teacher",
		chromedp.SendKeys(chromedp.ID("teacher-id"), "T1"),
		chromedp.SendKeys(chromedp.ID("teacher-name"), "Ayse Demir"),
		chromedp.SendKeys(chromedp.ID("teacher-email"), "a.demir@example.nl"))
	bad := filepath.Join(t.TempDir(), "deelnemers.csv")
	var rows strings.Builder
	rows.WriteString("id,name,email,phone\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&rows, "P%02d,Deelnemer %d,deelnemer%d@example.nl,06 1234 56%02d\n", i, i, i, i)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(rows.String(), "P04,", "Ayse Demir,", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload a file with a bad row",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("enrol").open = true`),
		chromedp.SetUploadFiles(chromedp.ID("enrol-csv"), []string{bad}),
		chromedp.Click(chromedp.CSS("#enrol button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("enrol-csv-fout")))
	if p := text(t, ctx, "#enrol-csv-fout"); !strings.Contains(p, "regel 5: id") {
		t.Errorf("the bad row's problem: %q", p)
	}
	look(t, ctx, check, "taak-producent")
	do(t, ctx, "a phone's width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(s.url+"/taak"), chromedp.WaitVisible(chromedp.ID("h-taken")))
	if fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); err != nil || !fits {
		t.Errorf("on a phone the producer's page scrolls sideways (%v)", err)
	}
	look(t, ctx, check, "taak-producent-telefoon")
	do(t, ctx, "open the teacher's link", chromedp.Navigate(linkIn(t, mailTo(t, s, "teacher-course-invitation", "a.demir@example.nl", id))),
		chromedp.WaitVisible(chromedp.ID("h-dagen")))
	look(t, ctx, check, "taak-docent-telefoon")
	do(t, ctx, "a desktop's width", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("h-dagen")))
	look(t, ctx, check, "taak-docent")
	do(t, ctx, "open a forged link", chromedp.Navigate(s.url+"/taak/dit-is-geen-geldige-link"), chromedp.WaitVisible(chromedp.ID("email")))
	look(t, ctx, check, "taak-ongeldig")
}
