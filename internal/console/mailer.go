package console

import (
	"context"
	"fmt"
	"io"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/staff"
)

// Mailer sends a staff member their sign-in link, and a party the new
// personal link they asked for on the task pages (mailer_tasks.go).
type Mailer interface {
	SignIn(ctx context.Context, m staff.Member, link string) error
	TaskLink(ctx context.Context, to mail.Contact, d mail.Data) error
}

// Sender is what sends one e-mail (mail.SendGrid).
type Sender interface {
	Send(ctx context.Context, e mail.Envelope) (string, error)
}

// MailSender sends sign-in links through SendGrid, once: a link that does not
// arrive is asked for again.
type MailSender struct {
	Sender  Sender
	From    mail.Contact
	ReplyTo mail.Contact
}

func (s MailSender) SignIn(ctx context.Context, m staff.Member, link string) error {
	msg, err := mail.Render("staff-signin", mail.Data{RecipientName: m.Name, Link: link})
	if err != nil {
		return err
	}
	_, err = s.Sender.Send(ctx, mail.Envelope{
		From: s.From, ReplyTo: s.ReplyTo, To: mail.Contact{Name: m.Name, Email: m.Email}, Message: msg,
		Categories: []string{"amwaht", "staff-signin"},
	})
	if err != nil {
		return fmt.Errorf("send sign-in link to staff member %d: %w", m.ID, err)
	}
	return nil
}

// PrintMailer is the demo's: it stores nothing and sends nothing, but shows
// the sign-in link in the demo's own output (never in a log).
type PrintMailer struct{ Out io.Writer }

func (p PrintMailer) SignIn(_ context.Context, m staff.Member, link string) error {
	_, err := fmt.Fprintf(p.Out, "\n  Inloglink voor %s (%s), 15 minuten geldig:\n  %s\n\n", m.Name, m.Email, link)
	return err
}

// NoMailer is a console without e-mail: it cannot send sign-in links, and
// says so in its log.
type NoMailer struct{}

func (NoMailer) SignIn(context.Context, staff.Member, string) error {
	return fmt.Errorf("no SENDGRID_API_KEY: the console cannot e-mail sign-in links")
}
