package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/console"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// consoleFigure: the staff console's pages with N rollouts running, each
// beside the Temporal call it is built on, measured in the same rounds:
// the overview ("Vandaag", one visibility query for the whole list)
// against that List call alone; a rollout's page against its status
// query; recording a funding commitment through the console's form against
// the same Update sent through the typed client.
func (b *bench) consoleFigure(ctx context.Context) error {
	s := b.s
	w := wave.Compress(wave.Wave2012(), "demo-console", time.Now(), longDay)
	ids, _, err := s.startRollouts(ctx, b.ms, w)
	defer func() { _ = s.terminate(context.Background(), ids) }()
	if err != nil {
		return err
	}
	if err := s.waitInvited(ctx, len(ids), w.Name); err != nil {
		return err
	}
	rc := s.rollouts(benchActor)
	if err := waitListed(ctx, rc, w.Name, len(ids)); err != nil {
		return err
	}
	s.settle(ctx)

	web, err := s.signedInConsole(ctx)
	if err != nil {
		return err
	}
	defer web.close()
	first := b.ms[0]
	page := "/uitrol/" + w.Name + "/" + first.Code
	if _, err := rc.Act(ctx, ids[0], plan.ActApply, &plan.ProducerApplication{Organisation: "Welzijn bench", Kind: "welzijnsinstelling",
		ContactName: "Bench", ContactEmail: "bench@welzijn.example.nl"}); err != nil {
		return err
	}

	n := b.scaled(200, 20)
	var overview, list, rolloutPage, status, form, update []time.Duration
	var size int
	for i := -5; i < n; i++ {
		d1, body, err := web.get(ctx, "/?ronde="+w.Name)
		if err != nil {
			return err
		}
		d2, err := timed(func() error { _, err := rc.List(ctx, rollout.Filter{Wave: w.Name, Running: true}); return err })
		if err != nil {
			return err
		}
		d3, _, err := web.get(ctx, page)
		if err != nil {
			return err
		}
		d4, err := timed(func() error { _, err := rc.Status(ctx, ids[0]); return err })
		if err != nil {
			return err
		}
		if i < 0 {
			size = len(body)
			if got := strings.Count(body, `href="/uitrol/`+w.Name+`/`); got < len(ids) {
				return fmt.Errorf("the overview lists %d links for %d rollouts", got, len(ids))
			}
			continue
		}
		overview, list, rolloutPage, status = append(overview, d1), append(list, d2), append(rolloutPage, d3), append(status, d4)
	}
	commit := &plan.Commitment{Step: "funding", Source: plan.FundingSources[0], Name: "bench", AmountCents: 100}
	for i := -5; i < n; i++ {
		d1, err := web.post(ctx, page, page+"/"+plan.ActFunding, url.Values{"form": {"funding-funding"}, "step": {"funding"},
			"source": {string(commit.Source)}, "name": {"bench"}, "amountCents": {"1"}})
		if err != nil {
			return err
		}
		d2, err := timed(func() error { _, _, err := rc.Send(ctx, ids[0], plan.ActFunding, commit); return err })
		if err != nil {
			return err
		}
		if i >= 0 {
			form, update = append(form, d1), append(update, d2)
		}
	}
	for _, p := range []float64{50, 95} {
		b.line(fmt.Sprintf("console.p%.0f", p), fmt.Sprintf("overview of %d rollouts (%d kB): %s | baseline its List call alone: %s | ratio %s; "+
			"rollout page: %s | baseline its status query: %s | ratio %s",
			len(ids), size/1000, ms(percentile(overview, p)), ms(percentile(list, p)), ratio(float64(percentile(overview, p)), float64(percentile(list, p))),
			ms(percentile(rolloutPage, p)), ms(percentile(status, p)), ratio(float64(percentile(rolloutPage, p)), float64(percentile(status, p)))))
	}
	b.line("console.action", fmt.Sprintf("%d× `funding` through the console's form (page read for its token, post, redirect): p50 %s | baseline the same Update through the client: p50 %s | ratio %s",
		n, ms(percentile(form, 50)), ms(percentile(update, 50)), ratio(float64(percentile(form, 50)), float64(percentile(update, 50)))))
	return nil
}

// waitListed waits until the visibility store lists n running rollouts of
// a wave (it follows the starts by a moment).
func waitListed(ctx context.Context, rc *rollout.Client, waveName string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		rows, err := rc.List(ctx, rollout.Filter{Wave: waveName, Running: true})
		if err != nil {
			return err
		}
		if len(rows) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the visibility store lists %d of %d rollouts after 2 minutes", len(rows), n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func timed(f func() error) (time.Duration, error) {
	t0 := time.Now()
	err := f()
	return time.Since(t0), err
}

// webClient is a signed-in staff member's browser on an in-process console.
type webClient struct {
	srv *httptest.Server
	c   *http.Client
	con *console.Server
}

// signedInConsole serves the console on the bench's stack and signs a
// staff member in through a sign-in link.
func (s *stack) signedInConsole(ctx context.Context) (*webClient, error) {
	base, _ := url.Parse("http://127.0.0.1")
	con, err := console.New(console.Config{Addr: "127.0.0.1:0", PublicURL: base, UIURL: "http://127.0.0.1:8233", Namespace: s.srv.Namespace},
		console.Deps{DB: s.db, Temporal: s.c, Keys: benchKeys, Mailer: console.NoMailer{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(con.Handler())
	jar, _ := cookiejar.New(nil)
	wc := &webClient{srv: srv, con: con, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	st := staff.Store{DB: s.db}
	m, err := st.Add(ctx, "bench@stichtingbmp.example", "Bench")
	if err != nil {
		m, err = st.ByEmail(ctx, "bench@stichtingbmp.example")
	}
	if err != nil {
		wc.close()
		return nil, err
	}
	token, err := st.IssueLink(ctx, m, time.Now())
	if err == nil {
		_, _, err = wc.get(ctx, "/inloggen/"+token)
	}
	if err != nil {
		wc.close()
		return nil, fmt.Errorf("sign in to the console: %w", err)
	}
	return wc, nil
}

func (w *webClient) close() {
	w.srv.Close()
	w.con.Close()
}

// get reads a page whole and times it.
func (w *webClient) get(ctx context.Context, path string) (time.Duration, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, w.srv.URL+path, nil)
	t0 := time.Now()
	resp, err := w.c.Do(req)
	if err != nil {
		return 0, "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err == nil && resp.StatusCode >= 400 {
		err = fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return d, string(body), err
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends a form as a person would: the page first (for its token),
// then the form, which redirects back to the page.
func (w *webClient) post(ctx context.Context, page, action string, form url.Values) (time.Duration, error) {
	t0 := time.Now()
	_, body, err := w.get(ctx, page)
	if err != nil {
		return 0, err
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("no form token on %s", page)
	}
	form.Set("csrf", m[1])
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.srv.URL+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return 0, fmt.Errorf("POST %s: %s, want 303", action, resp.Status)
	}
	_, _, err = w.get(ctx, resp.Header.Get("Location"))
	return time.Since(t0), err
}
