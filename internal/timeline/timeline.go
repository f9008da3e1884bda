// Package timeline draws a rollout (and its cohort) as an SVG timeline: one
// row per step, its planned and actual dates, stalls in red, and lines for
// the planned start, the actual start and now. The CLI writes it to a file;
// the console shows it inline.
package timeline

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// cohortSteps are a cohort's lines; none before it starts.
func cohortSteps(c *rollout.Status) []rollout.Step {
	if c == nil {
		return nil
	}
	return c.Steps
}

// esc makes text safe inside an XML element or a quoted attribute.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// timelineRow is one step on the drawing, or a heading when heading is set.
type timelineRow struct {
	heading string
	step    rollout.Step
}

// tickSteps are the intervals the time axis may use, smallest first.
var tickSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
	56 * 24 * time.Hour, 91 * 24 * time.Hour, 182 * 24 * time.Hour, 364 * 24 * time.Hour,
}

// Render draws a rollout's status (and its cohort's) as a standalone SVG
// document.
func Render(w io.Writer, st rollout.Status, cohort *rollout.Status, now time.Time, lang plan.Lang) error {
	return render(w, st, cohort, now, lang, true)
}

// Inline draws it as an <svg> element to put in an HTML page.
func Inline(w io.Writer, st rollout.Status, cohort *rollout.Status, now time.Time, lang plan.Lang) error {
	return render(w, st, cohort, now, lang, false)
}

// Lines counts the rows a drawing has.
func Lines(st rollout.Status, cohort *rollout.Status) int {
	return len(st.Steps) + len(cohortSteps(cohort))
}

