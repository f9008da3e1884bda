package rollout

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// UpdateUndelivered tells a rollout (or its cohort) that an e-mail it sent
// was not delivered: SendGrid's Event Webhook reported a bounce, a drop or
// a spam report (internal/delivery). Its arguments are the actor
// (plan.ViaWebhook) and an Undelivered. The validator refuses, writing
// nothing, an e-mail already reported (SendGrid posts at least once), a
// recipient the workflow does not know, and any report once the rollout
// has ended; an accepted report stalls the e-mail's step with the problem
// "e-mail niet afgeleverd: <reason>" and escalates to staff once. The
// party's address correction (plan.ActContact) sends the e-mail again,
// once. It is no staff action: plan.Actions does not list it, so no CLI
// command or console form offers it.
const UpdateUndelivered = "undelivered"

// Delivery failures SendGrid reports, as its events name them.
const (
	EventBounce     = "bounce"     // the receiving server refused it (or blocked it)
	EventDropped    = "dropped"    // SendGrid did not send it (an address that bounced before, …)
	EventSpamReport = "spamreport" // the recipient marked it as spam
)

// MaxUndeliveredReason bounds the reason a report carries into the history.
const MaxUndeliveredReason = 200

// Undelivered identifies an e-mail by its outbox key (the workflow is the
// Update's target) and says why it did not arrive. It carries no address:
// the reason is SendGrid's classification and status code, scrubbed of
// anything that looks like one.
type Undelivered struct {
	Template   string    `json:"template"`
	Step       string    `json:"step"`
	Occurrence int       `json:"occurrence"`
	Role       string    `json:"role"`          // municipality, producer or teacher
	Ref        string    `json:"ref,omitempty"` // a teacher's ID
	Event      string    `json:"event"`         // EventBounce, EventDropped or EventSpamReport
	Reason     plan.Text `json:"reason"`
}

// Key is the e-mail's identity within its workflow.
func (u Undelivered) Key() string {
	return fmt.Sprintf("%s/%s/%d", u.Template, u.Step, u.Occurrence)
}

// Check refuses a report that does not name an e-mail, a party or a failure,
// or whose reason is long or holds an address.
func (u Undelivered) Check() plan.Problems {
	var ps plan.Problems
	if u.Template == "" || u.Step == "" || u.Occurrence < 1 {
		ps.Addf("email", "welke e-mail? sjabloon, stap en volgnummer ontbreken", "which e-mail? template, step and occurrence are required")
	}
	switch plan.Party(u.Role) {
	case plan.PartyMunicipality, plan.PartyProducer:
	case plan.PartyTeacher:
		if u.Ref == "" {
			ps.Addf("ref", "welke docent? de docentcode ontbreekt", "which teacher? the teacher's ID is missing")
		}
	default:
		ps.Addf("role", "alleen e-mails aan de gemeente, de producent of een docent worden gemeld, niet aan %q", "only e-mails to the municipality, the producer or a teacher are reported, not to %q", clip(u.Role))
	}
	switch u.Event {
	case EventBounce, EventDropped, EventSpamReport:
	default:
		ps.Addf("event", "onbekende gebeurtenis %q", "unknown event %q", clip(u.Event))
	}
	for _, s := range []string{u.Reason.NL, u.Reason.EN} {
		if s == "" || utf8.RuneCountInString(s) > MaxUndeliveredReason || strings.Contains(s, "@") {
			ps.Addf("reason", "de reden ontbreekt, is te lang of bevat een adres", "the reason is missing, too long or holds an address")
			break
		}
	}
	return ps
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// ReportUndelivered sends an UpdateUndelivered to the workflow that sent the
// e-mail; runID, when known (a run_id custom arg), makes sure it reaches
// that run and not a later one of the same rollout. A refusal is a
// *RejectedError (already reported, the rollout ended, …); a workflow that
// is gone is ErrEnded or ErrNotFound.
func (c *Client) ReportUndelivered(ctx context.Context, workflowID, runID string, u Undelivered) error {
	h, err := c.T.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		RunID:        runID,
		UpdateName:   UpdateUndelivered,
		Args:         []any{c.Actor, u},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		var receipt Receipt
		err = h.Get(ctx, &receipt)
	}
	if err != nil {
		return c.actError(ctx, workflowID, false, UpdateUndelivered, err)
	}
	return nil
}
