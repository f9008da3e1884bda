package console

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// A person's browser: Debian's chromium, driven by chromedp. make test
// installs chromium and axe-core when they are missing.

// chrome starts a headless chromium for one test.
func chrome(t *testing.T) context.Context {
	t.Helper()
	bin := os.Getenv("AMWAHT_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if bin != "" {
			break
		}
		bin, _ = exec.LookPath(name)
	}
	if bin == "" {
		t.Fatal("no chromium to run the browser tests: install Debian's chromium (make test does), or set AMWAHT_CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "nl-NL"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", bin, err)
	}
	return ctx
}

// axeSource is axe-core, pinned in web/package.json.
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing: run npm ci in internal/console/web (make test does): %v", err)
	}
	return string(src)
}

// pageCheck looks at the page the browser shows: no WCAG 2.1 A or AA
// violation by axe-core, and a screenshot when AMWAHT_SCREENSHOTS names a
// folder (make screenshots).
type pageCheck struct {
	t   *testing.T
	ctx context.Context
	axe string
	dir string
}

func newPageCheck(t *testing.T, ctx context.Context) *pageCheck {
	return &pageCheck{t: t, ctx: ctx, axe: axeSource(t), dir: os.Getenv("AMWAHT_SCREENSHOTS")}
}

const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`

func (c *pageCheck) look(name string) {
	c.t.Helper()
	// The console's policy allows no script; DevTools evaluates beside it.
	if err := chromedp.Do(c.ctx, chromedp.Evaluate[chromedp.Void](c.axe)); err != nil {
		c.t.Fatalf("%s: load axe-core: %v", name, err)
	}
	violations, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("%s: axe-core: %v", name, err)
	}
	for _, v := range violations {
		c.t.Errorf("%s: accessibility: %s", name, v)
	}
	if c.dir == "" {
		return
	}
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("%s: screenshot: %v", name, err)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// text is what the page says, as a person reads it.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// do runs browser steps, each batch within 20 seconds; on failure it shows
// what the page said.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v\nthe page at %s says:\n%s", what, err, now(ctx, "title"), now(ctx, "main"))
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	l, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// now reads an element's text at once ("" when there is none), where a
// chromedp query would wait for the element to appear.
func now(ctx context.Context, sel string) string {
	js := fmt.Sprintf(`document.querySelector(%q)?.innerText ?? ""`, sel)
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	return s
}

// waitText reloads until the element shows the text.
func waitText(t *testing.T, ctx context.Context, sel, want string) string {
	t.Helper()
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if got = now(ctx, sel); strings.Contains(got, want) {
			return got
		}
		time.Sleep(300 * time.Millisecond)
		do(t, ctx, "reload", chromedp.Reload())
	}
	t.Fatalf("%s never showed %q; last: %q", sel, want, got)
	return ""
}

// phone looks at the page as a phone shows it (390 CSS pixels wide): it
// fits, and only a wide table or drawing scrolls, inside its own box.
func phone(t *testing.T, ctx context.Context, check *pageCheck, name string) {
	t.Helper()
	do(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Reload())
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	if err != nil || wide {
		culprits, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1)).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width))`))
		t.Errorf("%s: the page is wider than a phone (%v); too wide: %v", name, err, culprits)
	}
	check.look(name)
	do(t, ctx, "desktop width", chromedp.EmulateViewport(1280, 900), chromedp.Reload())
}

