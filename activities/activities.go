// Package activities holds the rollout's side effects: e-mails (through an
// outbox in PostgreSQL) and the stimulus premium. Every activity is idempotent:
// a unique key in PostgreSQL decides whether the effect already happened.
package activities

import (
	"context"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// Sender delivers one e-mail in one attempt and returns the provider's message ID.
type Sender interface {
	Send(ctx context.Context, e mail.Envelope) (string, error)
}

// Activities is registered on the worker; the workflows call its methods.
type Activities struct {
	DB *sqlx.DB
	// Sender is nil in development (no SENDGRID_API_KEY): e-mails are then
	// rendered, stored and logged, but not sent.
	Sender     Sender
	From       mail.Contact
	ReplyTo    mail.Contact
	StaffEmail string // BMP staff, who receive escalations
	Log        *slog.Logger
	// Metrics counts e-mails and premiums for the worker's metrics endpoint;
	// nil counts nothing.
	Metrics Metrics
}

func (a *Activities) logger() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}
