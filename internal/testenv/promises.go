package testenv

import (
	"context"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
)

// Promises checks what the product promises whatever happened on the way:
// every rollout (ids[i], played as variants[i]) reached its expected
// outcome, every e-mail SendGrid accepted was accepted once and every outbox
// row was sent, and every started cohort got one premium. It returns the
// number of e-mails and of premiums, for the test's log.
func Promises(ctx context.Context, t testing.TB, c client.Client, dbURL string, sg *sendgridfake.Server, ids []string, variants []simulate.Variant) (mails, premiums int) {
	t.Helper()
	started := 0
	for i, id := range ids {
		var res rollout.Result
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if want := simulate.ExpectedOutcome(variants[i]); res.Outcome != want {
			t.Errorf("%s (%s): outcome %s, want %s", id, variants[i], res.Outcome, want)
		}
		if res.Outcome == plan.OutcomeGraduated {
			started++
			if res.Graduates != 13 {
				t.Errorf("%s: %d graduates, the acknowledged update said 13", id, res.Graduates)
			}
		}
	}
	seen := map[string]int{}
	for _, m := range sg.Mails() {
		seen[m.Key()]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("e-mail %s accepted %d times", k, n)
		}
	}
	db, err := app.OpenDB(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var unsent, sent int
	if err := db.Get(&unsent, `SELECT count(*) FROM outbox WHERE status <> 'sent'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&sent, `SELECT count(*) FROM outbox WHERE status = 'sent'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&premiums, `SELECT count(*) FROM payments WHERE kind = 'premium'`); err != nil {
		t.Fatal(err)
	}
	if unsent != 0 || sent != len(seen) {
		t.Errorf("outbox: %d sent, %d not sent; SendGrid accepted %d distinct e-mails", sent, unsent, len(seen))
	}
	if premiums != started {
		t.Errorf("premiums paid: %d, cohorts started: %d", premiums, started)
	}
	return len(seen), premiums
}