// TestConsoleInABrowser: a staff member's morning in a real browser. Sign in
// through the e-mailed link, find the stalled rollout at the top, record a
// funding commitment, see the workflow refuse a wrong date next to the
// field, start a province and watch it count up, sign out. Every page has
// no WCAG 2.1 AA violation, and the forms work by keyboard alone.
func TestConsoleInABrowser(t *testing.T) {
	s := startSystem(t)
	ctx := chrome(t)
	check := newPageCheck(t, ctx)
	if _, err := s.staff.Add(t.Context(), "fatma@stichtingbmp.example", "Fatma Yilmaz"); err != nil {
		t.Fatal(err)
	}
	// Utrecht's producer applies at once; its producer course is over some
	// ten seconds later, when its funding step opens.
	utrecht := startOn(t, s, "GM0344", soonAfterDeadline(3*time.Second, 250*time.Millisecond))
	apply(t, s, utrecht)
	prepDeadline := time.Now().Add(60 * time.Second)
	stuck := startRollout(t, s, "GM0518", 50*time.Millisecond)
	apply(t, s, stuck)
	t.Cleanup(func() { terminateAll(s, "Flevoland") })

	// Signing in, by keyboard: the first Tab reaches the skip link.
	do(t, ctx, "open the console", chromedp.Navigate(s.url+"/"))
	if l := location(t, ctx); !strings.HasSuffix(l, "/inloggen") {
		t.Fatalf("without a session the console shows %s", l)
	}
	check.look("inloggen")
	do(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if f, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); f != "Naar de inhoud" {
		t.Errorf("the first Tab reaches %q, want the skip link", f)
	}
	do(t, ctx, "ask for a link", chromedp.Focus(chromedp.ID("email")), chromedp.KeyEvent("fatma@stichtingbmp.example\r"),
		chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if msg := text(t, ctx, `[role="status"]`); !strings.Contains(msg, "Kijk in uw e-mail") {
		t.Errorf("after asking for a link: %q", msg)
	}
	check.look("inloggen-verstuurd")
	do(t, ctx, "follow the link", chromedp.Navigate(s.mail.last(t, "fatma@stichtingbmp.example")))
	if l := location(t, ctx); l != s.url+"/" {
		t.Errorf("the link leads to %s, want the overview", l)
	}

	// The overview: the stalled rollout heads it.
	first := waitText(t, ctx, "#h-vast + div tbody tr:first-child", "'s-Gravenhage")
	if !strings.Contains(first, "cursus voor producenten, dag 1") {
		t.Errorf("the stalled row: %q", first)
	}
	check.look("overzicht")
	phone(t, ctx, check, "overzicht-telefoon")

	// Recording a commitment through the form the declaration draws, once
	// the funding step is open.
	for st, _ := s.rollout.Status(t.Context(), utrecht); st.Phase != plan.PhasePreparation; st, _ = s.rollout.Status(t.Context(), utrecht) {
		if time.Now().After(prepDeadline) {
			t.Fatalf("Utrecht never reached the preparation; phase %s", st.Phase)
		}
		time.Sleep(200 * time.Millisecond)
	}
	do(t, ctx, "back to the overview", chromedp.Navigate(s.url+"/"))
	do(t, ctx, "open Utrecht", chromedp.Click(chromedp.CSS(`#h-alle ~ div a[href="/uitrol/demo/GM0344"]`)), chromedp.WaitVisible(chromedp.ID("funding-funding")))
	check.look("uitrol")
	phone(t, ctx, check, "uitrol-telefoon")
	do(t, ctx, "fill in the funding form",
		chromedp.Click(chromedp.CSS("#funding-funding summary")),
		chromedp.SetValue(chromedp.ID("funding-funding-source"), "municipality"),
		chromedp.SendKeys(chromedp.ID("funding-funding-name"), "Gemeente Utrecht"),
		chromedp.SendKeys(chromedp.ID("funding-funding-amountCents"), "25500"),
		chromedp.Submit(chromedp.ID("funding-funding-amountCents")),
		chromedp.WaitVisible(chromedp.CSS(".utrecht-alert--ok")))
	if msg := text(t, ctx, ".utrecht-alert--ok"); !strings.Contains(msg, "Vastgelegd") {
		t.Errorf("after recording: %q", msg)
	}
	funding := now(ctx, `#line-funding`)
	if !strings.Contains(funding, "klaar") || !strings.Contains(funding, "€ 25.500,00 toegezegd door gemeente (Gemeente Utrecht)") || !strings.Contains(funding, "Fatma Yilmaz (console)") {
		t.Errorf("the funding step after recording: %q", funding)
	}

	// The workflow refuses a date before the current one; its words stand
	// next to the date, and the form stays open with what was typed.
	do(t, ctx, "extend into the past",
		chromedp.Click(chromedp.CSS("#extend summary")),
		chromedp.SetValue(chromedp.ID("extend-step"), "handbook"),
		chromedp.SetValue(chromedp.ID("extend-due"), "2020-01-01T10:00"),
		chromedp.SendKeys(chromedp.ID("extend-reason"), "in overleg met de producent"),
		chromedp.Click(chromedp.ID("extend-bevestig")),
		chromedp.Submit(chromedp.ID("extend-reason")),
		chromedp.WaitVisible(chromedp.ID("extend-due-fout")))
	if msg := text(t, ctx, "#extend-due-fout"); !strings.Contains(msg, "de nieuwe uiterste datum moet na de huidige") {
		t.Errorf("the refusal next to the date: %q", msg)
	}
	check.look("uitrol-geweigerd")

	// One of its e-mails, as sent.
	subject := now(ctx, `#h-mails ~ div details summary`)
	do(t, ctx, "open an e-mail", chromedp.Click(chromedp.CSS(`#h-mails ~ div details summary`)),
		chromedp.Click(chromedp.CSS(`#h-mails ~ div details a`)), chromedp.WaitVisible(chromedp.CSS("iframe")))
	if h := text(t, ctx, "h1"); subject == "" || h != subject {
		t.Errorf("the e-mail %q has a page headed %q", subject, h)
	}
	check.look("email")

	// Starting a province, following its progress page until it is done.
	do(t, ctx, "open the start form", chromedp.Navigate(s.url+"/starten"), chromedp.WaitVisible(chromedp.ID("scope-provincie")))
	check.look("starten")
	do(t, ctx, "start Flevoland",
		chromedp.Click(chromedp.ID("scope-provincie")),
		chromedp.SetValue(chromedp.ID("s-provincie"), "Flevoland"),
		chromedp.SetValue(chromedp.ID("s-ronde"), "demo"),
		chromedp.SetValue(chromedp.ID("s-daglengte"), "1h"),
		chromedp.SendKeys(chromedp.ID("s-patroon"), "wmo@{name}.example.nl"),
		chromedp.Submit(chromedp.ID("s-patroon")))
	var progress string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		// The page refreshes itself; nobody reloads it.
		if progress = now(ctx, `[role="status"]`); strings.HasPrefix(progress, "Klaar.") {
			break
		}
	}
	if !strings.Contains(progress, "6 van 6 gemeenten: 6 gestart") {
		t.Errorf("the progress page: %q", progress)
	}
	check.look("starten-voortgang")

	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".bmp-signout button")), chromedp.WaitVisible(chromedp.CSS(".utrecht-alert--ok")))
	if msg := text(t, ctx, ".utrecht-alert--ok"); !strings.Contains(msg, "U bent uitgelogd") {
		t.Errorf("after signing out: %q", msg)
	}
	do(t, ctx, "back to the overview", chromedp.Navigate(s.url+"/"))
	if l := location(t, ctx); !strings.HasSuffix(l, "/inloggen") {
		t.Errorf("signed out, the overview shows %s", l)
	}
}
