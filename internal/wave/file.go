package wave

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/spelling"
)

// A wave file lets BMP staff define a wave's calendar without a new build:
// a JSON object in Dutch local time, written by hand. ParseFile documents the
// format; testdata/wave-2013.json is an example.

// Limits of a wave file. A real one is a few kilobytes with a handful of
// course days and four modules; the limits keep a mistaken file (or a
// hostile one) from becoming a huge workflow input.
const (
	MaxFileSize   = 1 << 20 // bytes
	MaxCourseDays = 20      // per course
	MaxModules    = 20
	// maxProblems is how many problems an error lists before "… and N more".
	maxProblems = 50
	// maxCohortDays caps the modules' total length.
	maxCohortDays = 730
	minYear       = 2000
	maxYear       = 2099
)

// ParseError lists every problem found in a wave file, each naming the
// field it is about.
type ParseError struct {
	File     string   // the file's name, as given to ParseFile
	Problems []string // e.g. `opens: "2013-01-14" has no time of day: …`
}

// Error writes one line per problem, each starting with the file's name (as
// compilers do), at most maxProblems of them.
func (e *ParseError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxProblems {
			fmt.Fprintf(&b, "\n%s: … and %d more problems", e.File, len(e.Problems)-maxProblems)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File + ": " + p)
	}
	if len(e.Problems) == 0 {
		b.WriteString(e.File + ": not a valid wave file")
	}
	return b.String()
}

// LoadFile reads and checks a wave file; see ParseFile. Every error starts
// with the path.
func LoadFile(path string) (Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, in front
		}
		return Calendar{}, fmt.Errorf("%s: cannot open the wave file: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Calendar{}, fmt.Errorf("%s: cannot read the wave file: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		what := "not a regular file"
		if info.IsDir() {
			what = "a directory"
		}
		return Calendar{}, fmt.Errorf("%s: is %s: give the path of a wave file (JSON), e.g. wave-2013.json", path, what)
	}
	return ParseFile(f, path)
}

// ParseFile reads a wave file: a JSON object such as
//
//	{
//	  "name": "2013",
//	  "opens": "2013-01-14 09:00",
//	  "applicationDeadline": "2013-03-01",
//	  "producerCourse": [{"date": "2013-03-22 10:00", "end": "16:00", "place": "Utrecht", "halfDays": 2}],
//	  "teacherDeadline": "2013-05-31",
//	  "teacherCourse": [{"date": "2013-06-20 10:00", "end": "21:00", "place": "Soesterberg", "halfDays": 2, "overnight": true}],
//	  "fundingDue": "2013-08-23", "recruitmentDue": "2013-08-16", "locationDue": "2013-08-23",
//	  "intendedStart": "2013-09-02 09:00"
//	}
//
// Every time is Dutch local time (Europe/Amsterdam) and is converted to UTC.
// A deadline or due date given as a bare date (YYYY-MM-DD) means the end of
// that day (23:59:59); "YYYY-MM-DD HH:MM" is an exact moment. The opening,
// the course days and the intended start need a time of day. A course day's
// end is "HH:MM" on the same day or a full "YYYY-MM-DD HH:MM".
//
// Optional, defaulting to Wave2012's values: plannedGroup, minimumGroup,
// costPerParticipant and premium (euros, as a string or a number: 1500,
// "1500", "1500.50", "1500,50", "€ 1500"), modules ([{"name", "days",
// "practicum"}], the last one the practicum), and reminderDays,
// attendanceGraceDays, internshipLeadDays, reportEveryDays, reportGraceDays,
// graduationGraceDays (whole days).
//
// The name becomes part of workflow IDs: 1 to 20 letters, digits or hyphens,
// not a built-in wave's. Unknown or repeated fields, trailing data and a
// file over MaxFileSize are rejected. On error the result is a *ParseError
// listing every problem found (or, when the file cannot be read, an error
// starting with name); finally the calendar must pass Validate.
func ParseFile(r io.Reader, name string) (Calendar, error) {
	if name == "" {
		name = "wave file"
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Calendar{}, fmt.Errorf("%s: cannot read the wave file: %w", name, err)
	}
	p := &fileParser{}
	c := p.parse(data)
	if len(p.problems) == 0 {
		if err := c.Validate(); err != nil {
			p.problems = append(p.problems, err.Error())
		}
	}
	if len(p.problems) > 0 {
		return Calendar{}, &ParseError{File: name, Problems: p.problems}
	}
	return c, nil
}

