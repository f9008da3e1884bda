// Package mail renders the rollout's task e-mails (in Dutch) and sends them
// through SendGrid's v3 API.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// BackOffice is BMP's back office as the production default: the contact
// for every question in every e-mail, and the reply-to address. The worker
// gives SendEmail the one AMWAHT_REPLY_TO configures (RenderFor), so a test
// or demo setup never shows or replies to BMP's real address.
var BackOffice = Contact{
	Name:  "Backoffice Stichting BMP",
	Email: "info@stichtingbmp.nl",
	Phone: "020 428 27 28",
}

// BackOfficeAt is the back office reached at another address (AMWAHT_REPLY_TO):
// name and phone stay BMP's unless the address comes with a name.
func BackOfficeAt(c Contact) Contact {
	out := BackOffice
	if c.Email != "" {
		out.Email = c.Email
	}
	if c.Name != "" {
		out.Name = c.Name
	}
	return out
}

// Contact is someone an e-mail names.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Task is one line of a task list: what to do and by when.
type Task struct {
	Label string    `json:"label"`
	Due   time.Time `json:"due"`
	// Done marks a task staff recorded before the e-mail went out (during
	// the producer course): the producer sees it as settled, not as asked.
	Done bool `json:"done,omitempty"`
}

// Session is a course meeting an e-mail announces.
type Session struct {
	Date      time.Time `json:"date"`
	End       time.Time `json:"end,omitzero"` // the day's programme ends
	Place     string    `json:"place"`
	HalfDays  int       `json:"halfDays,omitempty"`
	Overnight bool      `json:"overnight,omitempty"`
	// UID names the course day in calendars, the same in every e-mail about
	// it, so that a later invitation (a higher Sequence) replaces an earlier
	// one and a cancellation removes it. Empty: no calendar entry.
	UID      string `json:"uid,omitempty"`
	Sequence int    `json:"sequence,omitempty"`
	Title    string `json:"title,omitempty"` // the entry's title: "docentencursus, dag 2 van 3"
}

// Data is what a template may use. It carries no participant's personal
// data: the workflow passes it through its history.
type Data struct {
	WorkflowID       string    `json:"workflowId"`
	MunicipalityCode string    `json:"municipalityCode"`
	Municipality     string    `json:"municipality"`
	Wave             string    `json:"wave"`
	RecipientName    string    `json:"recipientName,omitempty"`
	Organisation     string    `json:"organisation,omitempty"`
	ProducerKind     string    `json:"producerKind,omitempty"`
	Step             string    `json:"step,omitempty"`
	StepLabel        string    `json:"stepLabel,omitempty"`
	Due              time.Time `json:"due,omitempty"`
	Since            time.Time `json:"since,omitempty"`
	Sessions         []Session `json:"sessions,omitempty"`
	Tasks            []Task    `json:"tasks,omitempty"`
	Missing          []string  `json:"missing,omitempty"`
	AmountCents      int64     `json:"amountCents,omitempty"`
	BudgetCents      int64     `json:"budgetCents,omitempty"`
	GroupSize        int       `json:"groupSize,omitempty"`
	Count            int       `json:"count,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	Party            string    `json:"party,omitempty"`
	// Link is a personal link (a sign-in link, a task page): a token, which
	// is sent but never stored or logged in the clear.
	Link string `json:"link,omitempty"`
	// Calendar is CalendarRequest or CalendarCancel when the e-mail carries
	// the Sessions as an iCalendar attachment (Invitation).
	Calendar string `json:"calendar,omitempty"`
}

// Message is a rendered e-mail.
type Message struct {
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
}

// Attachment is a file sent with an e-mail.
type Attachment struct {
	Filename string `json:"filename"`
	Type     string `json:"type"` // MIME type with parameters, e.g. text/calendar; method=REQUEST
	Content  []byte `json:"content"`
}

type compiled struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var funcs = map[string]any{
	"date":     DutchDate,
	"datetime": DutchDateTime,
	"euro":     Euro,
	"upper":    strings.ToUpper,
}

var templates = mustCompile()

// mustCompile parses every template once; a broken embedded template is a
// build defect, which the package's tests catch.
func mustCompile() map[string]compiled {
	shared, err := fs.ReadFile(templateFS, "templates/_layout.tmpl")
	if err != nil {
		panic(fmt.Sprintf("mail: read layout: %v", err))
	}
	entries, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		panic(fmt.Sprintf("mail: list templates: %v", err))
	}
	out := map[string]compiled{}
	for _, p := range entries {
		name := strings.TrimSuffix(path.Base(p), ".tmpl")
		if strings.HasPrefix(name, "_") {
			continue
		}
		src, err := fs.ReadFile(templateFS, p)
		if err != nil {
			panic(fmt.Sprintf("mail: read %s: %v", p, err))
		}
		all := string(shared) + "\n" + string(src)
		tt, err := texttemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(all)
		if err != nil {
			panic(fmt.Sprintf("mail: parse %s (text): %v", name, err))
		}
		ht, err := htmltemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(all)
		if err != nil {
			panic(fmt.Sprintf("mail: parse %s (html): %v", name, err))
		}
		out[name] = compiled{text: tt, html: ht}
	}
	return out
}

// Names lists the templates, sorted.
func Names() []string {
	n := make([]string, 0, len(templates))
	for k := range templates {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Render fills a template with data, naming the default back office.
func Render(name string, d Data) (Message, error) { return RenderFor(name, d, BackOffice) }

// RenderFor fills a template with data, naming backOffice as the contact.
func RenderFor(name string, d Data, backOffice Contact) (Message, error) {
	t, ok := templates[name]
	if !ok {
		return Message{}, fmt.Errorf("unknown e-mail template %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	view := struct {
		Data
		BackOffice Contact
	}{d, backOffice}
	var subject, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", view); err != nil {
		return Message{}, fmt.Errorf("render %s subject: %w", name, err)
	}
	if err := t.text.ExecuteTemplate(&text, "text", view); err != nil {
		return Message{}, fmt.Errorf("render %s text: %w", name, err)
	}
	if err := t.html.ExecuteTemplate(&html, "html", view); err != nil {
		return Message{}, fmt.Errorf("render %s html: %w", name, err)
	}
	return Message{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}

// LinkPlaceholder stands where an e-mail's personal task link was: the
// outbox stores the e-mail with it, never the link, whose token opens the
// party's task page.
const LinkPlaceholder = "[persoonlijke link]"
