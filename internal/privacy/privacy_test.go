package privacy_test

import (
	"os"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/participants"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/privacy"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{})) }

// TestParticipantDetails: what a producer uploaded about a participant is
// in the person's export, by address, and gone after their erasure, while
// the other participants' stay.
func TestParticipantDetails(t *testing.T) {
	db := testenv.OpenMigrated(t, testenv.Require(t).NewDatabase(t))
	tx, err := db.BeginTxx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := participants.Save(t.Context(), tx, "rollout-demo-GM0344", []plan.Participant{
		{ID: "P01", Name: "Ayse Demir", Email: "A.Demir@example.nl", Phone: "06 1234 5678"},
		{ID: "P02", Name: "Fatma Yilmaz", Email: "f.yilmaz@example.nl"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	x, err := privacy.ExportOf(t.Context(), db, "a.demir@example.nl")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Participants) != 1 || x.Participants[0].Name != "Ayse Demir" || x.Participants[0].Phone != "06 1234 5678" || len(x.Rollouts) != 1 || x.Rollouts[0] != "rollout-demo-GM0344" {
		t.Errorf("export: %+v", x)
	}
	er, err := privacy.Erase(t.Context(), db, "a.demir@example.nl")
	if err != nil || er.Participants != 1 || len(er.Rollouts) != 1 {
		t.Errorf("erase: %+v %v", er, err)
	}
	if x, _ := privacy.ExportOf(t.Context(), db, "a.demir@example.nl"); len(x.Participants) != 0 {
		t.Errorf("after the erasure the export still holds %+v", x.Participants)
	}
	if n, err := participants.Count(t.Context(), db, "rollout-demo-GM0344"); err != nil || n != 1 {
		t.Errorf("the other participant's details: %d left (%v), want 1", n, err)
	}
}
