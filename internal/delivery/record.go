package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// outboxRow is the e-mail an event is about.
type outboxRow struct {
	ID         int64  `db:"id"`
	WorkflowID string `db:"workflow_id"`
	Template   string `db:"template"`
	Step       string `db:"step"`
	Occurrence int    `db:"occurrence"`
	Role       string `db:"role"`
	Ref        string `db:"recipient_ref"`
	stateRow
}

// handle records one event, once: a new sg_event_id updates its e-mail's
// state and, for a failure of an e-mail that asks someone to act, is
// reported to the rollout. An event seen before is skipped, unless its
// report did not get through then (SendGrid's retry is the second chance).
func (h *Handler) handle(ctx context.Context, ev event) error {
	if ev.ID == "" || ev.Event == "" {
		h.log.Warn("event without sg_event_id or event name ignored")
		return nil
	}
	if ev.At.IsZero() {
		ev.At = h.now()
	}
	row, err := h.match(ctx, ev)
	if err != nil {
		return err
	}
	needReport, fresh, err := h.record(ctx, ev, row)
	if err != nil || !needReport {
		return err
	}
	if !fresh {
		h.log.Info("event seen before; its report to the rollout is retried", "sg_event_id", ev.ID)
	}
	return h.reportFailure(ctx, ev, row)
}

// match finds the e-mail's outbox row by its custom args; nil when the
// event is not about one of amwaht's e-mails (or the row was purged).
func (h *Handler) match(ctx context.Context, ev event) (*outboxRow, error) {
	a := ev.Args
	occ, err := strconv.Atoi(a["occurrence"])
	if a["workflow_id"] == "" || a["template"] == "" || err != nil {
		h.log.Info("event without amwaht's custom args; recorded, not matched", "sg_event_id", ev.ID, "event", ev.Event)
		return nil, nil
	}
	q := `SELECT id, workflow_id, template, step, occurrence, role, recipient_ref,
			delivery, delivery_reason, delivery_at, delivered_at, opened_at, clicked_at
		FROM outbox WHERE workflow_id = $1 AND template = $2 AND step = $3 AND occurrence = $4`
	args := []any{a["workflow_id"], a["template"], a["step"], occ}
	if h.runIDs && a["run_id"] != "" {
		q += ` AND run_id = $5`
		args = append(args, a["run_id"])
	}
	var row outboxRow
	err = h.db.GetContext(ctx, &row, q, args...)
	if errors.Is(err, sql.ErrNoRows) {
		h.log.Warn("event for an e-mail not in the outbox", "sg_event_id", ev.ID, "event", ev.Event, "workflow_id", a["workflow_id"], "template", a["template"])
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("match the event to the outbox: %w", err)
	}
	return &row, nil
}

// record stores the event under its unique sg_event_id and, the first time,
// merges it into the e-mail's state, in one transaction. It returns whether
// the rollout must (still) hear of it and whether the event was new.
func (h *Handler) record(ctx context.Context, ev event, row *outboxRow) (needReport, fresh bool, err error) {
	tx, err := h.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var outboxID *int64
	report := false
	if row != nil {
		outboxID = &row.ID
		report = failed(ev.Event) && mail.AsksToAct(row.Template) && reportable(row.Role)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO delivery_events (sg_event_id, outbox_id, event, occurred_at, reason, sg_message_id, report_needed)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sg_event_id) DO NOTHING`,
		ev.ID, outboxID, ev.Event, ev.At, nullable(clip(ev.Reason, maxReason)), nullable(ev.MessageID), report)
	if err != nil {
		return false, false, fmt.Errorf("record event %s: %w", ev.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Seen before: only a report that did not get through is left to do.
		var pending bool
		err := tx.GetContext(ctx, &pending, `SELECT report_needed AND reported_at IS NULL FROM delivery_events WHERE sg_event_id = $1`, ev.ID)
		if err != nil {
			return false, false, fmt.Errorf("read event %s: %w", ev.ID, err)
		}
		return pending && row != nil, false, tx.Commit()
	}
	if row != nil {
		if err := h.mergeInto(ctx, tx, ev, row.ID); err != nil {
			return false, true, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, true, fmt.Errorf("commit event %s: %w", ev.ID, err)
	}
	h.log.Info("delivery event recorded", "sg_event_id", ev.ID, "event", ev.Event, "outbox_id", outboxID)
	return report, true, nil
}

// mergeInto applies the event to the row's state under the row's lock, so
// two batches arriving together cannot lose one another's update.
func (h *Handler) mergeInto(ctx context.Context, tx txLike, ev event, id int64) error {
	var sr stateRow
	if err := tx.GetContext(ctx, &sr, `SELECT delivery, delivery_reason, delivery_at, delivered_at, opened_at, clicked_at
		FROM outbox WHERE id = $1 FOR UPDATE`, id); err != nil {
		return fmt.Errorf("lock outbox row %d: %w", id, err)
	}
	s := sr.state()
	if !merge(&s, ev.Event, clip(reasonDetail(ev), maxReason), ev.At) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET delivery = $2, delivery_reason = $3, delivery_at = $4,
		delivered_at = $5, opened_at = $6, clicked_at = $7, updated_at = now() WHERE id = $1`,
		id, nullable(s.Delivery), nullable(s.Reason), s.At, s.DeliveredAt, s.OpenedAt, s.ClickedAt)
	if err != nil {
		return fmt.Errorf("update the delivery state of outbox row %d: %w", id, err)
	}
	return nil
}

