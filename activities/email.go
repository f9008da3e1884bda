package activities

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// Recipient roles. Staff is resolved by the worker's configuration, so that
// BMP's address is not baked into running workflows.
const RoleStaff = "staff"

// Recipient is whom an e-mail goes to.
type Recipient struct {
	Role  string `json:"role"` // municipality, producer, teacher, staff
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// EmailRequest is one e-mail of a rollout. (WorkflowID, Template, Step,
// Occurrence) is its identity: the outbox's unique key.
type EmailRequest struct {
	WorkflowID string    `json:"workflowId"`
	Template   string    `json:"template"`
	Step       string    `json:"step"`
	Occurrence int       `json:"occurrence"`
	To         Recipient `json:"to"`
	Data       mail.Data `json:"data"`
}

// Outbox statuses.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusLogged  = "logged"
	StatusFailed  = "failed"
)

// EmailResult says what became of the e-mail.
type EmailResult struct {
	Status    string `json:"status"`
	MessageID string `json:"messageId,omitempty"`
	// Already is true when an earlier attempt had sent it: nothing was sent now.
	Already bool `json:"already,omitempty"`
}

// Error types of SendEmail's non-retryable failures, for a retry policy's
// NonRetryableErrorTypes.
const (
	// ErrTypeEmailRejected marks an e-mail that SendGrid refused for good
	// (e.g. an invalid address): retrying cannot help, a person must correct it.
	ErrTypeEmailRejected = "EmailRejected"
	// ErrTypeTemplate marks an e-mail whose template did not render.
	ErrTypeTemplate = "TemplateError"
)

// recordTimeout bounds recording a send's outcome, which is done even when
// the attempt's context has ended (see SendEmail).
const recordTimeout = 10 * time.Second

