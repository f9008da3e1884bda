package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// email sends one e-mail in the background, so that a slow or failing
// SendGrid never holds up a deadline. A refusal for good (e.g. an invalid
// address) becomes a problem on the line, visible to administrators, until
// staff correct the address.
func (r *state) email(ctx workflow.Context, template, step string, to activities.Recipient, data mail.Data) {
	key := template + "/" + step
	r.sent[key]++
	r.send(ctx, activities.EmailRequest{
		WorkflowID: r.id,
		RunID:      r.runID,
		Template:   template,
		Step:       step,
		Occurrence: r.sent[key],
		To:         to,
		Data:       data,
	})
}

func (r *state) send(ctx workflow.Context, req activities.EmailRequest) {
	r.inFlight++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.inFlight-- }()
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute,
			Summary:             fmt.Sprintf("e-mail %s to %s", req.Template, req.To.Role),
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:        5 * time.Second,
				BackoffCoefficient:     2,
				MaximumInterval:        10 * time.Minute,
				NonRetryableErrorTypes: []string{activities.ErrTypeEmailRejected, activities.ErrTypeTemplate},
			},
		})
		var a *activities.Activities
		var res activities.EmailResult
		if err := workflow.ExecuteActivity(actx, a.SendEmail, req).Get(ctx, &res); err != nil {
			workflow.GetLogger(ctx).Error("e-mail failed for good", "template", req.Template, "step", req.Step, "error", err)
			r.undeliverable(ctx, req)
		}
	})
}

// undeliverable shows an e-mail that failed for good as a problem on its
// line, or on an "email" line when its own is over.
func (r *state) undeliverable(ctx workflow.Context, req activities.EmailRequest) {
	r.failedMail = append(r.failedMail, req)
	l := r.line(strings.SplitN(req.Step, "/", 2)[0])
	if l == nil || !l.Waiting() {
		l = r.mailLine(ctx)
	}
	// The reason (SendGrid's answer, in the outbox) names the address: the
	// problem, which the Web UI shows, does not.
	who := plan.Party(req.To.Role).Label()
	r.problem(ctx, l, plan.F("e-mail %q aan de %s is niet afgeleverd: het adres is geweigerd; corrigeer het (starter contact)",
		"e-mail %q to the %s could not be delivered: the address was refused; correct it (starter contact)", req.Template, who))
}

// mailLine is where an undeliverable e-mail shows when its own line is over.
func (r *state) mailLine(ctx workflow.Context) *rollout.Step {
	if l := r.line("email"); l != nil {
		l.State = plan.StatePending
		return l
	}
	return r.addLine(ctx, "email", plan.T("e-mailadres corrigeren", "e-mail address to correct"), plan.PartyStaff, workflow.Now(ctx))
}

// retryFailedMail sends undeliverable e-mails again to a corrected address.
// E-mails that bounced go again too (resendBounced); a line keeps its
// problem while another recipient's e-mail on it still waits for a
// correction.
func (r *state) retryFailedMail(ctx workflow.Context, actor plan.Actor, c plan.ContactCorrection) {
	var keep []activities.EmailRequest
	for _, req := range r.failedMail {
		if req.To.Role != string(c.Party) || (c.Party == plan.PartyTeacher && req.To.Ref != c.Teacher) {
			keep = append(keep, req)
			continue
		}
		req.To.Email = c.Email
		r.send(ctx, req)
	}
	r.failedMail = keep
	stay := r.resendBounced(ctx, c)
	who := " " + c.Party.Label().In(plan.NL) + " "
	for _, l := range r.lines {
		if strings.HasPrefix(l.Problem.NL, "e-mail ") && strings.Contains(l.Problem.NL, who) && !stay[l.Name] {
			l.Problem = plan.Text{}
			if l.State != plan.StateOverdue {
				l.StalledSince = time.Time{}
			}
			if l.Name == "email" {
				r.done(ctx, l, &actor, plan.T("adres gecorrigeerd", "address corrected"))
			}
		}
	}
}

// data is the template data every e-mail of this rollout shares.
func (r *state) data() mail.Data {
	d := mail.Data{
		WorkflowID:       r.id,
		MunicipalityCode: r.in.Municipality.Code,
		Municipality:     r.in.Municipality.Name,
		Wave:             r.in.Wave.Name,
	}
	if r.producer != nil {
		d.Organisation = r.producer.Organisation
		d.ProducerKind = string(r.producer.Kind)
	}
	return d
}

// dataFor is the data of an e-mail to one recipient.
func (r *state) dataFor(to activities.Recipient) mail.Data {
	d := r.data()
	d.RecipientName = to.Name
	return d
}

// lineData is the data of an e-mail about a line.
func (r *state) lineData(l *rollout.Step) mail.Data {
	d := r.data()
	d.Step = l.Name
	d.StepLabel = l.Label.In(plan.NL)
	d.Due = l.Due
	d.Party = string(l.Party)
	return d
}

// recipients are whoever acts as a party: the municipality's contact, the
// producer's, every teacher, or BMP staff.
func (r *state) recipients(p plan.Party) []activities.Recipient {
	switch p {
	case plan.PartyMunicipality:
		return []activities.Recipient{r.municipalityRecipient()}
	case plan.PartyProducer:
		if r.producer == nil {
			return nil
		}
		return []activities.Recipient{r.producerRecipient()}
	case plan.PartyTeacher:
		out := make([]activities.Recipient, len(r.teachers))
		for i, t := range r.teachers {
			out[i] = teacherRecipient(t)
		}
		return out
	}
	return []activities.Recipient{staff}
}

func (r *state) producerRecipient() activities.Recipient {
	return activities.Recipient{Role: string(plan.PartyProducer), Name: r.producer.ContactName, Email: r.producer.ContactEmail}
}

func (r *state) municipalityRecipient() activities.Recipient {
	return activities.Recipient{Role: string(plan.PartyMunicipality), Name: r.in.Contact.Name, Email: r.in.Contact.Email}
}

func teacherRecipient(t plan.TeacherProposal) activities.Recipient {
	return activities.Recipient{Role: string(plan.PartyTeacher), Ref: t.ID, Name: t.Name, Email: t.Email}
}

var staff = activities.Recipient{Role: activities.RoleStaff}

func sessions(days []plan.Day) []mail.Session {
	out := make([]mail.Session, len(days))
	for i, d := range days {
		out[i] = mail.Session{Date: d.Date, End: d.End, Place: d.Place, HalfDays: d.HalfDays, Overnight: d.Overnight}
	}
	return out
}

func mailTask(label string, due time.Time, done bool) mail.Task {
	return mail.Task{Label: label, Due: due, Done: done}
}
