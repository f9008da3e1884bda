package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
)

// ByLinks is the demo rollout whose municipality and producer act through
// the personal links in their e-mails (Rotterdam, which graduates), so a
// newcomer sees both ways: staff recording, and parties entering it
// themselves.
const ByLinks = "GM0599"

// mailSink is the SendGrid stand-in the demo's worker sends through: it
// keeps every e-mail in memory, and the scripted actor reads the parties'
// links from it.
type mailSink struct {
	sg   *sendgridfake.Server
	link *regexp.Regexp

	mu    sync.Mutex
	shown map[string]bool // the first link of each party, printed once
	out   io.Writer
}

func newMailSink(sg *sendgridfake.Server, publicURL string, out io.Writer) *mailSink {
	return &mailSink{sg: sg, out: out, shown: map[string]bool{},
		link: regexp.MustCompile(regexp.QuoteMeta(strings.TrimRight(publicURL, "/")) + `/taak/[A-Za-z0-9_-]{43}`)}
}

// LinkTo is the newest personal link e-mailed to an address for a rollout
// (or its cohort).
func (m *mailSink) LinkTo(rolloutID, address string) string {
	ms := m.sg.Mails()
	for i := len(ms) - 1; i >= 0; i-- {
		e := ms[i]
		if !strings.HasPrefix(e.CustomArgs["workflow_id"], rolloutID) || len(e.To) == 0 || !strings.EqualFold(e.To[0], address) {
			continue
		}
		if l := m.link.FindString(e.Text); l != "" {
			m.show(address, e.Subject, l)
			return l
		}
	}
	return ""
}

// show prints the first link each party gets, so the newcomer can open the
// same task page the scripted actor uses (the demo's output, never a log).
func (m *mailSink) show(address, subject, link string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shown[address] {
		return
	}
	m.shown[address] = true
	fmt.Fprintf(m.out, "\n  Persoonlijke link uit %q aan %s (Rotterdam):\n  %s\n\n", subject, address, link)
}

// driveByLinks plays the rollout through its parties' links until it ends.
func driveByLinks(ctx context.Context, sink *mailSink, out io.Writer, log *slog.Logger) {
	c, err := app.DialTemporalAs(ctx, "demo-links", log)
	if err != nil {
		fmt.Fprintln(out, "simulate by links:", err)
		return
	}
	defer c.Close()
	dc, err := app.DataConverter()
	if err != nil {
		fmt.Fprintln(out, "simulate by links:", err)
		return
	}
	rc := &rollout.Client{T: c, Actor: simulate.Player, Converter: dc}
	actor := &simulate.Actor{C: rc, Out: out, Poll: 300 * time.Millisecond, Links: &simulate.Browser{Mail: sink}}
	if err := actor.Run(ctx, []string{rollout.WorkflowID("demo", ByLinks)}, []simulate.Variant{simulate.HappyPath}); err != nil && ctx.Err() == nil {
		fmt.Fprintln(out, "simulate by links:", err)
	}
}

// byLinks and mailNote are the banner's lines about the links.
func byLinks(sink *mailSink) string {
	if sink == nil {
		return ""
	}
	return `; Rotterdam's municipality and
producer act through the personal links in their e-mails (the actor opens
them like a browser and fills in their task pages), staff only record the
course days`
}

func mailNote(sink *mailSink) string {
	if sink == nil {
		return "  E-mails go through SendGrid (SENDGRID_API_KEY is set)."
	}
	return `  E-mails go to a SendGrid stand-in in this process (nothing leaves the
  machine); the outbox in PostgreSQL keeps them, with "[persoonlijke link]"
  where the link was. Rotterdam's e-mails and who did what:
           http://127.0.0.1:8088/uitrol/demo/GM0599  (signed in)
           go run ./starter emails list GM0599 --wave demo
           go run ./starter status GM0599 --wave demo   ("… via link")
  The first link each of Rotterdam's parties gets is printed below: open
  it to see their task page.`
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}
