// Package privacy answers a person's requests about what amwaht holds in
// PostgreSQL: an export of everything about an e-mail address, and its
// erasure (AVG/GDPR articles 15 and 17). The workflow histories hold the
// rest, encrypted (internal/codec), until Temporal's retention deletes them.
package privacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/address"
)

// Tables says, for every table of the schema, what it holds about people
// and how Export and Erase treat it. A table added to the schema must be
// added here (a test compares the two).
var Tables = map[string]string{
	"outbox":           "e-mails sent: the recipient's address, subject and body (names, reasons); exported and erased by address",
	"payments":         "stimulus premiums: municipality, wave, organisation and amount; no personal data",
	"goose_db_version": "applied migrations; no personal data",
	"delivery_events":  "SendGrid's delivery events: kind, time and SendGrid's classified reason (never the address or the receiving server's text), linked to an outbox row; nothing about a person of its own",
	"staff":            "BMP staff who may sign in to the console: address and name; exported by address, erased once removed (the name on what they recorded stays, encrypted, in the histories)",
	"signin_tokens":    "hashes of one-time sign-in links and whose they are; deleted with the staff member's erasure, purged an hour after lapsing",
	"sessions":         "console sessions: the staff member's ID and an anti-forgery token; no address or name; they lapse within 12 hours",
	"task_links":       "hashes of the personal task links e-mailed to parties: rollout, party, teacher ID, the e-mail that carried each (the outbox row holds the address), when issued, used and revoked; nothing about a person of its own; revoked when the rollout ends, deleted 30 days later",
	"task_sessions":    "task page sessions: the link's hash and an anti-forgery token; no address or name; they lapse within 8 hours",
	"participants":     "participants' details a producer uploaded on the task page: name, e-mail address, phone, by rollout and participant ID; exported and erased by address",
}

// StaffMember is the person as a console user.
type StaffMember struct {
	Email   string     `db:"email" json:"email"`
	Name    string     `db:"name" json:"name"`
	Added   time.Time  `db:"created_at" json:"added"`
	Removed *time.Time `db:"removed_at" json:"removed,omitempty"`
}

// Email is one e-mail held about the person: sent to them, or naming their
// address in its body.
type Email struct {
	ID         int64      `db:"id" json:"-"`
	WorkflowID string     `db:"workflow_id" json:"workflowId"`
	Template   string     `db:"template" json:"template"`
	Step       string     `db:"step" json:"step"`
	Role       string     `db:"role" json:"role"`
	Recipient  string     `db:"recipient" json:"recipient"`
	Subject    string     `db:"subject" json:"subject"`
	Body       string     `db:"body_text" json:"body"`
	Status     string     `db:"status" json:"status"`
	Error      string     `db:"last_error" json:"error,omitempty"`
	Created    time.Time  `db:"created_at" json:"created"`
	Sent       *time.Time `db:"sent_at" json:"sent,omitempty"`
	Purged     *time.Time `db:"purged_at" json:"purged,omitempty"`
	ToPerson   bool       `db:"to_person" json:"toPerson"` // addressed to them, not merely naming them
}

// Export is everything held about an address.
type Export struct {
	Address string    `json:"address"`
	At      time.Time `json:"at"`
	Emails  []Email   `json:"emails"`
	// Rollouts are the workflows whose e-mails concern the person: their
	// histories (encrypted) may hold the address and name too, until the
	// namespace's retention after the rollout ends.
	Rollouts []string `json:"rollouts"`
	// Staff is the person's console account, if they are or were BMP staff.
	Staff []StaffMember `json:"staff"`
	// Participants are what producers uploaded about the person as a
	// participant (the rollout's history holds only the ID).
	Participants []Participant `json:"participants"`
}

// Participant is the person as a producer enrolled them.
type Participant struct {
	WorkflowID string    `db:"workflow_id" json:"workflowId"`
	ID         string    `db:"participant_id" json:"id"`
	Name       string    `db:"name" json:"name"`
	Email      string    `db:"email" json:"email"`
	Phone      string    `db:"phone" json:"phone"`
	Added      time.Time `db:"created_at" json:"added"`
}

// Normalize checks an address and lower-cases it for lookups.
func Normalize(email string) (string, error) {
	email = strings.TrimSpace(email)
	if err := address.Validate(email); err != nil {
		return "", err
	}
	return strings.ToLower(email), nil
}

// concerning selects the outbox rows about an address: sent to it, or
// naming it in the subject or body. $1 is the lower-cased address.
const concerning = `(lower(recipient) = $1 OR strpos(lower(subject), $1) > 0 OR strpos(lower(body_text), $1) > 0)`

// ExportOf reads everything the database holds about an address.
func ExportOf(ctx context.Context, db *sqlx.DB, email string) (Export, error) {
	addr, err := Normalize(email)
	if err != nil {
		return Export{}, err
	}
	x := Export{Address: addr, At: time.Now().UTC(), Emails: []Email{}, Rollouts: []string{}, Staff: []StaffMember{}, Participants: []Participant{}}
	err = db.SelectContext(ctx, &x.Staff, `SELECT email, name, created_at, removed_at FROM staff WHERE lower(email) = $1 ORDER BY created_at`, addr)
	if err != nil {
		return x, fmt.Errorf("read the staff list: %w", err)
	}
	err = db.SelectContext(ctx, &x.Emails, `
		SELECT id, workflow_id, template, step, role, recipient, subject, body_text, status,
		       coalesce(last_error, '') AS last_error, created_at, sent_at, purged_at,
		       lower(recipient) = $1 AS to_person
		FROM outbox WHERE `+concerning+` ORDER BY created_at, id`, addr)
	if err != nil {
		return x, fmt.Errorf("read the outbox: %w", err)
	}
	err = db.SelectContext(ctx, &x.Participants, `SELECT workflow_id, participant_id, name, email, phone, created_at
		FROM participants WHERE lower(email) = $1 ORDER BY created_at, workflow_id`, addr)
	if err != nil {
		return x, fmt.Errorf("read the participants: %w", err)
	}
	seen := map[string]bool{}
	for _, id := range x.rolloutIDs() {
		if !seen[id] {
			seen[id] = true
			x.Rollouts = append(x.Rollouts, id)
		}
	}
	return x, nil
}

