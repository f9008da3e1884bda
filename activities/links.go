package activities

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
)

// LinkIssuer issues the personal task links (internal/links.Store).
type LinkIssuer interface {
	Issue(ctx context.Context, g links.Grant, now time.Time) (string, error)
	Forget(ctx context.Context, token string) error
}

// linkSentinel stands in the rendered e-mail where the link goes: letters
// and hyphens only, so that html/template leaves it as it is in an href.
// It never leaves the process: the outbox gets mail.LinkPlaceholder.
const linkSentinel = "amwaht-persoonlijke-link-3f9c1e7a"

// linked tells whether the e-mail carries a personal task link: one that
// asks a municipality, a producer or a teacher to act.
func (a *Activities) linked(req EmailRequest, to Recipient) bool {
	if a.Links == nil || a.PublicURL == "" || !mail.AsksToAct(req.Template) {
		return false
	}
	switch plan.Party(to.Role) {
	case plan.PartyMunicipality, plan.PartyProducer:
		return true
	case plan.PartyTeacher:
		return to.Ref != ""
	}
	return false
}

// placeholderLink stores the e-mail with mail.LinkPlaceholder where the
// link will go.
func placeholderLink(m mail.Message) mail.Message {
	m.Text = strings.ReplaceAll(m.Text, linkSentinel, mail.LinkPlaceholder)
	m.HTML = strings.ReplaceAll(m.HTML, linkSentinel, mail.LinkPlaceholder)
	return m
}

// withLink is the e-mail as sent: the placeholder replaced by the link.
func withLink(m mail.Message, link string) mail.Message {
	m.Text = strings.ReplaceAll(m.Text, mail.LinkPlaceholder, link)
	m.HTML = strings.ReplaceAll(m.HTML, mail.LinkPlaceholder, html.EscapeString(link))
	return m
}

// issueLink makes the link an attempt sends. Every attempt that sends makes
// its own: a retry after a lost answer may deliver a second link, and both
// work.
func (a *Activities) issueLink(ctx context.Context, req EmailRequest, to Recipient, outboxID int64) (token, link string, err error) {
	g := links.Grant{WorkflowID: req.WorkflowID, Party: plan.Party(to.Role), Teacher: to.Ref, OutboxID: outboxID}
	if !strings.HasSuffix(req.WorkflowID, "-cohort") {
		g.RunID = req.RunID // a cohort's run is its own; links.Grant says how such a link is scoped
	}
	token, err = a.Links.Issue(ctx, g, time.Now())
	if err != nil {
		return "", "", fmt.Errorf("issue the personal link of e-mail %s to the %s: %w", req.Template, to.Role, err)
	}
	return token, strings.TrimRight(a.PublicURL, "/") + "/taak/" + token, nil
}
