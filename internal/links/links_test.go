package links_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/secret"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{})) }

func newStore(t *testing.T) links.Store {
	t.Helper()
	db := testenv.OpenMigrated(t, testenv.Require(t).NewDatabase(t))
	return links.Store{DB: db}
}

// runs is Temporal as the store sees it: which rollouts run, in which run.
type runs map[string]links.Run

func (r runs) of(_ context.Context, id string) (links.Run, error) { return r[id], nil }

// TestLinks: a link opens its own rollout's run for its party, until it is
// revoked or the rollout ends or starts again; a forged or mangled one opens
// nothing; the table holds no token.
func TestLinks(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	utrecht := "rollout-demo-GM0344"
	live := runs{utrecht: {FirstRunID: "run-1", Started: t0.Add(-time.Hour), Running: true}}

	producer, err := s.Issue(ctx, links.Grant{WorkflowID: utrecht, RunID: "run-1", Party: plan.PartyProducer}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(producer) != 43 {
		t.Errorf("token %q: want 43 URL-safe characters (256 bits)", producer)
	}
	cohort, err := s.Issue(ctx, links.Grant{WorkflowID: utrecht + "-cohort", Party: plan.PartyProducer}, t0)
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := s.Issue(ctx, links.Grant{WorkflowID: utrecht, RunID: "run-1", Party: plan.PartyTeacher, Teacher: "T1"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Issue(ctx, links.Grant{WorkflowID: utrecht, Party: plan.PartyStaff}, t0); err == nil {
		t.Error("a link for BMP staff was issued")
	}
	if _, err := s.Issue(ctx, links.Grant{WorkflowID: utrecht, Party: plan.PartyTeacher}, t0); err == nil {
		t.Error("a teacher's link without the teacher was issued")
	}
	var stored int
	if err := s.DB.Get(&stored, `SELECT count(*) FROM task_links WHERE hash IN ($1, $2) OR encode(hash, 'escape') LIKE '%' || $3 || '%'`,
		[]byte(producer), []byte(teacher), producer); err != nil || stored != 0 {
		t.Errorf("the table holds a token itself (%d, %v)", stored, err)
	}

	l, err := s.Use(ctx, producer, t0.Add(time.Minute), live.of)
	if err != nil || l.Party != plan.PartyProducer || l.WorkflowID != utrecht || l.LastUsedAt == nil {
		t.Fatalf("the producer's link: %+v %v", l, err)
	}
	if again, err := s.Check(ctx, l.Key(), t0.Add(2*time.Minute), live.of); err != nil || again.WorkflowID != utrecht {
		t.Errorf("the session's check: %+v %v", again, err)
	}
	if l, err := s.Use(ctx, cohort, t0, live.of); err != nil || l.WorkflowID != utrecht {
		t.Errorf("a link from the cohort's e-mail opens its rollout: %+v %v", l, err)
	}
	if l, err := s.Use(ctx, teacher, t0, live.of); err != nil || l.Teacher != "T1" {
		t.Errorf("the teacher's link: %+v %v", l, err)
	}

	forged, _ := secret.New()
	for name, token := range map[string]string{"forged": forged, "mangled": producer[:42] + "x", "empty": "", "huge": string(make([]byte, 10_000))} {
		if _, err := s.Use(ctx, token, t0, live.of); !errors.Is(err, links.ErrInvalid) {
			t.Errorf("a %s token: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.Check(ctx, "not-hex", t0, live.of); !errors.Is(err, links.ErrInvalid) {
		t.Errorf("a session naming no link: %v", err)
	}

	// Started again: the old run's links open nothing, not even the cohort's.
	again := runs{utrecht: {FirstRunID: "run-2", Started: t0.Add(time.Hour), Running: true}}
	for _, token := range []string{producer, cohort, teacher} {
		if _, err := s.Use(ctx, token, t0.Add(2*time.Hour), again.of); !errors.Is(err, links.ErrInvalid) {
			t.Errorf("a link of the run before: %v", err)
		}
	}
	ended := runs{utrecht: {FirstRunID: "run-1", Started: t0.Add(-time.Hour), Running: false}}
	if _, err := s.Use(ctx, producer, t0, ended.of); !errors.Is(err, links.ErrInvalid) {
		t.Errorf("the link of an ended rollout: %v", err)
	}

	// Revoked for the producer: the teacher's still opens.
	n, err := s.Revoke(ctx, utrecht, plan.PartyProducer, t0.Add(3*time.Minute))
	if err != nil || n != 2 {
		t.Errorf("revoke the producer's links: %d %v, want 2", n, err)
	}
	if _, err := s.Use(ctx, producer, t0, live.of); !errors.Is(err, links.ErrInvalid) {
		t.Errorf("a revoked link: %v", err)
	}
	if _, err := s.Use(ctx, teacher, t0, live.of); err != nil {
		t.Errorf("revoking the producer's links ended the teacher's: %v", err)
	}
	sum, err := s.Summary(ctx, utrecht)
	if err != nil || len(sum) != 2 || sum[0].Party != plan.PartyProducer || sum[0].Active != 0 || sum[0].Revoked != 2 || sum[0].LastUsed == nil || sum[1].Active != 1 {
		t.Errorf("summary: %+v %v", sum, err)
	}

	// The rollout ended: the purge revokes what is left, and deletes links
	// revoked long enough ago.
	revoked, deleted, err := s.EndRuns(ctx, t0.Add(time.Hour), ended.of)
	if err != nil || revoked != 1 || deleted != 0 {
		t.Errorf("end runs: revoked %d deleted %d %v, want 1 and 0", revoked, deleted, err)
	}
	if _, deleted, err = s.EndRuns(ctx, t0.Add(links.RevokedKeep+2*time.Hour), ended.of); err != nil || deleted != 3 {
		t.Errorf("the purge a month later deleted %d (%v), want 3", deleted, err)
	}
}
