package mail

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"
)

// Envelope is one e-mail ready to send.
type Envelope struct {
	From       Contact
	ReplyTo    Contact
	To         Contact
	Message    Message
	Categories []string
	CustomArgs map[string]string
}

// SendError is a refused or failed send. Permanent errors (4xx other than
// 429) will fail again however often they are retried: a person must act.
type SendError struct {
	Status     int
	Body       string
	Permanent  bool
	RetryAfter time.Duration // what the server asked us to wait, if it said
	// Unknown is true when no answer came (a timeout, a dropped connection):
	// SendGrid may have accepted the mail all the same.
	Unknown bool
	Err     error
}

func (e *SendError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sendgrid: %v", e.Err)
	}
	return fmt.Sprintf("sendgrid: HTTP %d: %s", e.Status, strings.TrimSpace(e.Body))
}

func (e *SendError) Unwrap() error { return e.Err }

// SendGrid sends through SendGrid's v3 mail API. It makes exactly one HTTP
// attempt per call: retrying is the caller's (Temporal's) job, because
// sendgrid-go's own retry ignores context cancellation and retries only 429.
type SendGrid struct {
	APIKey  string
	Host    string // e.g. https://api.sendgrid.com; tests use a local server
	Sandbox bool   // SendGrid validates and accepts but delivers nothing
	Timeout time.Duration
}

// DefaultHost is SendGrid's API.
const DefaultHost = "https://api.sendgrid.com"

// Send makes one attempt and returns SendGrid's X-Message-Id.
func (s SendGrid) Send(ctx context.Context, e Envelope) (string, error) {
	m := sgmail.NewV3Mail()
	m.SetFrom(sgmail.NewEmail(e.From.Name, e.From.Email))
	if e.ReplyTo.Email != "" {
		m.SetReplyTo(sgmail.NewEmail(e.ReplyTo.Name, e.ReplyTo.Email))
	}
	m.Subject = e.Message.Subject
	p := sgmail.NewPersonalization()
	p.AddTos(sgmail.NewEmail(e.To.Name, e.To.Email))
	for k, v := range e.CustomArgs {
		p.SetCustomArg(k, v)
	}
	m.AddPersonalizations(p)
	// SendGrid rejects a request whose text/html comes before text/plain.
	m.AddContent(sgmail.NewContent("text/plain", e.Message.Text), sgmail.NewContent("text/html", e.Message.HTML))
	m.AddCategories(e.Categories...)
	for _, a := range e.Message.Attachments {
		att := sgmail.NewAttachment()
		att.SetContent(base64.StdEncoding.EncodeToString(a.Content))
		att.SetType(a.Type)
		att.SetFilename(a.Filename)
		att.SetDisposition("attachment")
		m.AddAttachment(att)
	}
	if s.Sandbox {
		settings := sgmail.NewMailSettings()
		settings.SetSandboxMode(sgmail.NewSetting(true))
		m.SetMailSettings(settings)
	}

	req := sendgrid.GetRequest(s.APIKey, "/v3/mail/send", s.host())
	req.Method = rest.Post
	req.Body = sgmail.GetRequestBody(m)
	// A Client per call: sendgrid's is not safe to share, and its default
	// HTTP client has no timeout.
	c := &rest.Client{HTTPClient: &http.Client{Timeout: s.timeout()}}
	resp, err := c.SendWithContext(ctx, req)
	if err != nil {
		return "", &SendError{Err: err, Unknown: true}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return header(resp.Headers, "X-Message-Id"), nil
	}
	se := &SendError{Status: resp.StatusCode, Body: truncate(resp.Body, 500)}
	se.Permanent = resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout
	se.RetryAfter = retryAfter(resp.Headers, time.Now())
	return "", se
}

// DefaultTimeout bounds one HTTP call to SendGrid.
const DefaultTimeout = 15 * time.Second

func (s SendGrid) host() string {
	if s.Host == "" {
		return DefaultHost
	}
	return s.Host
}

func (s SendGrid) timeout() time.Duration {
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

func header(h map[string][]string, name string) string {
	if v := http.Header(h).Get(name); v != "" {
		return v
	}
	return ""
}

// retryAfter reads Retry-After (seconds or an HTTP date) or SendGrid's
// X-RateLimit-Reset (a Unix time).
func retryAfter(h map[string][]string, now time.Time) time.Duration {
	if v := header(h, "Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	if v := header(h, "X-RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			if d := time.Unix(s, 0).Sub(now); d > 0 {
				return d
			}
		}
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// IsPermanent tells whether retrying the send cannot help.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}
