package activities_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stichtingbmp/amwaht/activities"
)

// TestSendEmailPerRun: a rollout cancelled and started again is a new run
// of the same workflow ID; its invitation goes out again, while a retry
// within one run still sends nothing twice.
func TestSendEmailPerRun(t *testing.T) {
	f := newFixture(t, false)
	first := confirmation()
	first.RunID = "run-1"
	if res, err := f.send(t, first); err != nil || res.Already {
		t.Fatalf("first run: %+v %v", res, err)
	}
	if res, err := f.send(t, first); err != nil || !res.Already {
		t.Fatalf("first run, retried: %+v %v", res, err)
	}
	second := first
	second.RunID = "run-2"
	res, err := f.send(t, second)
	if err != nil || res.Already || res.Status != activities.StatusSent {
		t.Fatalf("the rollout started again found its e-mail already handled: %+v %v", res, err)
	}
	if ms := f.sg.Mails(); len(ms) != 2 || ms[1].CustomArgs["run_id"] != "run-2" {
		t.Errorf("SendGrid received %d mails, want one per run", len(ms))
	}
}

// TestPayPremiumPerRun: the premium of a cancelled run does not count as
// paid for the rollout started again.
func TestPayPremiumPerRun(t *testing.T) {
	f := newFixture(t, false)
	pay := func(run string) activities.PremiumResult {
		t.Helper()
		req := activities.PremiumRequest{WorkflowID: "rollout-2012-GM0344", RunID: run, MunicipalityCode: "GM0344", Wave: "2012", Organisation: "Welzijn Utrecht", AmountCents: 250000}
		var res activities.PremiumResult
		v, err := f.env.ExecuteActivity(f.acts.PayPremium, req)
		if err != nil || v.Get(&res) != nil {
			t.Fatalf("pay %s: %v", run, err)
		}
		return res
	}
	if r := pay("run-1"); r.Already {
		t.Fatalf("run-1: %+v", r)
	}
	if r := pay("run-1"); !r.Already {
		t.Fatalf("run-1 retried: %+v", r)
	}
	if r := pay("run-2"); r.Already {
		t.Fatalf("run-2 read the cancelled run's premium as its own: %+v", r)
	}
	var n int
	if err := f.acts.DB.Get(&n, `SELECT count(*) FROM payments`); err != nil || n != 2 {
		t.Errorf("payments = %d (%v), want one per run", n, err)
	}
}

// TestPurgeOutbox: e-mails handled longer ago than the retention lose
// subject and body; their rows (the exactly-once key) stay, so a retry
// still sends nothing; younger e-mails and ones not handled yet keep
// theirs; a second purge finds nothing to do.
func TestPurgeOutbox(t *testing.T) {
	f := newFixture(t, false)
	f.acts.RetentionDays = 30
	old, young, failed := confirmation(), confirmation(), confirmation()
	old.Occurrence, young.Occurrence, failed.Occurrence = 1, 2, 3
	for _, r := range []activities.EmailRequest{old, young} {
		if _, err := f.send(t, r); err != nil {
			t.Fatal(err)
		}
	}
	failed.To.Email = "f.yilmaz@welzijn.invalid" // refused for good
	_, _ = f.send(t, failed)
	if _, err := f.acts.DB.Exec(`UPDATE outbox SET updated_at = now() - interval '31 days' WHERE occurrence IN (1, 3)`); err != nil {
		t.Fatal(err)
	}
	purge := func() activities.PurgeResult {
		t.Helper()
		v, err := f.env.ExecuteActivity(f.acts.PurgeOutbox)
		var res activities.PurgeResult
		if err != nil || v.Get(&res) != nil {
			t.Fatalf("purge: %v", err)
		}
		return res
	}
	if res := purge(); res.Purged != 1 {
		t.Errorf("purged %d e-mails, want the old one", res.Purged)
	}
	var rows []struct {
		Occurrence int    `db:"occurrence"`
		Status     string `db:"status"`
		Subject    string `db:"subject"`
		Body       string `db:"body_text"`
		Recipient  string `db:"recipient"`
		Purged     bool   `db:"purged"`
	}
	if err := f.acts.DB.Select(&rows, `SELECT occurrence, status, subject, body_text, recipient, purged_at IS NOT NULL AS purged FROM outbox ORDER BY occurrence`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("outbox rows: %+v", rows)
	}
	if r := rows[0]; !r.Purged || r.Subject != "" || r.Body != "" || r.Status != activities.StatusSent || r.Recipient == "" {
		t.Errorf("old e-mail after the purge: %+v", r)
	}
	if r := rows[1]; r.Purged || r.Body == "" {
		t.Errorf("young e-mail was purged: %+v", r)
	}
	if r := rows[2]; r.Purged || r.Status != activities.StatusFailed {
		t.Errorf("refused e-mail (staff still correct its address) was purged: %+v", r)
	}
	if res, err := f.send(t, old); err != nil || !res.Already {
		t.Errorf("a retry after the purge: %+v %v", res, err)
	}
	if res := purge(); res.Purged != 0 {
		t.Errorf("a second purge blanked %d e-mails", res.Purged)
	}
}

// TestLogsNameNoOne: the worker's log says which e-mail went where by role
// and outbox row, never by address, name or subject (logs outlive the
// outbox's retention and cannot be erased per person); a refused address
// is not quoted in the activity's error either, which the SDK logs.
func TestLogsNameNoOne(t *testing.T) {
	for _, noKey := range []bool{false, true} {
		f := newFixture(t, noKey)
		var logs bytes.Buffer
		f.acts.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		if _, err := f.send(t, confirmation()); err != nil {
			t.Fatal(err)
		}
		bad := confirmation()
		bad.Occurrence = 2
		bad.To.Email = "f.yilmaz@welzijn" // no domain
		_, err := f.send(t, bad)
		if err == nil || strings.Contains(err.Error(), "yilmaz") {
			t.Errorf("the refusal: %v", err)
		}
		for _, s := range []string{"yilmaz", "Yilmaz", "Aanmelding ontvangen"} {
			if strings.Contains(logs.String(), s) {
				t.Errorf("the log shows %q:\n%s", s, logs.String())
			}
		}
		if !strings.Contains(logs.String(), `"to":"producer","outbox_id":`) {
			t.Errorf("the log does not say to whom by role:\n%s", logs.String())
		}
	}
}
