package workflows

import (
	"fmt"
	"strings"
)

// dutchLabel names a step for the e-mails producers, teachers and
// municipalities read; Step.Label stays English for staff and the Web UI.
func dutchLabel(s *Step) string {
	fixed := map[string]string{
		"application": "aanmelding van een producent",
		"handbook":    "uitreiking van het opleidingshandboek",
		"teacher":     "docent(en) aanmelden",
		"funding":     "financiering rond",
		"recruitment": "deelnemers werven",
		"location":    "leslocatie regelen",
		"internships": "stageplekken regelen",
		"start":       "start van de opleiding",
		"cohort":      "de opleiding",
		"graduates":   "geslaagden doorgeven",
		"email":       "e-mailadres corrigeren",
	}
	if l, ok := fixed[s.Name]; ok {
		return l
	}
	var n int
	for _, p := range [...]struct{ prefix, format string }{
		{"producer-course-", "aanwezigheid cursus voor producenten, dag %d"},
		{"teacher-course-", "aanwezigheid docentencursus, dag %d"},
		{"progress-", "voortgangsrapportage maand %d"},
	} {
		prefix, format := p.prefix, p.format
		if strings.HasPrefix(s.Name, prefix) {
			if _, err := fmt.Sscanf(strings.TrimPrefix(s.Name, prefix), "%d", &n); err == nil {
				return fmt.Sprintf(format, n)
			}
		}
	}
	return s.Label
}
