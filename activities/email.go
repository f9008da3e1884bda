package activities

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	Role  string `json:"role"`          // municipality, producer, teacher, staff
	Ref   string `json:"ref,omitempty"` // a teacher's ID
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// EmailRequest is one e-mail of a rollout. (WorkflowID, RunID, Template,
// Step, Occurrence) is its identity: the outbox's unique key.
type EmailRequest struct {
	WorkflowID string `json:"workflowId"`
	// RunID is the rollout's run (its first run ID): a rollout started again
	// after a cancellation sends its e-mails again.
	RunID      string    `json:"runId,omitempty"`
	Template   string    `json:"template"`
	Step       string    `json:"step"`
	Occurrence int       `json:"occurrence"`
	To         Recipient `json:"to"`
	Data       mail.Data `json:"data"`
	// ResendOf sends again, to To, the e-mail of this workflow, template and
	// step with that occurrence, as it was rendered then (its outbox row):
	// an e-mail that bounced, after staff corrected the address. Data is
	// then unused.
	ResendOf int `json:"resendOf,omitempty"`
}

// Outbox statuses.
const (
	StatusPending = "pending"
	StatusSending = "sending" // claimed by an attempt, or its outcome unknown
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

// DefaultSendClaim is how long an attempt holds its e-mail: SendGrid's
// timeout (mail.DefaultTimeout) plus recordTimeout, with room to spare. It
// stays below the activity's one-minute start-to-close timeout, so the retry
// after a dead worker finds the claim lapsed rather than waiting on it.
const DefaultSendClaim = 45 * time.Second

// recordTimeout bounds recording a send's outcome, which is done whatever
// became of the attempt's context, retrying through a short PostgreSQL outage.
const recordTimeout = 20 * time.Second

// SendEmail renders and sends one e-mail exactly once, in three steps:
//
//  1. claim: in a short transaction, under the outbox row's lock, the attempt
//     finds the e-mail already handled (and sends nothing), held by another
//     attempt (and comes back when that claim lapses), or marks it 'sending'
//     until now + SendClaim;
//  2. send: outside any transaction, so that a PostgreSQL outage or a dead
//     worker during the HTTP call cannot roll back what step 1 recorded;
//  3. record: SendGrid's answer, under its own context and retried through
//     an outage.
//
// An attempt that ends in step 2 or 3 without a recorded answer (SendGrid's
// reply lost, the worker killed) leaves the row 'sending'. The next attempt
// then asks SendGrid's Email Activity API whether the mail was accepted
// before it sends again. Only where that API is unavailable (a paid add-on)
// can such an attempt duplicate the e-mail; the log says so.
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
		// Not the validator's words: they quote the address, and the SDK
		// logs an activity's error.
		return EmailResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("e-mail %s to the %s: the address is not valid", req.Template, to.Role), ErrTypeEmailRejected, nil)
	}
	msg, err := a.message(ctx, req, to)
	if err != nil {
		return EmailResult{}, err
	}
	// Who (the role) and which outbox row, never the address or the subject:
	// logs outlive the outbox's retention and cannot be erased per person.
	log := a.logger().With("workflow_id", req.WorkflowID, "template", req.Template, "step", req.Step, "occurrence", req.Occurrence)
	// The municipality lets operators filter one gemeente's e-mails in the
	// logs without knowing its workflow ID.
	if req.Data.MunicipalityCode != "" {
		log = log.With("municipality", req.Data.MunicipalityCode)
	}

	c, err := a.claimEmail(ctx, req, to, msg)
	if err != nil {
		return EmailResult{}, err
	}
	switch {
	case c.Status == StatusSent || c.Status == StatusLogged:
		log.Info("e-mail already handled; not sending again", "status", c.Status)
		return EmailResult{Status: c.Status, MessageID: c.MessageID.String, Already: true}, nil
	case c.Held > 0:
		log.Info("another attempt is sending this e-mail; trying again when its claim lapses", "wait", c.Held)
		return EmailResult{}, temporal.NewApplicationErrorWithOptions("another attempt is sending this e-mail", "EmailClaimed",
			temporal.ApplicationErrorOptions{NextRetryDelay: c.Held})
	case c.LoggedNow:
		a.countEmail(req.Template, StatusLogged)
		log.Info("e-mail not sent (no SENDGRID_API_KEY): stored in the outbox", "to", to.Role, "outbox_id", c.ID)
		return EmailResult{Status: StatusLogged}, nil
	}

	env := mail.Envelope{
		From: a.From, ReplyTo: a.backOffice(), To: mail.Contact{Name: to.Name, Email: to.Email}, Message: msg,
		Categories: []string{"amwaht", req.Template},
		CustomArgs: map[string]string{"workflow_id": req.WorkflowID, "run_id": req.RunID, "step": req.Step, "template": req.Template, "occurrence": fmt.Sprint(req.Occurrence)},
	}
	if c.Unknown {
		id, found, err := a.findSent(ctx, env, log)
		switch {
		case err != nil:
			log.Warn("could not ask SendGrid whether an earlier attempt's e-mail was accepted", "err", err)
			if rerr := a.record(ctx, c.ID, StatusSending, "", err); rerr != nil {
				return EmailResult{}, errors.Join(err, rerr)
			}
			return EmailResult{}, retryable(err)
		case found:
			if err := a.record(ctx, c.ID, StatusSent, id, nil); err != nil {
				return EmailResult{}, err
			}
			a.countEmail(req.Template, StatusSent)
			log.Info("an earlier attempt's e-mail had reached SendGrid; not sending again", "message_id", id)
			return EmailResult{Status: StatusSent, MessageID: id, Already: true}, nil
		}
		log.Warn("an earlier attempt ended without SendGrid's answer, and SendGrid does not know the e-mail: sending it")
	}

	// The personal link is made for this attempt, after the claim: an
	// e-mail already sent gets none, and the outbox keeps the placeholder.
	var token string
	if a.linked(req, to) && strings.Contains(msg.Text+msg.HTML, mail.LinkPlaceholder) {
		var link string
		var err error
		if token, link, err = a.issueLink(ctx, req, to, c.ID); err != nil {
			if rerr := a.record(ctx, c.ID, StatusPending, "", err); rerr != nil {
				return EmailResult{}, errors.Join(err, rerr)
			}
			return EmailResult{}, err
		}
		env.Message = withLink(msg, link)
	}
	id, sendErr := a.Sender.Send(ctx, env)
	if sendErr != nil {
		var se *mail.SendError
		status := StatusPending
		switch {
		case mail.IsPermanent(sendErr):
			status = StatusFailed
		case errors.As(sendErr, &se) && se.Unknown:
			status = StatusSending // SendGrid may have it: the next attempt asks first
		}
		if token != "" && status != StatusSending {
			// Nobody got it; an attempt whose answer was lost keeps it.
			if err := a.Links.Forget(ctx, token); err != nil {
				log.Warn("could not delete the personal link of an e-mail SendGrid refused", "outbox_id", c.ID, "err", err)
			}
		}
		if status != StatusFailed {
			a.countEmailAttemptFailed(req.Template) // an attempt, failed whatever the record does
		}
		if err := a.record(ctx, c.ID, status, "", sendErr); err != nil {
			return EmailResult{}, errors.Join(sendErr, err)
		}
		// Counted once recorded: an error above is retried, and the retry
		// would count the refusal again.
		if status == StatusFailed {
			a.countEmail(req.Template, StatusFailed)
		}
		log.Warn("e-mail not accepted by SendGrid", "to", to.Role, "outbox_id", c.ID, "err", sendErr, "attempt", activity.GetInfo(ctx).Attempt)
		return EmailResult{}, retryable(sendErr)
	}
	if err := a.record(ctx, c.ID, StatusSent, id, nil); err != nil {
		return EmailResult{}, err
	}
	a.countEmail(req.Template, StatusSent)
	log.Info("e-mail sent", "to", to.Role, "outbox_id", c.ID, "message_id", id)
	return EmailResult{Status: StatusSent, MessageID: id}, nil
}

