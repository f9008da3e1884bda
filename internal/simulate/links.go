package simulate

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Mailbox finds the newest personal task link e-mailed to an address for a
// rollout (or its cohort): the demo reads the SendGrid stand-in it sends
// through.
type Mailbox interface {
	LinkTo(rolloutID, address string) string
}

// Browser acts as a municipality or a producer through the personal link in
// their e-mail, as their browser would: it opens the link (exchanging it for
// the task session's cookie), reads the task page's form for the action
// with its anti-forgery token and what the page fixed, and posts it.
type Browser struct {
	Mail Mailbox

	mu       sync.Mutex
	sessions map[string]*session // per rollout and address
}

type session struct {
	c    *http.Client
	base string // the console's address, from the link
}

// ErrNoLink: no e-mail with a link reached the party yet.
var ErrNoLink = errors.New("no personal link e-mailed to the party yet")

// Act sends one action through the party's task page.
func (b *Browser) Act(ctx context.Context, rolloutID, address, action string, p plan.Payload) error {
	a, ok := plan.ActionNamed(action)
	if !ok {
		return fmt.Errorf("no action %q", action)
	}
	values, err := FormValues(a, p)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		s, err := b.session(ctx, rolloutID, address, attempt > 0)
		if err != nil {
			return err
		}
		err = s.post(ctx, action, values)
		if errors.Is(err, errLapsed) && attempt == 0 {
			continue // the session ended (idle, or the link was revoked): open the newest link
		}
		return err
	}
}

// errLapsed: the task page no longer opens with this session.
var errLapsed = errors.New("the task session lapsed")

func (b *Browser) session(ctx context.Context, rolloutID, address string, fresh bool) (*session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := rolloutID + " " + strings.ToLower(address)
	if s := b.sessions[key]; s != nil && !fresh {
		return s, nil
	}
	link := b.Mail.LinkTo(rolloutID, address)
	i := strings.Index(link, "/taak/")
	if i < 0 {
		return nil, ErrNoLink
	}
	jar, _ := cookiejar.New(nil)
	s := &session{base: link[:i], c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := s.do(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusSeeOther {
		return nil, fmt.Errorf("the personal link of %s answered %d", rolloutID, resp.status)
	}
	if b.sessions == nil {
		b.sessions = map[string]*session{}
	}
	b.sessions[key] = s
	return s, nil
}

type answer struct {
	status int
	body   string
}

func (s *session) do(ctx context.Context, method, target string, form url.Values) (answer, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return answer{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s task page: %w", method, err) // never the address: it holds a token
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return answer{status: resp.StatusCode, body: string(b)}, err
}

var (
	csrfIn    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	formsIn   = regexp.MustCompile(`(?s)<form [^>]*action="/taak/([a-z-]+)#([^"]+)"[^>]*>(.*?)</form>`)
	hiddensIn = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	problemIn = regexp.MustCompile(`(?s)class="utrecht-form-field__error-message[^"]*"[^>]*>(.*?)</div>`)
	tagsIn    = regexp.MustCompile(`<[^>]+>`)
)

// post reads the page's form for the action and sends it; the page's
// hidden values (the step, the form's key) win over the payload's.
func (s *session) post(ctx context.Context, action string, values url.Values) error {
	page, err := s.do(ctx, http.MethodGet, s.base+"/taak", nil)
	if err != nil {
		return err
	}
	if page.status == http.StatusNotFound {
		return errLapsed
	}
	csrf := csrfIn.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || csrf == nil {
		return fmt.Errorf("the task page answered %d", page.status)
	}
	form, ok := pick(page.body, action, values)
	if !ok {
		return fmt.Errorf("the task page offers no form for %s now", action)
	}
	form.Set("csrf", html.UnescapeString(csrf[1]))
	done, err := s.do(ctx, http.MethodPost, s.base+"/taak/"+action, form)
	switch {
	case err != nil:
		return err
	case done.status == http.StatusSeeOther:
		return nil
	case done.status == http.StatusNotFound:
		return errLapsed
	}
	var problems []string
	for _, m := range problemIn.FindAllStringSubmatch(done.body, -1) {
		problems = append(problems, strings.Join(strings.Fields(html.UnescapeString(tagsIn.ReplaceAllString(m[1], " "))), " "))
	}
	return fmt.Errorf("%s refused on the task page (%d): %s", action, done.status, strings.Join(problems, "; "))
}

// pick finds the action's form whose fixed values agree with the payload's
// (of several funding forms, the one for the commitment's step) and fills
// it in.
func pick(page, action string, values url.Values) (url.Values, bool) {
	for _, f := range formsIn.FindAllStringSubmatch(page, -1) {
		if f[1] != action {
			continue
		}
		fixed := url.Values{}
		for _, h := range hiddensIn.FindAllStringSubmatch(f[3], -1) {
			if h[1] != "csrf" {
				fixed.Set(h[1], html.UnescapeString(h[2]))
			}
		}
		fits := true
		for k := range fixed {
			if v := values.Get(k); k != "form" && v != "" && v != fixed.Get(k) {
				fits = false
			}
		}
		if !fits {
			continue
		}
		out := url.Values{}
		for k, v := range values {
			out[k] = v
		}
		for k := range fixed {
			out.Set(k, fixed.Get(k))
		}
		return out, true
	}
	return nil, false
}

// FormValues writes a payload as a form's fields, as a person would type
// it (plan.Values, the inverse of plan.Build).
func FormValues(a plan.Action, p plan.Payload) (url.Values, error) {
	v, err := plan.Values(a, p)
	return url.Values(v), err
}