// fileParser collects the problems of one wave file.
type fileParser struct {
	problems []string
}

func (p *fileParser) addf(field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	p.problems = append(p.problems, msg)
}

// topFields are a wave file's fields, in the order problems are reported.
var topFields = []string{
	"name", "opens", "applicationDeadline", "producerCourse", "teacherDeadline", "teacherCourse",
	"fundingDue", "recruitmentDue", "locationDue", "intendedStart",
	"plannedGroup", "minimumGroup", "costPerParticipant", "premium", "modules",
	"reminderDays", "attendanceGraceDays", "internshipLeadDays", "reportEveryDays", "reportGraceDays", "graduationGraceDays",
	"steps",
}

var (
	dayFields    = []string{"date", "end", "place", "halfDays", "overnight"}
	moduleFields = []string{"name", "days", "practicum"}
)

// leadDays are the optional whole-day settings with their ranges.
var leadDays = []struct {
	field  string
	lo, hi int64
	get    func(Dates) time.Duration
	set    func(*Dates, time.Duration)
}{
	{"reminderDays", 1, 90, func(c Dates) time.Duration { return c.ReminderLead }, func(c *Dates, d time.Duration) { c.ReminderLead = d }},
	{"attendanceGraceDays", 1, 90, func(c Dates) time.Duration { return c.AttendanceGrace }, func(c *Dates, d time.Duration) { c.AttendanceGrace = d }},
	{"internshipLeadDays", 0, 180, func(c Dates) time.Duration { return c.InternshipLead }, func(c *Dates, d time.Duration) { c.InternshipLead = d }},
	{"reportEveryDays", 7, 92, func(c Dates) time.Duration { return c.ReportEvery }, func(c *Dates, d time.Duration) { c.ReportEvery = d }},
	{"reportGraceDays", 1, 90, func(c Dates) time.Duration { return c.ReportGrace }, func(c *Dates, d time.Duration) { c.ReportGrace = d }},
	{"graduationGraceDays", 1, 180, func(c Dates) time.Duration { return c.GraduationGrace }, func(c *Dates, d time.Duration) { c.GraduationGrace = d }},
}