// message renders the e-mail, with its calendar invitation when it carries
// one; an e-mail sent again is the one first rendered, from its outbox row.
func (a *Activities) message(ctx context.Context, req EmailRequest, to Recipient) (mail.Message, error) {
	if req.ResendOf > 0 {
		msg, err := a.storedMessage(ctx, req)
		if !errors.Is(err, errPurged) {
			return msg, err
		}
		// Past the outbox's retention: the e-mail is rendered anew.
	}
	data := req.Data
	data.WorkflowID = req.WorkflowID
	if data.RecipientName == "" {
		data.RecipientName = to.Name
	}
	if a.linked(req, to) {
		data.Link = linkSentinel
	}
	msg, err := mail.RenderFor(req.Template, data, a.backOffice())
	msg = placeholderLink(msg)
	if err == nil {
		var inv *mail.Attachment
		inv, err = mail.Invitation(data, a.backOffice(), mail.Contact{Name: to.Name, Email: to.Email}, time.Now())
		if inv != nil {
			msg.Attachments = append(msg.Attachments, *inv)
		}
	}
	if err != nil {
		a.countEmail(req.Template, StatusFailed)
		return msg, temporal.NewNonRetryableApplicationError("render e-mail", ErrTypeTemplate, err)
	}
	return msg, nil
}

