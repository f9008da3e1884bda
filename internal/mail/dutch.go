package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/wave"
)

var (
	weekdays = [...]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
	months   = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
)

// DutchDate writes a date as Dutch readers expect it: "vrijdag 2 maart 2012".
func DutchDate(t time.Time) string {
	if t.IsZero() {
		return "(geen datum)"
	}
	t = t.In(wave.Amsterdam)
	return fmt.Sprintf("%s %d %s %d", weekdays[t.Weekday()], t.Day(), months[t.Month()-1], t.Year())
}

// DutchDateTime adds the time of day: "vrijdag 23 maart 2012 om 10.00 uur".
func DutchDateTime(t time.Time) string {
	if t.IsZero() {
		return "(geen datum)"
	}
	l := t.In(wave.Amsterdam)
	return fmt.Sprintf("%s om %02d.%02d uur", DutchDate(t), l.Hour(), l.Minute())
}

// Euro writes cents as a Dutch amount: "€ 25.500,00".
func Euro(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := fmt.Sprintf("%d", cents/100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s€ %s,%02d", sign, b.String(), cents%100)
}