func (x Export) rolloutIDs() []string {
	var ids []string
	for _, e := range x.Emails {
		ids = append(ids, e.WorkflowID)
	}
	for _, p := range x.Participants {
		ids = append(ids, p.WorkflowID)
	}
	return ids
}

// Erasure is what Erase changed.
type Erasure struct {
	Address string `json:"address"`
	// Addressed: e-mails to the person whose address, subject and body were
	// blanked.
	Addressed int `json:"addressed"`
	// Mentioning: e-mails to others that named the address, whose subject
	// and body were blanked.
	Mentioning int `json:"mentioning"`
	// InFlight: e-mails being sent right now, left alone; run the erasure
	// again in a minute.
	InFlight int      `json:"inFlight"`
	Rollouts []string `json:"rollouts"`
	// Staff: console accounts anonymised (removed ones only: a member still
	// on the staff list is removed first, with starter staff remove).
	Staff int `json:"staff"`
	// StillStaff: the address is a member's who may still sign in; their
	// account was left alone.
	StillStaff bool `json:"stillStaff,omitempty"`
	// Participants: participant details deleted (the rollout keeps the ID).
	Participants int `json:"participants"`
}

// Erase blanks, in one transaction, the address, subject, body and error of
// every handled e-mail to the person, and the subject and body of every
// e-mail to others that names the address. The rows stay, with template,
// step, status and SendGrid's message ID: they keep a replayed workflow
// from sending the e-mail again. E-mails being sent at this moment are
// left alone and counted.
func Erase(ctx context.Context, db *sqlx.DB, email string) (Erasure, error) {
	addr, err := Normalize(email)
	if err != nil {
		return Erasure{}, err
	}
	er := Erasure{Address: addr, Rollouts: []string{}}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return er, fmt.Errorf("erase: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := tx.SelectContext(ctx, &er.Rollouts, `SELECT workflow_id FROM outbox WHERE `+concerning+`
		UNION SELECT workflow_id FROM participants WHERE lower(email) = $1 ORDER BY workflow_id`, addr); err != nil {
		return er, fmt.Errorf("erase: %w", err)
	}
	if err := tx.GetContext(ctx, &er.InFlight, `SELECT count(*) FROM outbox WHERE `+concerning+` AND status IN ('pending', 'sending')`, addr); err != nil {
		return er, fmt.Errorf("erase: %w", err)
	}
	r, err := tx.ExecContext(ctx, `
		UPDATE outbox SET recipient = '', subject = '', body_text = '', body_html = '', last_error = NULL,
			erased_at = now(), purged_at = coalesce(purged_at, now())
		WHERE lower(recipient) = $1 AND status NOT IN ('pending', 'sending')`, addr)
	if err != nil {
		return er, fmt.Errorf("erase e-mails to %s: %w", addr, err)
	}
	er.Addressed = affected(r)
	r, err = tx.ExecContext(ctx, `
		UPDATE outbox SET subject = '', body_text = '', body_html = '', last_error = NULL,
			erased_at = now(), purged_at = coalesce(purged_at, now())
		WHERE `+concerning+` AND status NOT IN ('pending', 'sending')`, addr)
	if err != nil {
		return er, fmt.Errorf("erase e-mails naming %s: %w", addr, err)
	}
	er.Mentioning = affected(r)
	if err := eraseStaff(ctx, tx, addr, &er); err != nil {
		return er, err
	}
	r, err = tx.ExecContext(ctx, `DELETE FROM participants WHERE lower(email) = $1`, addr)
	if err != nil {
		return er, fmt.Errorf("erase participant details: %w", err)
	}
	er.Participants = affected(r)
	if err := tx.Commit(); err != nil {
		return er, fmt.Errorf("erase: %w", err)
	}
	return er, nil
}

// eraseStaff anonymises a removed staff member's account and deletes their
// sign-in links.
func eraseStaff(ctx context.Context, tx *sqlx.Tx, addr string, er *Erasure) error {
	if err := tx.GetContext(ctx, &er.StillStaff, `SELECT EXISTS (SELECT 1 FROM staff WHERE lower(email) = $1 AND removed_at IS NULL)`, addr); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM signin_tokens WHERE staff_id IN (SELECT id FROM staff WHERE lower(email) = $1 AND removed_at IS NOT NULL)`, addr); err != nil {
		return fmt.Errorf("erase sign-in links: %w", err)
	}
	r, err := tx.ExecContext(ctx, `UPDATE staff SET email = '', name = 'verwijderd' WHERE lower(email) = $1 AND removed_at IS NOT NULL`, addr)
	if err != nil {
		return fmt.Errorf("erase staff account: %w", err)
	}
	er.Staff = affected(r)
	return nil
}

func affected(r interface{ RowsAffected() (int64, error) }) int {
	n, _ := r.RowsAffected()
	return int(n)
}