// errPurged: the e-mail to send again was blanked by the retention purge.
var errPurged = errors.New("the stored e-mail was purged")

// storedMessage reads the e-mail that req sends again.
func (a *Activities) storedMessage(ctx context.Context, req EmailRequest) (mail.Message, error) {
	var row struct {
		Subject     string `db:"subject"`
		Text        string `db:"body_text"`
		HTML        string `db:"body_html"`
		Attachments []byte `db:"attachments"`
	}
	err := a.DB.GetContext(ctx, &row, `
		SELECT subject, body_text, body_html, attachments FROM outbox
		WHERE workflow_id = $1 AND run_id = $2 AND template = $3 AND step = $4 AND occurrence = $5`,
		req.WorkflowID, req.RunID, req.Template, req.Step, req.ResendOf)
	if errors.Is(err, sql.ErrNoRows) {
		return mail.Message{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("e-mail %s/%s #%d to send again is not in the outbox", req.Template, req.Step, req.ResendOf), ErrTypeTemplate, err)
	}
	if err != nil {
		return mail.Message{}, fmt.Errorf("read the e-mail to send again: %w", err)
	}
	if row.Subject == "" && row.Text == "" {
		return mail.Message{}, errPurged
	}
	msg := mail.Message{Subject: row.Subject, Text: row.Text, HTML: row.HTML}
	if len(row.Attachments) > 0 {
		if err := json.Unmarshal(row.Attachments, &msg.Attachments); err != nil {
			return msg, temporal.NewNonRetryableApplicationError("read the stored attachments", ErrTypeTemplate, err)
		}
	}
	return msg, nil
}

// backOffice is whom every e-mail names as its contact and replies go to
// (AMWAHT_REPLY_TO), BMP's back office when unset.
func (a *Activities) backOffice() mail.Contact {
	return mail.BackOfficeAt(a.ReplyTo)
}

// emailClaim is what an attempt found when it claimed its e-mail.
type emailClaim struct {
	ID        int64
	Status    string
	MessageID sql.NullString
	// Held is how long another attempt still holds the e-mail; zero if free.
	Held time.Duration
	// Unknown is true when an earlier attempt ended without knowing whether
	// SendGrid accepted the e-mail.
	Unknown bool
	// LoggedNow is true when, without a Sender, this attempt stored the
	// e-mail as logged.
	LoggedNow bool
}

