package console

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
)

// partyLinks is a party's personal links as the rollout page shows them,
// with the form that revokes them.
type partyLinks struct {
	Party    plan.Party
	Label    string
	Active   int
	Revoked  int
	LastUsed string
	Post     string
	CSRF     string
}

// taskLinksOf sums up a rollout's personal links per party.
func (s *Server) taskLinksOf(ctx context.Context, r *http.Request, path, workflowID string) ([]partyLinks, error) {
	sum, err := s.tasks().links.Summary(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	out := make([]partyLinks, 0, len(sum))
	for _, p := range sum {
		pl := partyLinks{Party: p.Party, Label: capitalise(p.Party.Label().In(plan.NL)), Active: p.Active, Revoked: p.Revoked, LastUsed: "nog niet gebruikt",
			Post: path + "/links-intrekken", CSRF: s.csrfToken(r.Context())}
		if p.LastUsed != nil {
			pl.LastUsed = "laatst gebruikt " + shortTime(*p.LastUsed)
		}
		out = append(out, pl)
	}
	return out, nil
}

// revokeTaskLinks ends a party's personal links on a rollout, after a
// confirmation: their open pages close at the next request; the next task
// e-mail brings a new link, and the party can ask for one.
func (s *Server) revokeTaskLinks(w http.ResponseWriter, r *http.Request, m staff.Member) {
	mu, err := municipality.Lookup(r.PathValue("code"))
	party := plan.Party(r.PostFormValue("party"))
	if err != nil || !rollout.ValidWaveName(r.PathValue("wave")) || !(party == plan.PartyMunicipality || party == plan.PartyProducer || party == plan.PartyTeacher) {
		s.notFound(w, r)
		return
	}
	path := rolloutPath(r.PathValue("wave"), mu.Code)
	if r.PostFormValue("bevestig") == "" {
		s.flash(r, "Er is niets ingetrokken: vink eerst aan dat u het zeker weet.")
		http.Redirect(w, r, path+"#links", http.StatusSeeOther)
		return
	}
	n, err := s.tasks().links.Revoke(r.Context(), rollout.WorkflowID(r.PathValue("wave"), mu.Code), party, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("task links revoked", "workflow_id", rollout.WorkflowID(r.PathValue("wave"), mu.Code), "party", party, "links", n, "staff_id", m.ID)
	s.flash(r, fmt.Sprintf("%d persoonlijke link(s) van de %s ingetrokken.", n, party.Label().In(plan.NL)))
	http.Redirect(w, r, path+"#links", http.StatusSeeOther)
}
