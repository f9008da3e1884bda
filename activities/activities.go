// Package activities holds the rollout's side effects: e-mails (through an
// outbox in PostgreSQL) and the stimulus premium. Every activity is idempotent:
// a unique key in PostgreSQL decides whether the effect already happened.
package activities

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// Sender delivers one e-mail in one attempt and returns the provider's message ID.
type Sender interface {
	Send(ctx context.Context, e mail.Envelope) (string, error)
}

// Finder is a Sender that can also tell whether it accepted an e-mail,
// found by the envelope's custom args (mail.SendGrid, through SendGrid's Email
// Activity API). With it, a retry after an attempt that lost SendGrid's
// answer does not send a second copy; without it, that retry sends again.
// It returns mail.ErrLookupUnavailable when the account cannot search.
type Finder interface {
	Find(ctx context.Context, customArgs map[string]string) (messageID string, found bool, err error)
}

// Activities is registered on the worker; the workflows call its methods.
type Activities struct {
	DB *sqlx.DB
	// Sender is nil in development (no SENDGRID_API_KEY): e-mails are then
	// rendered, stored and logged, but not sent.
	Sender Sender
	From   mail.Contact
	// ReplyTo is the back office (AMWAHT_REPLY_TO): the reply-to address and
	// the contact every e-mail names. Empty: BMP's (mail.BackOffice).
	ReplyTo    mail.Contact
	StaffEmail string // BMP staff, who receive escalations
	Log        *slog.Logger
	// Metrics counts e-mails and premiums for the worker's metrics endpoint;
	// nil counts nothing.
	Metrics Metrics
	// SendClaim is how long a send attempt holds its e-mail before another
	// attempt may take over (DefaultSendClaim when zero).
	SendClaim time.Duration
	// RetentionDays is how many days after sending PurgeOutbox blanks an
	// e-mail's subject and body (DefaultRetentionDays when zero).
	RetentionDays int
	// Links issues the personal task link that every e-mail asking a
	// municipality, a producer or a teacher to act carries; nil: none.
	Links LinkIssuer
	// PublicURL is the console's address as people reach it
	// (AMWAHT_PUBLIC_URL), the base of the links.
	PublicURL string
}

func (a *Activities) logger() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}