func render(w io.Writer, st rollout.Status, cohort *rollout.Status, now time.Time, lang plan.Lang, standalone bool) error {
	t := func(nl, en string, args ...any) string { return plan.F(nl, en, args...).In(lang) }
	var rows []timelineRow
	for _, s := range st.Steps {
		rows = append(rows, timelineRow{step: s})
	}
	if cohort != nil {
		rows = append(rows, timelineRow{heading: t("Opleiding %s: %s", "Cohort %s: %s", cohort.WorkflowID, cohort.PhaseLabel())})
		for _, s := range cohort.Steps {
			rows = append(rows, timelineRow{step: s})
		}
	}

	// The time span: every date on the drawing.
	var lo, hi time.Time
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if hi.IsZero() || t.After(hi) {
			hi = t
		}
	}
	for _, r := range rows {
		see(r.step.Due)
		see(r.step.LastActionAt)
		see(r.step.StalledSince)
	}
	see(st.PlannedStart)
	see(st.StartedAt)
	see(now)
	if !hi.After(lo) {
		lo, hi = lo.Add(-time.Hour), hi.Add(time.Hour)
	}
	pad := hi.Sub(lo) / 30
	lo, hi = lo.Add(-pad), hi.Add(pad)

	const (
		labelW = 420
		chartW = 880
		rowH   = 24
		top    = 124
		right  = 30
	)
	width := labelW + chartW + right
	height := top + len(rows)*rowH + 56
	x := func(t time.Time) float64 {
		return labelW + float64(chartW)*float64(t.Sub(lo))/float64(hi.Sub(lo))
	}
	ams := func(t time.Time) string { return t.In(wave.Amsterdam).Format(time.DateTime) }

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	if standalone {
		p(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-labelledby="timeline-title">`+"\n", width, height, width, height)
	title := t("AMWAHT-uitrol %s (%s), ronde %s: %s", "AMWAHT rollout %s (%s), wave %s: phase %s", st.Municipality.Name, st.Municipality.Code, st.Wave, st.PhaseLabel())
	if st.Outcome != "" {
		title += t(", uitkomst %s", ", outcome %s", st.Outcome.Label())
	}
	p("<title id=\"timeline-title\">%s</title>\n", esc(title))
	p(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	p(`<text x="16" y="26" font-size="16" font-weight="bold">%s</text>`+"\n", esc(title))
	p(`<text x="16" y="46" fill="#555">%s</text>`+"\n", esc(t("%s · getekend %s (Nederlandse tijd)", "%s · drawn %s (Dutch time)", st.WorkflowID, ams(now))))

	// Legend.
	lx := 16.0
	legend := func(mark, text string) {
		p(mark, lx+6, 66.0)
		p(`<text x="%.1f" y="70">%s</text>`+"\n", lx+16, esc(text))
		lx += 16 + float64(len(text))*6.5 + 24
	}
	legend(`<path d="M %.1f %.1f m -5 0 l 5 -5 l 5 5 l -5 5 z" fill="none" stroke="#555" stroke-width="1.5"/>`+"\n", t("gepland (uiterlijk)", "planned (due)"))
	legend(`<circle cx="%.1f" cy="%.1f" r="5" fill="#2e7d32"/>`+"\n", t("op tijd klaar", "done on time"))
	legend(`<circle cx="%.1f" cy="%.1f" r="5" fill="#ef6c00"/>`+"\n", t("te laat klaar", "done late"))
	legend(`<circle cx="%.1f" cy="%.1f" r="5" fill="#1565c0"/>`+"\n", t("laatste actie, wacht nog", "last action, still waiting"))
	p(`<rect x="%.1f" y="61" width="22" height="10" fill="#c62828" opacity="0.8"/>`+"\n", lx)
	p(`<text x="%.1f" y="70" fill="#c62828">%s</text>`+"\n", lx+28, esc(t("vastgelopen", "stalled")))

	// Axis and grid.
	span := hi.Sub(lo)
	tick := tickSteps[len(tickSteps)-1]
	for _, d := range tickSteps {
		if span/d <= 10 {
			tick = d
			break
		}
	}
	format := "15:04:05"
	switch {
	case tick >= 24*time.Hour:
		format = "2 Jan 2006"
	case tick >= time.Minute:
		format = "15:04"
	}
	axisY := top + len(rows)*rowH + 8
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", labelW, axisY, labelW+chartW, axisY)
	for t := lo.Truncate(tick).Add(tick); t.Before(hi); t = t.Add(tick) {
		tx := x(t)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>`+"\n", tx, top-6, tx, axisY)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", tx, axisY+16, esc(t.In(wave.Amsterdam).Format(format)))
	}

	// Rows.
	for i, r := range rows {
		s := r.step
		y := top + i*rowH
		cy := float64(y) + rowH/2
		if r.heading != "" {
			p(`<rect x="0" y="%d" width="%d" height="%d" fill="#e3eaf3"/>`+"\n", y, width, rowH)
			p(`<text x="12" y="%.1f" font-weight="bold">%s</text>`+"\n", cy+4, esc(r.heading))
			continue
		}
		stalled := s.Stalled()
		if i%2 == 0 {
			p(`<rect x="0" y="%d" width="%d" height="%d" fill="#f7f7f7"/>`+"\n", y, width, rowH)
		}
		color, weight := "#222", ""
		if stalled {
			p(`<rect x="0" y="%d" width="%d" height="%d" fill="#fdecea"/>`+"\n", y, width, rowH)
			color, weight = "#c62828", ` font-weight="bold"`
		}
		tip := esc(t("%s (%s): %s, wie is aan zet: %s, uiterlijk %s", "%s (%s): %s, who acts: %s, due %s", s.Name, s.Label, s.State.Label(), s.Party.Label(), ams(s.Due)))
		p(`<text x="12" y="%.1f" fill="%s"%s>%s<title>%s</title></text>`+"\n", cy+4, color, weight, esc(clipTo(s.Name, 20)), tip)
		p(`<text x="150" y="%.1f" fill="%s"%s>%s</text>`+"\n", cy+4, color, weight, esc(s.State.Label().In(lang)))
		p(`<text x="215" y="%.1f" fill="#666" font-size="11">%s<title>%s</title></text>`+"\n", cy+4, esc(clipTo(s.Label.In(lang), 34)), tip)
		if stalled {
			from := s.StalledSince
			if from.IsZero() {
				from = s.Due
			}
			x1, x2 := x(from), x(now)
			if x2 < x1 {
				x1, x2 = x2, x1
			}
			tip := t("%s vastgelopen sinds %s", "%s stalled since %s", s.Name, ams(from))
			if !s.Problem.IsZero() {
				tip += ": " + s.Problem.In(lang)
			}
			p(`<rect x="%.1f" y="%.1f" width="%.1f" height="10" fill="#c62828" opacity="0.8"><title>%s</title></rect>`+"\n", x1, cy-5, max(x2-x1, 2), esc(tip))
		}
		if !s.Due.IsZero() && !s.LastActionAt.IsZero() {
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#bbb" stroke-dasharray="3,3"/>`+"\n", x(s.Due), cy, x(s.LastActionAt), cy)
		}
		if !s.Due.IsZero() {
			p(`<path d="M %.1f %.1f l 6 -6 l 6 6 l -6 6 z" fill="#fff" stroke="#555" stroke-width="1.5"><title>%s</title></path>`+"\n",
				x(s.Due)-6, cy, esc(t("%s gepland (uiterlijk) %s", "%s planned (due) %s", s.Name, ams(s.Due))))
		}
		if !s.LastActionAt.IsZero() {
			fill := "#1565c0"
			if s.State == plan.StateDone {
				fill = "#2e7d32"
				if s.LastActionAt.After(s.Due) {
					fill = "#ef6c00"
				}
			}
			p(`<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s</title></circle>`+"\n", x(s.LastActionAt), cy, fill,
				esc(t("%s: %s op %s", "%s: %s at %s", s.Name, s.LastAction, ams(s.LastActionAt))))
		}
	}

	// Milestones.
	mark := func(t time.Time, color, dash, text string, row int) {
		if t.IsZero() {
			return
		}
		mx := x(t)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="1.5"%s><title>%s</title></line>`+"\n", mx, top-14, mx, axisY, color, dash, esc(text+" "+ams(t)))
		p(`<text x="%.1f" y="%d" fill="%s" text-anchor="middle" font-weight="bold">%s</text>`+"\n", mx, top-18-row*12, color, esc(text))
	}
	if st.StartedAt.IsZero() || !st.StartedAt.Equal(st.PlannedStart) {
		mark(st.PlannedStart, "#777", ` stroke-dasharray="6,4"`, t("geplande start", "planned start"), 0)
	}
	mark(st.StartedAt, "#2e7d32", "", t("gestart", "started"), 1)
	mark(now, "#1565c0", "", t("vandaag", "today"), 2)
	p("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func clipTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