// SendEmail renders and sends one e-mail exactly once. It claims the outbox
// row under a row lock, sends, and records SendGrid's message ID in the same
// transaction; a retry or a replay finds the row sent and sends nothing.
//
// The transaction does not end with the attempt's context: database/sql
// rolls a transaction back when its context is done, so a start-to-close
// timeout or a worker shutdown just after SendGrid accepted the mail would
// otherwise lose the record, and the next attempt would send again. Before
// the send, statements still use ctx; after it, the outcome is recorded
// under recordTimeout whatever became of ctx.
//
// The narrow window that can still duplicate: SendGrid accepted the mail but
// the commit that records it failed (the worker died, or PostgreSQL went away,
// between the HTTP response and the commit). The next attempt then sends
// again. SendGrid has no idempotency key, so no design closes it fully.
func (a *Activities) SendEmail(ctx context.Context, req EmailRequest) (EmailResult, error) {
	to := req.To
	if to.Role == RoleStaff {
		to.Email = a.StaffEmail
		if to.Name == "" {
			to.Name = "collega's"
		}
	}
	if err := mail.ValidateAddress(to.Email); err != nil {
		a.countEmail(req.Template, StatusFailed)
		return EmailResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("e-mail %s to %s: %v", req.Template, to.Role, err), ErrTypeEmailRejected, err)
	}
	data := req.Data
	data.WorkflowID = req.WorkflowID
	if data.RecipientName == "" {
		data.RecipientName = to.Name
	}
	msg, err := mail.Render(req.Template, data)
	if err != nil {
		a.countEmail(req.Template, StatusFailed)
		return EmailResult{}, temporal.NewNonRetryableApplicationError("render e-mail", ErrTypeTemplate, err)
	}

	tx, err := a.DB.BeginTxx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return EmailResult{}, fmt.Errorf("begin outbox transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	_, err = tx.ExecContext(ctx, `
		INSERT INTO outbox (workflow_id, template, step, occurrence, recipient, role, subject, body_text, body_html)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT ON CONSTRAINT outbox_key DO NOTHING`,
		req.WorkflowID, req.Template, req.Step, req.Occurrence, to.Email, to.Role, msg.Subject, msg.Text, msg.HTML)
	if err != nil {
		return EmailResult{}, fmt.Errorf("claim outbox row: %w", err)
	}
	var row struct {
		ID        int64          `db:"id"`
		Status    string         `db:"status"`
		MessageID sql.NullString `db:"message_id"`
		Recipient string         `db:"recipient"`
	}
	// The row lock makes a second, concurrent attempt (after a start-to-close
	// timeout) wait for the first instead of sending beside it.
	err = tx.GetContext(ctx, &row, `
		SELECT id, status, message_id, recipient FROM outbox
		WHERE workflow_id = $1 AND template = $2 AND step = $3 AND occurrence = $4
		FOR UPDATE`, req.WorkflowID, req.Template, req.Step, req.Occurrence)
	if err != nil {
		return EmailResult{}, fmt.Errorf("lock outbox row: %w", err)
	}
	log := a.logger().With("workflow_id", req.WorkflowID, "template", req.Template, "step", req.Step, "occurrence", req.Occurrence)
	// The municipality lets operators filter one gemeente's e-mails in the
	// logs without knowing its workflow ID.
	if req.Data.MunicipalityCode != "" {
		log = log.With("municipality", req.Data.MunicipalityCode)
	}
	if row.Status == StatusSent || row.Status == StatusLogged {
		log.Info("e-mail already handled; not sending again", "status", row.Status)
		return EmailResult{Status: row.Status, MessageID: row.MessageID.String, Already: true}, tx.Commit()
	}
	// A corrected address (staff action) replaces the one first stored.
	if row.Recipient != to.Email {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET recipient = $2, updated_at = now() WHERE id = $1`, row.ID, to.Email); err != nil {
			return EmailResult{}, fmt.Errorf("update outbox recipient: %w", err)
		}
	}

	if a.Sender == nil {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = $2, updated_at = now() WHERE id = $1`, row.ID, StatusLogged); err != nil {
			return EmailResult{}, fmt.Errorf("mark e-mail logged: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return EmailResult{}, fmt.Errorf("commit outbox: %w", err)
		}
		a.countEmail(req.Template, StatusLogged)
		log.Info("e-mail not sent (no SENDGRID_API_KEY): stored in the outbox", "to", to.Email, "subject", msg.Subject)
		return EmailResult{Status: StatusLogged}, nil
	}

	env := mail.Envelope{
		From: a.From, ReplyTo: a.ReplyTo, To: mail.Contact{Name: to.Name, Email: to.Email}, Message: msg,
		Categories: []string{"amwaht", req.Template},
		CustomArgs: map[string]string{"workflow_id": req.WorkflowID, "step": req.Step, "template": req.Template, "occurrence": fmt.Sprint(req.Occurrence)},
	}
	id, sendErr := a.Sender.Send(ctx, env)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if sendErr != nil {
		permanent := mail.IsPermanent(sendErr)
		status := StatusPending
		if permanent {
			status = StatusFailed
		} else {
			a.countEmailAttemptFailed(req.Template) // an attempt, failed whatever the commit does
		}
		if _, err := tx.ExecContext(rctx, `UPDATE outbox SET status = $2, attempts = attempts + 1, last_error = $3, updated_at = now() WHERE id = $1`,
			row.ID, status, sendErr.Error()); err != nil {
			return EmailResult{}, errors.Join(sendErr, fmt.Errorf("record send failure: %w", err))
		}
		if err := tx.Commit(); err != nil {
			return EmailResult{}, errors.Join(sendErr, fmt.Errorf("commit outbox: %w", err))
		}
		// Counted once committed: an error above is retried, and the retry
		// would count the refusal again.
		if permanent {
			a.countEmail(req.Template, StatusFailed)
		}
		log.Warn("e-mail not accepted by SendGrid", "to", to.Email, "err", sendErr, "attempt", activity.GetInfo(ctx).Attempt)
		return EmailResult{}, retryable(sendErr)
	}
	if _, err := tx.ExecContext(rctx, `UPDATE outbox SET status = $2, message_id = $3, attempts = attempts + 1, last_error = NULL, sent_at = now(), updated_at = now() WHERE id = $1`,
		row.ID, StatusSent, id); err != nil {
		return EmailResult{}, fmt.Errorf("record sent e-mail: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return EmailResult{}, fmt.Errorf("commit sent e-mail: %w", err)
	}
	a.countEmail(req.Template, StatusSent)
	log.Info("e-mail sent", "to", to.Email, "subject", msg.Subject, "message_id", id)
	return EmailResult{Status: StatusSent, MessageID: id}, nil
}

// retryable turns a send failure into the error Temporal's retry policy acts on:
// permanent refusals are not retried; a server that says when to come back
// is honoured.
func retryable(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) && se.Permanent {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeEmailRejected, err)
	}
	var delay time.Duration
	if se != nil {
		delay = se.RetryAfter
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), "EmailNotSent", temporal.ApplicationErrorOptions{Cause: err, NextRetryDelay: delay})
}
