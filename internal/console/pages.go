package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticFiles serves the console's CSS (the NL Design System components,
// pinned from npm, and BMP's theme), cacheable for a day.
func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}

// pages are the parsed templates: each page is the layout with its content.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"date":     mail.DutchDate,
	"datetime": mail.DutchDateTime,
	"euro":     mail.Euro,
	"nl":       func(t plan.Text) string { return t.In(plan.NL) },
	"short":    shortTime,
	"state":    func(s plan.State) string { return s.Label().In(plan.NL) },
	"party":    func(p plan.Party) string { return p.Label().In(plan.NL) },
	"phase":    func(p plan.Phase) string { return p.Label().In(plan.NL) },
	"outcome":  func(o plan.Outcome) string { return o.Label().In(plan.NL) },
	"actor": func(a *plan.Actor) string {
		if a == nil {
			return ""
		}
		return a.Label().In(plan.NL)
	},
	"join":    strings.Join,
	"lines":   func(ids []string) string { return strings.Join(lineNamesOf(ids), ", ") },
	"add":     func(a, b int) int { return a + b },
	"partyOf": func(s string) plan.Party { return plan.Party(s) },
	"phaseOf": func(s string) string { return plan.Phase(s).Label().In(plan.NL) },
	"scopes": func() []choice {
		return []choice{{Value: "gemeente", Label: "Eén gemeente"}, {Value: "provincie", Label: "Een provincie"}, {Value: "alle", Label: "Alle gemeenten"}, {Value: "lijst", Label: "Een lijst met codes"}}
	},
	"startField": func(p startPage, name, label, help, kind string) startFieldView {
		return startFieldView{Page: p, Name: name, Label: label, Help: help, Kind: kind, Value: p.Values[name], Problems: p.Problems[name]}
	},
}

// startFieldView is one field of the start form.
type startFieldView struct {
	Page                           startPage
	Name, Label, Help, Kind, Value string
	Problems                       []string
}

// shortTime writes a moment briefly in Dutch time: "di 2 mrt 2012 10.00".
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	l := t.In(wave.Amsterdam)
	days := [...]string{"zo", "ma", "di", "wo", "do", "vr", "za"}
	months := [...]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	return fmt.Sprintf("%s %d %s %d %02d.%02d", days[l.Weekday()], l.Day(), months[l.Month()-1], l.Year(), l.Hour(), l.Minute())
}

func loadPages() (*pages, error) {
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console: read layout: %w", err)
	}
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		src, err := fs.ReadFile(templateFS, e)
		if err != nil {
			return nil, err
		}
		t := template.New(name).Funcs(funcs).Option("missingkey=error")
		for _, part := range []string{string(layout), partials(), string(src)} {
			if t, err = t.Parse(part); err != nil {
				return nil, fmt.Errorf("console: parse %s: %w", name, err)
			}
		}
		p.byName[name] = t
	}
	return p, nil
}

// partials are the shared templates (forms), parsed into every page.
func partials() string {
	b, err := fs.ReadFile(templateFS, "templates/_form.html")
	if err != nil {
		panic(fmt.Sprintf("console: read form partial: %v", err))
	}
	return string(b)
}

// view is what every page's template gets.
type view struct {
	Title  string
	Member *staff.Member
	CSRF   string
	Flash  string
	Nav    string
	UIURL  string
	Page   any
	// Public marks a task page (taskpages.go): a party's, not staff's.
	Public bool
}

type errorPage struct{ Title, Message string }

// render writes a page; the layout shows the member and the flash message.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, page any) {
	v := view{Page: page, CSRF: s.csrfToken(r.Context()), UIURL: s.cfg.UIURL, Nav: name}
	if m, ok := r.Context().Value(memberKey{}).(staff.Member); ok {
		v.Member = &m
	}
	v.Flash = s.sessions.PopString(r.Context(), keyFlash)
	v.Title = titleOf(page)
	s.writePage(w, status, name, v)
}

// writePage renders page name in the layout whole before it writes a byte,
// so a template error becomes a clean 500, not half a page; nothing is
// cached, since every page holds a form token or personal data.
func (s *Server) writePage(w http.ResponseWriter, status int, name string, v view) {
	var b bytes.Buffer
	if err := s.pages.byName[name].ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("render page", "page", name, "public", v.Public, "error", err)
		http.Error(w, "De pagina kon niet worden gemaakt.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// titled is a page with a title for the browser's tab.
type titled interface{ PageTitle() string }

func titleOf(page any) string {
	if t, ok := page.(titled); ok {
		return t.PageTitle()
	}
	if e, ok := page.(errorPage); ok {
		return e.Title
	}
	return "AMWAHT-console"
}

func (e errorPage) PageTitle() string { return e.Title }

// flash shows a message on the next page.
func (s *Server) flash(r *http.Request, msg string) { s.sessions.Put(r.Context(), keyFlash, msg) }
