package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
)

// DefaultRetentionDays is how long e-mail bodies stay when Activities
// has no RetentionDays.
const DefaultRetentionDays = 90

// purgeBatch is how many rows one statement blanks: short transactions
// beside the sends that run meanwhile.
const purgeBatch = 1000

// PurgeResult says what a purge blanked.
type PurgeResult struct {
	Purged int       `json:"purged"`
	Before time.Time `json:"before"` // e-mails handled before this moment were purged
}

// PurgeOutbox blanks the subject, bodies and last error of every e-mail
// that went out (sent, or stored without sending) more than RetentionDays
// ago. The rows stay: their key is what keeps a replayed or retried
// activity from sending the e-mail again, and they still say when which
// template went to which address. Idempotent: a purged row is not touched
// again, so the daily schedule may run it as often as it likes.
func (a *Activities) PurgeOutbox(ctx context.Context) (PurgeResult, error) {
	days := a.RetentionDays
	if days <= 0 {
		days = DefaultRetentionDays
	}
	var res PurgeResult
	if err := a.DB.GetContext(ctx, &res.Before, `SELECT now() - make_interval(days => $1)`, days); err != nil {
		return res, fmt.Errorf("purge the outbox: %w", err)
	}
	for {
		r, err := a.DB.ExecContext(ctx, `
			UPDATE outbox SET subject = '', body_text = '', body_html = '', last_error = NULL, purged_at = now()
			WHERE id IN (
				SELECT id FROM outbox
				WHERE purged_at IS NULL AND status IN ('sent', 'logged') AND updated_at < $1
				ORDER BY id LIMIT $2)`, res.Before, purgeBatch)
		if err != nil {
			return res, fmt.Errorf("purge the outbox: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return res, fmt.Errorf("purge the outbox: %w", err)
		}
		res.Purged += int(n)
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, res.Purged)
		}
		if n < purgeBatch {
			break
		}
	}
	a.logger().Info("outbox purged", "emails", res.Purged, "handled_before", res.Before.Format(time.RFC3339), "retention_days", days)
	return res, nil
}