func (p *fileParser) parse(data []byte) Calendar {
	if len(data) > MaxFileSize {
		p.addf("", "the file is larger than %d bytes: a wave file is a small JSON object (a few kilobytes)", MaxFileSize)
		return Calendar{}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark some editors write
	if len(bytes.TrimSpace(data)) == 0 {
		p.addf("", `the file is empty: expected a JSON object such as {"name": "2013", "opens": "2013-01-14 09:00", …}`)
		return Calendar{}
	}
	if !utf8.Valid(data) {
		p.addf("", "the file is not UTF-8 text: save it as UTF-8")
		return Calendar{}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var top json.RawMessage
	if err := dec.Decode(&top); err != nil {
		p.addf("", "%s", syntaxProblem(data, err))
		return Calendar{}
	}
	if rest := dec.InputOffset(); rest < int64(len(data)) {
		tail := bytes.TrimLeft(data[rest:], " \t\r\n")
		if len(tail) > 0 {
			line, col := position(data, int64(len(data)-len(tail))+1)
			p.addf("", "line %d, column %d: unexpected data after the wave's closing }: a wave file holds one JSON object", line, col)
			return Calendar{}
		}
	}
	fields, ok := p.object(top, "", "the wave", topFields)
	if !ok {
		return Calendar{}
	}

	def := Dates2012()
	d := Dates{}
	d.Name = p.name(fields["name"])
	d.Opens = p.moment(fields["opens"], "opens", needTime)
	d.ApplicationDeadline = p.moment(fields["applicationDeadline"], "applicationDeadline", deadline)
	d.ProducerCourse = p.courseDays(fields["producerCourse"], "producerCourse")
	d.TeacherDeadline = p.moment(fields["teacherDeadline"], "teacherDeadline", deadline)
	d.TeacherCourse = p.courseDays(fields["teacherCourse"], "teacherCourse")
	d.FundingDue = p.moment(fields["fundingDue"], "fundingDue", deadline)
	d.RecruitmentDue = p.moment(fields["recruitmentDue"], "recruitmentDue", deadline)
	d.LocationDue = p.moment(fields["locationDue"], "locationDue", deadline)
	d.IntendedStart = p.moment(fields["intendedStart"], "intendedStart", needTime)

	d.PlannedGroup = int(p.integer(fields["plannedGroup"], "plannedGroup", 1, 100, int64(def.PlannedGroup)))
	d.MinimumGroup = int(p.integer(fields["minimumGroup"], "minimumGroup", 1, 100, int64(def.MinimumGroup)))
	if d.PlannedGroup > 0 && d.MinimumGroup > d.PlannedGroup {
		p.addf("minimumGroup", "%d is more than plannedGroup (%d): the minimum group cannot be larger than the planned one", d.MinimumGroup, d.PlannedGroup)
	}
	d.CostPerParticipantCents = p.amount(fields["costPerParticipant"], "costPerParticipant", false, def.CostPerParticipantCents)
	d.PremiumCents = p.amount(fields["premium"], "premium", true, def.PremiumCents)
	d.Modules = p.modules(fields["modules"], def.Modules)
	for _, l := range leadDays {
		n := p.integer(fields[l.field], l.field, l.lo, l.hi, int64(l.get(def)/day))
		l.set(&d, time.Duration(n)*day)
	}
	p.order(d)
	extra := p.steps(fields["steps"], d)
	return Build(d, extra)
}

// order checks the calendar's sequence among the dates that parsed, naming
// the later field, so that a mistyped date is found before a rollout waits
// on it.
func (p *fileParser) order(c Dates) {
	after := func(field string, t time.Time, what string, before time.Time) {
		if !t.IsZero() && !before.IsZero() && !t.After(before) {
			p.addf(field, "%s must come after %s (%s)", fileTime(t), what, fileTime(before))
		}
	}
	after("applicationDeadline", c.ApplicationDeadline, "opens", c.Opens)
	var producerEnd time.Time
	if n := len(c.ProducerCourse); n > 0 {
		after("producerCourse[1].date", c.ProducerCourse[0].Date, "applicationDeadline", c.ApplicationDeadline)
		producerEnd = c.ProducerCourse[n-1].End
	}
	what := fmt.Sprintf("the producer course's last day (producerCourse[%d].end)", len(c.ProducerCourse))
	for _, f := range []struct {
		field string
		t     time.Time
	}{{"teacherDeadline", c.TeacherDeadline}, {"fundingDue", c.FundingDue}, {"recruitmentDue", c.RecruitmentDue}, {"locationDue", c.LocationDue}} {
		after(f.field, f.t, what, producerEnd)
	}
	if n := len(c.TeacherCourse); n > 0 {
		after("teacherCourse[1].date", c.TeacherCourse[0].Date, "teacherDeadline", c.TeacherDeadline)
		after("intendedStart", c.IntendedStart, fmt.Sprintf("the teacher course's last day (teacherCourse[%d].end)", n), c.TeacherCourse[n-1].End)
	}
	for _, f := range []struct {
		field string
		t     time.Time
	}{{"fundingDue", c.FundingDue}, {"recruitmentDue", c.RecruitmentDue}, {"locationDue", c.LocationDue}} {
		after("intendedStart", c.IntendedStart, f.field, f.t)
	}
}

// syntaxProblem explains a JSON error with the line and column.
func syntaxProblem(data []byte, err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := position(data, se.Offset)
		return fmt.Sprintf("line %d, column %d: the file is not valid JSON: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the file ends before the JSON object is complete: is a closing } or ] or a quote missing?"
	default:
		return "the file is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
}

// position turns a byte offset into a line and column, from 1.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	if col == 0 {
		col = 1
	}
	return line, col
}

// object reads a JSON object's fields, rejecting unknown and repeated ones.
// A field given as null counts as absent.
func (p *fileParser) object(raw json.RawMessage, where, what string, known []string) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		p.addf(where, "%s", syntaxProblem(raw, err))
		return nil, false
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		p.addf(where, "expected %s as an object {…}, found %s", what, describe(raw))
		return nil, false
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			p.addf(where, "%s", syntaxProblem(raw, err))
			return nil, false
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			p.addf(where, "%s", syntaxProblem(raw, err))
			return nil, false
		}
		path := fieldPath(where, key)
		switch _, seen := fields[key]; {
		case !slices.Contains(known, key):
			p.addf(path, "unknown field%s", suggest(key, known))
		case seen:
			p.addf(path, "given twice: give each field once")
		}
		fields[key] = v
	}
	return fields, true
}

var plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,39}$`)

// fieldPath names a field in messages: producerCourse[2].date; a key that is
// not a plain name is quoted.
func fieldPath(where, key string) string {
	if !plainKey.MatchString(key) {
		key = strconv.Quote(clip(key))
	}
	if where == "" {
		return key
	}
	return where + "." + key
}

// suggest names the known field an unknown one was probably meant to be,
// or lists the known fields.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if len(key) > 40 {
			break // no field name is that long
		}
		d := spelling.Distance(strings.ToLower(k), strings.ToLower(key))
		if d < bestDist && (d == 0 || len(key) >= 4) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(": did you mean %q?", best)
	}
	return ": expected one of " + strings.Join(known, ", ")
}

// describe says what kind of JSON value was found, for messages.
func describe(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		var v string
		if json.Unmarshal(s, &v) == nil {
			return fmt.Sprintf("the text %q", clip(v))
		}
		return "a text"
	case 't', 'f':
		return "true/false"
	case 'n':
		return "null"
	default:
		return "the number " + clip(string(s))
	}
}

func isAbsent(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

// clip keeps a value short in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// text reads a required JSON string.
func (p *fileParser) text(raw json.RawMessage, field, example string) (string, bool) {
	if isAbsent(raw) {
		p.addf(field, "missing: expected %s", example)
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.addf(field, "expected %s (in quotes), found %s", example, describe(raw))
		return "", false
	}
	return s, true
}

var waveName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,18}[A-Za-z0-9])?$`)

func (p *fileParser) name(raw json.RawMessage) string {
	const example = `the wave's name, e.g. "2013"`
	s, ok := p.text(raw, "name", example)
	if !ok {
		return ""
	}
	if !waveName.MatchString(s) {
		p.addf("name", "%q is not a usable wave name: expected 1 to 20 letters, digits or hyphens, not starting or ending with a hyphen (it becomes part of workflow IDs), e.g. \"2013\" or \"2013-najaar\"", clip(s))
		return ""
	}
	for _, b := range Names() {
		if strings.EqualFold(s, b) {
			p.addf("name", "%q is a built-in wave: choose another name, e.g. \"2013\"", s)
			return ""
		}
	}
	return s
}

// momentKind says what a date field accepts.
type momentKind int

const (
	needTime momentKind = iota // YYYY-MM-DD HH:MM only: a moment something begins
	deadline                   // also YYYY-MM-DD, meaning the end of that day
)

const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02 15:04"
)

func (p *fileParser) moment(raw json.RawMessage, field string, kind momentKind) time.Time {
	example := `a date and time "YYYY-MM-DD HH:MM" (Dutch time), e.g. "2013-01-14 09:00"`
	if kind == deadline {
		example = `a date "YYYY-MM-DD" (until the end of that day) or "YYYY-MM-DD HH:MM" (Dutch time), e.g. "2013-03-01"`
	}
	s, ok := p.text(raw, field, example)
	if !ok {
		return time.Time{}
	}
	t, hasTime, problem := parseLocal(s)
	switch {
	case problem != "":
		if kind == deadline {
			p.addf(field, "%s: expected YYYY-MM-DD or YYYY-MM-DD HH:MM (Dutch time)", problem)
		} else {
			p.addf(field, "%s: expected YYYY-MM-DD HH:MM (Dutch time), e.g. \"2013-01-14 09:00\"", problem)
		}
		return time.Time{}
	case !hasTime && kind == needTime:
		p.addf(field, "%q has no time of day: expected YYYY-MM-DD HH:MM (Dutch time), e.g. \"%s 09:00\"", s, strings.TrimSpace(s))
		return time.Time{}
	case !hasTime:
		return endOfDay(t.Year(), t.Month(), t.Day())
	}
	return t.UTC()
}

// parseLocal reads "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" in Dutch time; t is in
// Amsterdam. A bare date is returned as midnight with hasTime false. problem
// explains a bad value and starts with the value quoted.
func parseLocal(s string) (t time.Time, hasTime bool, problem string) {
	v := strings.TrimSpace(s)
	layout, what := dateLayout, "a date"
	if len(v) > len(dateLayout) {
		layout, what, hasTime = dateTimeLayout, "a date and time", true
	}
	u, err := time.Parse(layout, v)
	if err != nil {
		why := ""
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			why = " (" + strings.TrimPrefix(pe.Message, ": ") + ")"
		}
		return time.Time{}, false, fmt.Sprintf("%q is not %s%s", clip(s), what, why)
	}
	if u.Year() < minYear || u.Year() > maxYear {
		return time.Time{}, false, fmt.Sprintf("%q: the year must be %d to %d", clip(s), minYear, maxYear)
	}
	t = time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), 0, 0, Amsterdam)
	if l := t; l.Hour() != u.Hour() || l.Minute() != u.Minute() || l.Day() != u.Day() {
		return time.Time{}, false, fmt.Sprintf("%q does not exist in Dutch time (the clocks go forward an hour that night)", clip(s))
	}
	return t, hasTime, ""
}

