package console

import (
	"context"
	"fmt"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// TaskLink sends a party the personal link they asked for (template
// task-link), once, apart from the outbox: the link is a token, and a link
// that does not arrive is asked for again.
func (s MailSender) TaskLink(ctx context.Context, to mail.Contact, d mail.Data) error {
	msg, err := mail.RenderFor("task-link", d, mail.BackOfficeAt(s.ReplyTo))
	if err != nil {
		return err
	}
	_, err = s.Sender.Send(ctx, mail.Envelope{
		From: s.From, ReplyTo: s.ReplyTo, To: to, Message: msg,
		Categories: []string{"amwaht", "task-link"},
		CustomArgs: map[string]string{"workflow_id": d.WorkflowID, "template": "task-link"},
	})
	if err != nil {
		return fmt.Errorf("send a task link for %s: %w", d.WorkflowID, err)
	}
	return nil
}

// TaskLink shows the link in the demo's output (never in a log).
func (p PrintMailer) TaskLink(_ context.Context, to mail.Contact, d mail.Data) error {
	_, err := fmt.Fprintf(p.Out, "\n  Nieuwe persoonlijke link voor %s (%s, %s):\n  %s\n\n", to.Email, d.Municipality, d.WorkflowID, d.Link)
	return err
}

// TaskLink cannot send without SendGrid.
func (NoMailer) TaskLink(context.Context, mail.Contact, mail.Data) error {
	return fmt.Errorf("no SENDGRID_API_KEY: the console cannot e-mail task links")
}