type txLike interface {
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// reportable: an address staff can correct (contact): not BMP's own.
func reportable(role string) bool {
	switch plan.Party(role) {
	case plan.PartyMunicipality, plan.PartyProducer, plan.PartyTeacher:
		return true
	}
	return false
}

// reportFailure tells the rollout, and records its answer. An answer, even
// a refusal (already reported, the rollout ended), settles it; only a
// rollout that cannot be reached now leaves it for SendGrid's retry.
func (h *Handler) reportFailure(ctx context.Context, ev event, row *outboxRow) error {
	u := rollout.Undelivered{
		Template: row.Template, Step: row.Step, Occurrence: row.Occurrence, Role: row.Role, Ref: row.Ref,
		Event: ev.Event, Reason: Reason(ev.Event, ev.Type, ev.Status, ev.Reason),
	}
	if u.Role == string(plan.PartyTeacher) && u.Ref == "" {
		// Rows from before recipient_ref: the teacher's ID ends the step.
		if i := strings.LastIndexByte(row.Step, '/'); i >= 0 {
			u.Ref = row.Step[i+1:]
		}
	}
	err := h.report.ReportUndelivered(ctx, row.WorkflowID, ev.Args["run_id"], u)
	var answer string
	var rej *rollout.RejectedError
	switch {
	case err == nil:
		answer = "accepted: the step stalls until the address is corrected"
	case errors.As(err, &rej):
		answer = "refused: " + rej.Problems.In(plan.EN)
	case errors.Is(err, rollout.ErrEnded), errors.Is(err, rollout.ErrNotFound):
		answer = "not reported: " + err.Error()
	default:
		return fmt.Errorf("report to %s: %w", row.WorkflowID, err)
	}
	h.log.Info("undelivered e-mail reported to its rollout", "workflow_id", row.WorkflowID, "template", row.Template,
		"step", row.Step, "occurrence", row.Occurrence, "event", ev.Event, "answer", answer)
	_, err = h.db.ExecContext(ctx, `UPDATE delivery_events SET reported_at = now(), report = $2 WHERE sg_event_id = $1`, ev.ID, clip(answer, maxReason))
	if err != nil {
		return fmt.Errorf("record the rollout's answer: %w", err)
	}
	return nil
}

// statusCode is an SMTP enhanced status code (RFC 3463), the part of a
// bounce that says why without naming anyone.
var statusCode = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}$`)

// droppedReasons are SendGrid's own reasons for a drop: fixed words, no address.
var droppedReasons = map[string]bool{
	"Bounced Address": true, "Spam Reporting Address": true, "Invalid": true, "Unsubscribed Address": true,
	"Invalid SMTPAPI header": true, "Spam Content (if spam checker app enabled)": true,
}

// Reason is the bilingual reason a rollout shows for an undelivered e-mail.
// It is built from SendGrid's classification, never from the receiving
// server's free text, which often quotes the address.
func Reason(eventName, bounceType, status, sgReason string) plan.Text {
	var t plan.Text
	switch {
	case eventName == EventBounce && bounceType == "blocked":
		t = plan.T("de ontvangende server blokkeert de e-mail", "the receiving server blocks the e-mail")
	case eventName == EventBounce:
		t = plan.T("het adres weigert de e-mail", "the address refused the e-mail")
	case eventName == EventDropped:
		t = plan.T("SendGrid verstuurt niet naar dit adres", "SendGrid does not send to this address")
	case eventName == EventSpamReport:
		return plan.T("de ontvanger heeft de e-mail als spam gemeld", "the recipient reported the e-mail as spam")
	default:
		return plan.F("gebeurtenis %s", "event %s", clip(eventName, 20))
	}
	detail := eventName
	switch {
	case eventName == EventBounce && statusCode.MatchString(status):
		detail += ", status " + status
	case eventName == EventDropped && droppedReasons[sgReason]:
		detail += ": " + sgReason
	}
	return plan.F("%s (%s)", "%s (%s)", t, detail)
}

// reasonDetail is what the outbox keeps of SendGrid's reason.
func reasonDetail(ev event) string {
	if !failed(ev.Event) {
		return ""
	}
	r := strings.Join(strings.Fields(ev.Reason), " ")
	if ev.Status != "" && !strings.Contains(r, ev.Status) {
		r = strings.TrimSpace(ev.Status + " " + r)
	}
	return r
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
