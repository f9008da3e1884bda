package console

import (
	"fmt"
	"sync"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// lineNames are the Dutch names of the built-in plan's lines. The overview
// reads search attributes alone, which hold line IDs; a wave file's own
// steps show by their ID.
var lineNames = sync.OnceValue(func() map[string]string {
	names := map[string]string{}
	for _, s := range wave.Wave2012().Steps {
		names[s.ID] = s.Label.In(plan.NL)
		for _, p := range s.Parts(time.Time{}) {
			names[p.ID] = p.Label.In(plan.NL)
			if s.Kind == plan.KindCourse {
				// The day's place and hours differ per wave; its number does not.
				names[p.ID] = fmt.Sprintf("%s, dag %d", s.Label.In(plan.NL), p.N)
			}
		}
	}
	return names
})

// lineName is a line's Dutch name in lists.
func lineName(id string) string {
	if n, ok := lineNames()[id]; ok {
		return n
	}
	return id
}

func lineNamesOf(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = lineName(id)
	}
	return out
}
