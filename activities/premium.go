package activities

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PremiumRequest asks to pay a rollout's stimulus premium (stimuleringspremie).
type PremiumRequest struct {
	WorkflowID string `json:"workflowId"`
	// RunID is the rollout's run (its first run ID): a cancelled run's
	// premium does not count for a rollout started again.
	RunID            string `json:"runId,omitempty"`
	MunicipalityCode string `json:"municipalityCode"`
	Wave             string `json:"wave"`
	Organisation     string `json:"organisation"`
	AmountCents      int64  `json:"amountCents"`
}

// PremiumResult is the payment as recorded.
type PremiumResult struct {
	PaymentID   int64     `json:"paymentId"`
	AmountCents int64     `json:"amountCents"`
	RecordedAt  time.Time `json:"recordedAt"`
	Already     bool      `json:"already,omitempty"` // an earlier attempt had recorded it
}

// PayPremium records the premium payment once per rollout run: the unique
// key (workflow_id, run_id, kind) makes a retried attempt find the first
// payment.
func (a *Activities) PayPremium(ctx context.Context, req PremiumRequest) (PremiumResult, error) {
	var res PremiumResult
	err := a.DB.QueryRowxContext(ctx, `
		INSERT INTO payments (workflow_id, run_id, kind, municipality_code, wave, organisation, amount_cents)
		VALUES ($1, $2, 'premium', $3, $4, $5, $6)
		ON CONFLICT ON CONSTRAINT payments_once DO NOTHING
		RETURNING id, amount_cents, created_at`,
		req.WorkflowID, req.RunID, req.MunicipalityCode, req.Wave, req.Organisation, req.AmountCents).Scan(&res.PaymentID, &res.AmountCents, &res.RecordedAt)
	switch {
	case err == nil:
		a.countPremium(req.Wave)
		a.logger().Info("stimulus premium recorded", "workflow_id", req.WorkflowID, "municipality", req.MunicipalityCode, "amount_cents", req.AmountCents)
		return res, nil
	case !errors.Is(err, sql.ErrNoRows): // no rows: the key was taken, by an earlier attempt
		return res, fmt.Errorf("record premium for %s: %w", req.WorkflowID, err)
	}
	err = a.DB.QueryRowxContext(ctx, `SELECT id, amount_cents, created_at FROM payments WHERE workflow_id = $1 AND run_id = $2 AND kind = 'premium'`, req.WorkflowID, req.RunID).
		Scan(&res.PaymentID, &res.AmountCents, &res.RecordedAt)
	if err != nil {
		return res, fmt.Errorf("record premium for %s: %w", req.WorkflowID, err)
	}
	res.Already = true
	return res, nil
}