// fileTime writes a moment in Dutch time, as a wave file would.
func fileTime(t time.Time) string {
	l := t.In(Amsterdam)
	if l.Hour() == 23 && l.Minute() == 59 && l.Second() == 59 {
		return l.Format(dateLayout) + " (end of day)"
	}
	return l.Format(dateTimeLayout)
}

// integer reads an optional whole number in [lo, hi]; absent gives def.
func (p *fileParser) integer(raw json.RawMessage, field string, lo, hi, def int64) int64 {
	if isAbsent(raw) {
		return def
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil || n < lo || n > hi {
		p.addf(field, "expected a whole number from %d to %d, found %s", lo, hi, describe(raw))
		return def
	}
	return n
}

func (p *fileParser) boolean(raw json.RawMessage, field string) bool {
	if isAbsent(raw) {
		return false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		p.addf(field, "expected true or false, found %s", describe(raw))
	}
	return b
}

var euros = regexp.MustCompile(`^([0-9]{1,7})(?:[.,]([0-9]{1,2}))?$`)

// amount reads an optional amount in euros, as a JSON number or a string.
func (p *fileParser) amount(raw json.RawMessage, field string, zeroOK bool, def int64) int64 {
	if isAbsent(raw) {
		return def
	}
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			s = "?"
		}
		s = strings.TrimSpace(s)
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "€"), "EUR"))
	} else if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		p.addf(field, `expected an amount in euros, e.g. "1500" or "1500.50", found %s`, describe(raw))
		return def
	}
	m := euros.FindStringSubmatch(s)
	if m == nil {
		p.addf(field, `%s is not an amount in euros: expected whole euros or euros and cents, without thousands separators, e.g. "1500" or "1500.50" (at most 9999999)`, describe(raw))
		return def
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	cents := whole * 100
	if frac := m[2]; frac != "" {
		if len(frac) == 1 {
			frac += "0"
		}
		f, _ := strconv.ParseInt(frac, 10, 64)
		cents += f
	}
	if cents == 0 && !zeroOK {
		p.addf(field, "the amount must be more than 0 euros")
		return def
	}
	return cents
}

// list reads a JSON list of objects, each checked by one.
func (p *fileParser) list(raw json.RawMessage, field, what string, limit int) []json.RawMessage {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		p.addf(field, "expected a list [{…}, …] of %s, found %s", what, describe(raw))
		return nil
	}
	if len(items) == 0 {
		p.addf(field, "the list is empty: expected 1 to %d %s", limit, what)
		return nil
	}
	if len(items) > limit {
		p.addf(field, "%d %s: at most %d", len(items), what, limit)
		return nil
	}
	return items
}

func (p *fileParser) courseDays(raw json.RawMessage, field string) []plan.Day {
	if isAbsent(raw) {
		p.addf(field, `missing: expected a list of course days [{"date": "YYYY-MM-DD HH:MM", "end": "HH:MM", "place": "…", "halfDays": 2}, …]`)
		return nil
	}
	items := p.list(raw, field, "course days", MaxCourseDays)
	if items == nil {
		return nil
	}
	before := len(p.problems)
	days := make([]plan.Day, len(items))
	for i, item := range items {
		where := fmt.Sprintf("%s[%d]", field, i+1)
		f, ok := p.object(item, where, "a course day", dayFields)
		if !ok {
			continue
		}
		d := &days[i]
		d.Date = p.moment(f["date"], where+".date", needTime)
		d.End = p.courseEnd(f["end"], where+".end", d.Date)
		if place, ok := p.text(f["place"], where+".place", `the place, e.g. "Utrecht"`); ok {
			if d.Place = strings.TrimSpace(place); !printable(d.Place, 100) {
				p.addf(where+".place", "expected the place's name (1 to 100 characters on one line), found %s", describe(f["place"]))
			}
		}
		if isAbsent(f["halfDays"]) {
			p.addf(where+".halfDays", "missing: expected the day's half-days (dagdelen), 1 to 3")
		} else {
			d.HalfDays = int(p.integer(f["halfDays"], where+".halfDays", 1, 3, 0))
		}
		d.Overnight = p.boolean(f["overnight"], where+".overnight")
		if i > 0 && !d.Date.IsZero() && !days[i-1].End.IsZero() && d.Date.Before(days[i-1].End) {
			p.addf(where+".date", "%s is before day %d ends (%s): list the days in order, without overlap", fileTime(d.Date), i, fileTime(days[i-1].End))
		}
	}
	if len(p.problems) > before {
		return nil
	}
	return days
}

