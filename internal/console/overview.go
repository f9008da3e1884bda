package console

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
)

// overviewPage is "Vandaag": what needs staff now.
type overviewPage struct {
	Filter    overviewFilter
	Waves     []string
	Provinces []string
	Phases    []phaseCount
	Stalled   []row
	DueSoon   []row
	All       []row
	Total     int
	Now       time.Time
}

// ChartHeight is the phase picture's height: a bar per phase.
func (p overviewPage) ChartHeight() int { return len(p.Phases) * 28 }

func (overviewPage) PageTitle() string { return "Vandaag" }

type overviewFilter struct {
	Wave, Province, Phase string
	Stalled               bool
}

// row is a rollout in the overview, from its search attributes alone.
type row struct {
	rollout.Row
	Parties []string // who must act, in Dutch
	Link    string
}

// phaseCount is one bar of the phase picture.
type phaseCount struct {
	Phase plan.Phase
	Label string
	Count int
	Width int // of 300
	Y     int
}

// overview lists the running rollouts from the visibility store in one
// query (342 municipalities of a wave on one page): stalled first, oldest
// stall on top, then what is due within a week, the count per phase, and
// every rollout that matches the filters.
func (s *Server) overview(w http.ResponseWriter, r *http.Request, m staff.Member) {
	rc, err := s.rollouts(m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := rc.List(r.Context(), rollout.Filter{Running: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := overviewFilter{Wave: q.Get("ronde"), Province: q.Get("provincie"), Phase: q.Get("fase"), Stalled: q.Get("vastgelopen") == "ja"}
	p := overviewPage{Filter: f, Now: s.now(), Provinces: municipality.Provinces()}
	for _, x := range rows {
		if !slices.Contains(p.Waves, x.Wave) {
			p.Waves = append(p.Waves, x.Wave)
		}
	}
	sort.Strings(p.Waves)
	counts := map[plan.Phase]int{}
	for _, x := range rows {
		if !f.keepsIgnoringPhase(x) {
			continue
		}
		counts[plan.Phase(x.Phase)]++
		if f.Phase != "" && x.Phase != f.Phase {
			continue
		}
		rw := newRow(x)
		p.All = append(p.All, rw)
		switch {
		case x.Stalled:
			p.Stalled = append(p.Stalled, rw)
		case !x.DueAt.IsZero() && x.DueAt.Before(p.Now.Add(7*24*time.Hour)):
			p.DueSoon = append(p.DueSoon, rw)
		}
	}
	sort.SliceStable(p.Stalled, func(i, j int) bool { return sinceOf(p.Stalled[i]).Before(sinceOf(p.Stalled[j])) })
	sort.SliceStable(p.DueSoon, func(i, j int) bool { return p.DueSoon[i].DueAt.Before(p.DueSoon[j].DueAt) })
	sort.SliceStable(p.All, func(i, j int) bool { return p.All[i].before(p.All[j]) })
	p.Total = len(p.All)
	p.Phases = phaseBars(counts)
	s.render(w, r, http.StatusOK, "overview", p)
}

func (f overviewFilter) keepsIgnoringPhase(x rollout.Row) bool {
	if f.Wave != "" && x.Wave != f.Wave || f.Stalled && !x.Stalled {
		return false
	}
	return f.Province == "" || strings.EqualFold(x.Municipality.Province, f.Province)
}

// before orders the list of all rollouts: by wave, then municipality name.
func (r row) before(o row) bool {
	if r.Wave != o.Wave {
		return r.Wave < o.Wave
	}
	return r.Municipality.SortKey() < o.Municipality.SortKey()
}

func sinceOf(r row) time.Time {
	if !r.StalledSince.IsZero() {
		return r.StalledSince
	}
	return r.DueAt
}

func newRow(x rollout.Row) row {
	rw := row{Row: x, Link: rolloutPath(x.Wave, x.Municipality.Code)}
	for _, p := range x.WaitingFor {
		rw.Parties = append(rw.Parties, p.Label().In(plan.NL))
	}
	return rw
}

func rolloutPath(waveName, code string) string { return "/uitrol/" + waveName + "/" + code }

func phaseBars(counts map[plan.Phase]int) []phaseCount {
	most := 1
	for _, n := range counts {
		most = max(most, n)
	}
	var out []phaseCount
	for i, ph := range plan.Phases {
		if ph == plan.PhaseDone {
			break // the overview lists running rollouts; ended ones are in the Web UI
		}
		n := counts[ph]
		out = append(out, phaseCount{Phase: ph, Label: ph.Label().In(plan.NL), Count: n, Width: n * 300 / most, Y: i * 28})
	}
	return out
}
