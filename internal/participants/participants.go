// Package participants keeps the details of a rollout's participants (name,
// e-mail address, phone) as a producer uploaded them on the task page. The
// rollout's history holds only their IDs: the details stay here, where a
// person's export and erasure (internal/privacy) find them.
package participants

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Save stores the participants of a rollout in tx, replacing the details of
// an ID stored before. The caller commits once the rollout accepted the IDs,
// so a refused enrolment leaves nothing behind.
func Save(ctx context.Context, tx *sqlx.Tx, workflowID string, ps []plan.Participant) error {
	for _, p := range ps {
		_, err := tx.ExecContext(ctx, `INSERT INTO participants (workflow_id, participant_id, name, email, phone)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (workflow_id, participant_id) DO UPDATE
			SET name = excluded.name, email = excluded.email, phone = excluded.phone, updated_at = now()`,
			workflowID, p.ID, p.Name, p.Email, p.Phone)
		if err != nil {
			return fmt.Errorf("store participant %s of %s: %w", p.ID, workflowID, err)
		}
	}
	return nil
}

// Count is how many participants of a rollout have details stored.
func Count(ctx context.Context, db sqlx.QueryerContext, workflowID string) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, db, &n, `SELECT count(*) FROM participants WHERE workflow_id = $1`, workflowID)
	return n, err
}