// courseEnd reads a course day's end: "HH:MM" on the day of start, or a full
// "YYYY-MM-DD HH:MM"; within 24 hours after the start.
func (p *fileParser) courseEnd(raw json.RawMessage, field string, start time.Time) time.Time {
	s, ok := p.text(raw, field, `the time the day ends, "HH:MM", e.g. "16:00"`)
	if !ok {
		return time.Time{}
	}
	v := strings.TrimSpace(s)
	var end time.Time
	if len(v) <= len("15:04") {
		hm, err := time.Parse("15:04", v)
		if err != nil {
			p.addf(field, "%q is not a time of day: expected HH:MM (Dutch time, the same day), e.g. \"16:00\", or YYYY-MM-DD HH:MM", clip(s))
			return time.Time{}
		}
		if start.IsZero() {
			return time.Time{} // the date's problem is reported
		}
		l := start.In(Amsterdam)
		ds := fmt.Sprintf("%s %02d:%02d", l.Format(dateLayout), hm.Hour(), hm.Minute())
		t, _, problem := parseLocal(ds)
		if problem != "" {
			p.addf(field, "%s: expected HH:MM (Dutch time, the same day)", problem)
			return time.Time{}
		}
		end = t.UTC()
	} else {
		t, hasTime, problem := parseLocal(v)
		if problem != "" || !hasTime {
			if problem == "" {
				problem = fmt.Sprintf("%q has no time of day", clip(s))
			}
			p.addf(field, "%s: expected HH:MM (Dutch time, the same day), e.g. \"16:00\", or YYYY-MM-DD HH:MM", problem)
			return time.Time{}
		}
		end = t.UTC()
	}
	if start.IsZero() {
		return end
	}
	if !end.After(start) || end.Sub(start) > day {
		p.addf(field, "%s must be after the day's start (%s) and within 24 hours of it", fileTime(end), fileTime(start))
		return time.Time{}
	}
	return end
}

func (p *fileParser) modules(raw json.RawMessage, def []Module) []Module {
	if isAbsent(raw) {
		return append([]Module(nil), def...)
	}
	items := p.list(raw, "modules", "modules", MaxModules)
	if items == nil {
		return nil
	}
	before := len(p.problems)
	mods := make([]Module, len(items))
	total := int64(0)
	for i, item := range items {
		where := fmt.Sprintf("modules[%d]", i+1)
		f, ok := p.object(item, where, "a module", moduleFields)
		if !ok {
			continue
		}
		m := &mods[i]
		if name, ok := p.text(f["name"], where+".name", `the module's name, e.g. "Module 1"`); ok {
			if m.Name = strings.TrimSpace(name); !printable(m.Name, 60) {
				p.addf(where+".name", "expected the module's name (1 to 60 characters on one line), found %s", describe(f["name"]))
			}
		}
		if isAbsent(f["days"]) {
			p.addf(where+".days", "missing: expected the module's length in days, 1 to 365")
		} else {
			n := p.integer(f["days"], where+".days", 1, 365, 0)
			total += n
			m.Length = time.Duration(n) * day
		}
		m.Practicum = p.boolean(f["practicum"], where+".practicum")
		if m.Practicum && i < len(items)-1 {
			p.addf(where+".practicum", "only the last module is the practicum (praktijkdeel)")
		}
	}
	if last := mods[len(mods)-1]; len(p.problems) == before && !last.Practicum {
		p.addf(fmt.Sprintf("modules[%d].practicum", len(mods)), "the last module must be the practicum (praktijkdeel): add \"practicum\": true")
	}
	if total > maxCohortDays {
		p.addf("modules", "the modules last %d days in all: at most %d", total, maxCohortDays)
	}
	if len(p.problems) > before {
		return nil
	}
	return mods
}

// printable tells whether s is 1 to max characters of one line of text.
func printable(s string, max int) bool {
	if s == "" || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
