package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// undelivered registers the report of an e-mail that SendGrid accepted but
// could not deliver (a bounce, a drop, a spam report), from SendGrid's
// Event Webhook. It is no action of the plan: a new Update handler, so
// older histories, which never received it, replay unchanged.
func undelivered(ctx workflow.Context, r *state) error {
	return on(ctx, r, rollout.UpdateUndelivered, func(ctx workflow.Context, _ plan.Actor, u rollout.Undelivered) plan.Problems {
		switch {
		case r.cohort != nil:
			// An address is corrected on the rollout (contact), which a
			// running cohort does not hear of: a stall here could not clear.
			// The outbox and the console show the failure instead.
			return plan.Rejected("de opleiding (cohort) houdt niet op voor een niet afgeleverde e-mail; corrigeer het adres op de uitrol (starter contact)",
				"the cohort does not stall on an undelivered e-mail; correct the address on the rollout (starter contact)")
		case r.reported[u.Key()]:
			// SendGrid posts at least once, and bounce and dropped may both
			// come: the first report stalls and escalates, the others are
			// refused and write nothing.
			return plan.Rejected("e-mail %s is al als niet afgeleverd gemeld", "e-mail %s was already reported undelivered", u.Key())
		case u.Role == string(plan.PartyProducer) && r.producer == nil:
			return plan.RejectedField("role", "er heeft zich nog geen producent aangemeld", "no producer has applied yet")
		case u.Role == string(plan.PartyTeacher) && r.teacherIndex(u.Ref) < 0:
			return plan.RejectedField("ref", "er is geen docent %q aangemeld", "no teacher %q was put forward", u.Ref)
		}
		return nil
	}, func(ctx workflow.Context, _ plan.Actor, u rollout.Undelivered) {
		r.reported[u.Key()] = true
		r.bounced = append(r.bounced, u)
		l := r.line(strings.SplitN(u.Step, "/", 2)[0])
		if l == nil || !l.Waiting() {
			l = r.mailLine(ctx)
		}
		// The problem names the party and the template, never the address
		// (the Web UI shows it); the outbox and `starter emails list` have
		// the address and SendGrid's full answer.
		who := plan.Party(u.Role).Label()
		if u.Ref != "" {
			who = plan.F("%s %s", "%s %s", who, u.Ref)
		}
		r.problem(ctx, l, plan.F("e-mail niet afgeleverd: %s; de %s krijgt %q opnieuw zodra het adres is gecorrigeerd (starter contact)",
			"e-mail not delivered: %s; the %s gets %q again once the address is corrected (starter contact)", u.Reason, who, u.Template))
	})
}

// resendBounced sends the e-mails that did not arrive at a party's old
// address again, to the corrected one: each once, as a new e-mail of its
// template and step (a new occurrence, so a new outbox row) made from the
// one first rendered (activities.EmailRequest.ResendOf). It returns the
// lines whose problems must stay: those of other recipients' e-mails.
func (r *state) resendBounced(ctx workflow.Context, c plan.ContactCorrection) map[string]bool {
	var keep []rollout.Undelivered
	for _, u := range r.bounced {
		if u.Role != string(c.Party) || (c.Party == plan.PartyTeacher && u.Ref != c.Teacher) {
			keep = append(keep, u)
			continue
		}
		key := u.Template + "/" + u.Step
		r.sent[key]++
		r.send(ctx, activities.EmailRequest{
			WorkflowID: r.id, RunID: r.runID, Template: u.Template, Step: u.Step, Occurrence: r.sent[key],
			To: r.recipientOf(c), ResendOf: u.Occurrence,
		})
	}
	r.bounced = keep
	stay := map[string]bool{}
	for _, u := range keep {
		stay[strings.SplitN(u.Step, "/", 2)[0]] = true
		stay["email"] = true
	}
	return stay
}

// recipientOf is the party whose address was corrected, at its new address.
func (r *state) recipientOf(c plan.ContactCorrection) activities.Recipient {
	switch c.Party {
	case plan.PartyProducer:
		return r.producerRecipient()
	case plan.PartyTeacher:
		return teacherRecipient(r.teachers[r.teacherIndex(c.Teacher)])
	}
	return r.municipalityRecipient()
}

// calendarDays are days of a course step as calendar entries: each day's
// UID is the same in every e-mail about it, with a sequence one higher
// than the last e-mail's, so the newest replaces what a calendar holds.
func (r *state) calendarDays(s *step, days ...int) []mail.Session {
	out := make([]mail.Session, len(days))
	for i, n := range days {
		d := s.Days[n]
		uid := mail.CalendarUID(r.id, r.runID, s.ID, n+1)
		out[i] = mail.Session{Date: d.Date, End: d.End, Place: d.Place, HalfDays: d.HalfDays, Overnight: d.Overnight,
			UID: uid, Sequence: r.calendar[uid], Title: mail.CourseDayTitle(s.Label.In(plan.NL), n+1, len(s.Days))}
		r.calendar[uid]++
	}
	return out
}

// allDays numbers a course's days.
func allDays(s *step) []int {
	out := make([]int, len(s.Days))
	for i := range out {
		out[i] = i
	}
	return out
}

// cancelledDays are the course days a recipient was invited to that have
// not ended yet, for the cancellation's METHOD:CANCEL.
func (r *state) cancelledDays(ctx workflow.Context, to activities.Recipient) []mail.Session {
	var out []mail.Session
	now := workflow.Now(ctx)
	for _, s := range r.ofKind(plan.KindCourse) {
		if string(s.Attendees) != to.Role || to.Role == string(plan.PartyStaff) {
			continue
		}
		var days []int
		for i, d := range s.Days {
			if r.calendar[mail.CalendarUID(r.id, r.runID, s.ID, i+1)] > 0 && d.End.After(now) {
				days = append(days, i)
			}
		}
		out = append(out, r.calendarDays(s, days...)...)
	}
	return out
}