// claimEmail is step 1 of SendEmail. Without a Sender it stores the e-mail
// as logged at once.
func (a *Activities) claimEmail(ctx context.Context, req EmailRequest, to Recipient, msg mail.Message) (emailClaim, error) {
	var c emailClaim
	tx, err := a.DB.BeginTxx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("begin outbox transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var attachments []byte // NULL without attachments
	if len(msg.Attachments) > 0 {
		if attachments, err = json.Marshal(msg.Attachments); err != nil {
			return c, fmt.Errorf("store attachments: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO outbox (workflow_id, run_id, template, step, occurrence, recipient, role, subject, body_text, body_html,
			recipient_ref, attachments, resend_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, nullif($13, 0))
		ON CONFLICT ON CONSTRAINT outbox_key DO NOTHING`,
		req.WorkflowID, req.RunID, req.Template, req.Step, req.Occurrence, to.Email, to.Role, msg.Subject, msg.Text, msg.HTML,
		to.Ref, attachments, req.ResendOf)
	if err != nil {
		return c, fmt.Errorf("claim outbox row: %w", err)
	}
	var held float64
	// The row lock orders concurrent attempts: one claims, the others see its claim.
	err = tx.QueryRowxContext(ctx, `
		SELECT id, status, message_id, coalesce(extract(epoch FROM claimed_until - now()), 0)
		FROM outbox
		WHERE workflow_id = $1 AND run_id = $2 AND template = $3 AND step = $4 AND occurrence = $5
		FOR UPDATE`, req.WorkflowID, req.RunID, req.Template, req.Step, req.Occurrence).Scan(&c.ID, &c.Status, &c.MessageID, &held)
	if err != nil {
		return c, fmt.Errorf("lock outbox row: %w", err)
	}
	switch {
	case c.Status == StatusSent || c.Status == StatusLogged:
		return c, tx.Commit()
	case c.Status == StatusSending && held > 0:
		c.Held = time.Duration(held * float64(time.Second))
		return c, tx.Commit()
	}
	c.Unknown = c.Status == StatusSending

	status, claim := StatusSending, a.SendClaim
	if claim <= 0 {
		claim = DefaultSendClaim
	}
	if a.Sender == nil {
		status = StatusLogged
	}
	// A corrected address (staff action) replaces the one first stored.
	_, err = tx.ExecContext(ctx, `
		UPDATE outbox SET status = $2, recipient = $3, attempts = attempts + 1,
			claimed_until = CASE WHEN $2 = 'sending' THEN now() + make_interval(secs => $4) END,
			updated_at = now()
		WHERE id = $1`, c.ID, status, to.Email, claim.Seconds())
	if err != nil {
		return c, fmt.Errorf("claim outbox row: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return c, fmt.Errorf("commit outbox claim: %w", err)
	}
	c.LoggedNow = a.Sender == nil
	return c, nil
}

// findSent asks the Sender whether it accepted the e-mail. A Sender that
// cannot say counts as "not found": the e-mail goes again.
func (a *Activities) findSent(ctx context.Context, env mail.Envelope, log *slog.Logger) (string, bool, error) {
	f, ok := a.Sender.(Finder)
	if !ok {
		return "", false, nil
	}
	id, found, err := f.Find(ctx, env.CustomArgs)
	if errors.Is(err, mail.ErrLookupUnavailable) {
		log.Warn("SendGrid cannot say whether it has the e-mail; sending again may duplicate it", "err", err)
		return "", false, nil
	}
	return id, found, err
}

// record is step 3 of SendEmail: the outcome of the attempt, which releases
// its claim. It runs under its own context (database/sql would abandon the
// statement when the attempt's context ends, and the next attempt would send
// again) and retries through a short PostgreSQL outage.
func (a *Activities) record(ctx context.Context, id int64, status, messageID string, sendErr error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	var lastError sql.NullString
	if sendErr != nil {
		lastError = sql.NullString{String: sendErr.Error(), Valid: true}
	}
	delay := 100 * time.Millisecond
	for {
		_, err := a.DB.ExecContext(rctx, `
			UPDATE outbox SET status = $2, message_id = nullif($3, ''), last_error = $4, claimed_until = NULL,
				sent_at = CASE WHEN $2 = 'sent' THEN now() END, updated_at = now()
			WHERE id = $1`, id, status, messageID, lastError)
		if err == nil {
			return nil
		}
		select {
		case <-rctx.Done():
			return fmt.Errorf("record e-mail %s: %w", status, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
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
