package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// SendGrid's event names that change an e-mail's delivery state.
const (
	EventProcessed  = "processed"
	EventDeferred   = "deferred"
	EventDelivered  = "delivered"
	EventBounce     = "bounce"
	EventDropped    = "dropped"
	EventSpamReport = "spamreport"
	EventOpen       = "open"
	EventClick      = "click"
)

// failed tells whether an event means the e-mail did not (or should not
// have) reached its recipient.
func failed(event string) bool {
	return event == EventBounce || event == EventDropped || event == EventSpamReport
}

// State is what became of an e-mail after SendGrid accepted it.
type State struct {
	// Delivery is the state: "" (no event yet), deferred, delivered, or a
	// failure: bounce, dropped, spamreport.
	Delivery    string     `json:"delivery,omitempty" db:"delivery"`
	Reason      string     `json:"reason,omitempty" db:"delivery_reason"` // SendGrid's, for a failure
	At          *time.Time `json:"at,omitempty" db:"delivery_at"`         // when SendGrid saw the state's event
	DeliveredAt *time.Time `json:"deliveredAt,omitempty" db:"delivered_at"`
	OpenedAt    *time.Time `json:"openedAt,omitempty" db:"opened_at"`
	ClickedAt   *time.Time `json:"clickedAt,omitempty" db:"clicked_at"`
}

// Failed tells whether the e-mail did not arrive.
func (s State) Failed() bool { return failed(s.Delivery) }

// Label says the state in a few words, for listings: "afgeleverd",
// "geopend", "niet afgeleverd (bounce: …)".
func (s State) Label() plan.Text {
	switch {
	case s.Failed() && s.Reason != "":
		return plan.F("niet afgeleverd (%s: %s)", "not delivered (%s: %s)", s.Delivery, s.Reason)
	case s.Failed():
		return plan.F("niet afgeleverd (%s)", "not delivered (%s)", s.Delivery)
	case s.ClickedAt != nil:
		return plan.T("afgeleverd, geopend, link gevolgd", "delivered, opened, clicked")
	case s.OpenedAt != nil:
		return plan.T("afgeleverd, geopend", "delivered, opened")
	case s.Delivery == EventDelivered:
		return plan.T("afgeleverd", "delivered")
	case s.Delivery == EventDeferred:
		return plan.T("uitgesteld, SendGrid probeert opnieuw", "deferred, SendGrid retries")
	}
	return plan.Text{}
}

// merge applies one event to a state. SendGrid posts at least once and out
// of order, so the result does not depend on the order events arrive in: a
// failure is never overwritten by a delivery (a late "delivered" must not
// hide a bounce), of two failures the earlier by SendGrid's clock stays,
// and opens and clicks keep their first moment. It reports whether the
// state changed.
func merge(s *State, event, reason string, at time.Time) bool {
	first := func(p **time.Time) bool {
		if *p == nil || at.Before(**p) {
			t := at
			*p = &t
			return true
		}
		return false
	}
	switch {
	case failed(event):
		if s.Failed() && s.At != nil && !at.Before(*s.At) {
			return false
		}
		t := at
		s.Delivery, s.Reason, s.At = event, reason, &t
		return true
	case event == EventDelivered:
		changed := first(&s.DeliveredAt)
		if s.Delivery == "" || s.Delivery == EventDeferred {
			t := at
			s.Delivery, s.Reason, s.At = EventDelivered, "", &t
			changed = true
		}
		return changed
	case event == EventDeferred:
		if s.Delivery == "" {
			t := at
			s.Delivery, s.Reason, s.At = EventDeferred, reason, &t
			return true
		}
	case event == EventOpen:
		return first(&s.OpenedAt)
	case event == EventClick:
		return first(&s.ClickedAt)
	}
	return false
}

// States reads the delivery state of outbox rows by their IDs, for
// listings (the console's rollout page, `starter emails list`). Rows
// without events are left out.
func States(ctx context.Context, db *sqlx.DB, ids []int64) (map[int64]State, error) {
	rows, err := db.QueryxContext(ctx, `
		SELECT id, delivery, delivery_reason, delivery_at, delivered_at, opened_at, clicked_at
		FROM outbox WHERE id = ANY($1) AND (delivery IS NOT NULL OR opened_at IS NOT NULL OR clicked_at IS NOT NULL)`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("read delivery states: %w", err)
	}
	defer rows.Close()
	out := map[int64]State{}
	for rows.Next() {
		var r struct {
			ID int64 `db:"id"`
			stateRow
		}
		if err := rows.StructScan(&r); err != nil {
			return nil, fmt.Errorf("read delivery state: %w", err)
		}
		out[r.ID] = r.state()
	}
	return out, rows.Err()
}

// stateRow is State as the outbox stores it (NULLs for nothing yet).
type stateRow struct {
	Delivery    *string    `db:"delivery"`
	Reason      *string    `db:"delivery_reason"`
	At          *time.Time `db:"delivery_at"`
	DeliveredAt *time.Time `db:"delivered_at"`
	OpenedAt    *time.Time `db:"opened_at"`
	ClickedAt   *time.Time `db:"clicked_at"`
}

func (r stateRow) state() State {
	s := State{At: r.At, DeliveredAt: r.DeliveredAt, OpenedAt: r.OpenedAt, ClickedAt: r.ClickedAt}
	if r.Delivery != nil {
		s.Delivery = *r.Delivery
	}
	if r.Reason != nil {
		s.Reason = *r.Reason
	}
	return s
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
