package mail

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/template/parse"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestCatalogueMatchesTemplates(t *testing.T) {
	var names []string
	seen := map[string]bool{}
	for _, e := range Catalogue() {
		if seen[e.Name] {
			t.Errorf("catalogue lists %s twice", e.Name)
		}
		seen[e.Name] = true
		if e.When == "" || e.To == "" {
			t.Errorf("catalogue entry %s lacks When or To", e.Name)
		}
		names = append(names, e.Name)
	}
	sort.Strings(names)
	if !slices.Equal(names, Names()) {
		t.Errorf("catalogue names:\n  %v\ntemplates:\n  %v", names, Names())
	}
}

// TestExamplesRender renders every template with its example data and checks
// what a reader would notice: missing values, broken formatting, zero dates,
// the due date missing, an unfinished HTML document.
func TestExamplesRender(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			d := Example(name)
			m, err := Render(name, d)
			if err != nil {
				t.Fatal(err)
			}
			for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
				for _, bad := range []string{"<no value>", "%!", "(geen datum)", "ZgotmplZ", "{{", "}}"} {
					if strings.Contains(s, bad) {
						t.Errorf("%s contains %q:\n%s", part, bad, s)
					}
				}
			}
			if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("bad subject %q", m.Subject)
			}
			if !strings.HasPrefix(m.HTML, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(m.HTML), "</html>") {
				t.Errorf("HTML is not a whole document:\n%s", m.HTML)
			}
			// Every e-mail about a rollout names it; a sign-in link is about no rollout.
			if name != "staff-signin" && (!strings.Contains(m.Text, "Kenmerk: "+d.WorkflowID) || !strings.Contains(m.Text, BackOffice.Email)) {
				t.Errorf("text lacks the footer (kenmerk, back office):\n%s", m.Text)
			}

			used := usedFields(t, name)
			if used["Due"] && !strings.Contains(m.Text, DutchDate(d.Due)) {
				t.Errorf("template uses .Due but the text lacks %q:\n%s", DutchDate(d.Due), m.Text)
			}
			ex := reflect.ValueOf(d)
			for f := range used {
				if v := ex.FieldByName(f); v.IsValid() && v.IsZero() {
					t.Errorf("template uses .%s but Example(%q) leaves it empty", f, name)
				}
			}
		})
	}
}

// TestZeroDataRenders guards against templates that fail (rather than show a
// gap) when the workflow leaves an optional field empty.
func TestZeroDataRenders(t *testing.T) {
	for _, name := range Names() {
		if _, err := Render(name, Data{}); err != nil {
			t.Errorf("%s with empty data: %v", name, err)
		}
	}
}

func TestEscalationWithoutReason(t *testing.T) {
	d := Example("step-escalation")
	d.Reason = ""
	m, err := Render("step-escalation", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "Probleem") || strings.Contains(m.HTML, "Probleem") {
		t.Errorf("an escalation without a reason shows a problem line:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "starter status GM0344 --wave 2012") {
		t.Errorf("escalation lacks the status command:\n%s", m.Text)
	}
}

// The tests' back office and recipient: example.org, never BMP's real address.
var (
	exampleBackOffice = BackOfficeAt(Contact{Email: "backoffice@example.org"})
	exampleAttendee   = Contact{Name: exampleProducer, Email: "f.yilmaz@example.org"}
	exampleStamp      = time.Date(2012, time.March, 1, 10, 0, 0, 0, time.UTC)
)

func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range Names() {
		m, err := RenderFor(name, Example(name), exampleBackOffice)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		files := map[string]string{
			name + ".txt":  m.Subject + "\n\n" + m.Text,
			name + ".html": m.HTML,
		}
		// The calendar attachment, as a calendar program reads it.
		inv, err := Invitation(Example(name), exampleBackOffice, exampleAttendee, exampleStamp)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if inv != nil {
			files[name+".ics"] = string(inv.Content)
		}
		for file, got := range files {
			p := filepath.Join(dir, file)
			if *update {
				if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("%v (run go test ./internal/mail -update)", err)
				continue
			}
			if !bytes.Equal(want, []byte(got)) {
				t.Errorf("%s differs from the golden file (run go test ./internal/mail -update and review the diff):\n%s", p, got)
			}
		}
	}
}

// usedFields lists the top-level Data fields a template's subject, text and
// html read, following {{template}} calls. Fields read inside range or with
// (where dot is a Session, a Task, …) are not top-level and are left out.
func usedFields(t *testing.T, name string) map[string]bool {
	t.Helper()
	tmpl := templates[name].text
	used := map[string]bool{}
	var walk func(n parse.Node, root bool, stack []string)
	walkPipe := func(p *parse.PipeNode, root bool, stack []string) {
		if p == nil {
			return
		}
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				walk(a, root, stack)
			}
		}
	}
	walk = func(n parse.Node, root bool, stack []string) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c, root, stack)
			}
		case *parse.ActionNode:
			walkPipe(n.Pipe, root, stack)
		case *parse.PipeNode:
			walkPipe(n, root, stack)
		case *parse.ChainNode:
			walk(n.Node, root, stack)
		case *parse.FieldNode:
			if root {
				used[n.Ident[0]] = true
			}
		case *parse.VariableNode:
			if n.Ident[0] == "$" && len(n.Ident) > 1 {
				used[n.Ident[1]] = true
			}
		case *parse.IfNode:
			walkPipe(n.Pipe, root, stack)
			walk(n.List, root, stack)
			walk(n.ElseList, root, stack)
		case *parse.RangeNode:
			walkPipe(n.Pipe, root, stack)
			walk(n.List, false, stack)
			walk(n.ElseList, root, stack)
		case *parse.WithNode:
			walkPipe(n.Pipe, root, stack)
			walk(n.List, false, stack)
			walk(n.ElseList, root, stack)
		case *parse.TemplateNode:
			walkPipe(n.Pipe, root, stack)
			passesRoot := root && n.Pipe != nil && len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1
			if passesRoot {
				_, passesRoot = n.Pipe.Cmds[0].Args[0].(*parse.DotNode)
			}
			if !passesRoot || slices.Contains(stack, n.Name) {
				return
			}
			called := tmpl.Lookup(n.Name)
			if called == nil || called.Tree == nil {
				t.Fatalf("%s calls undefined template %q", name, n.Name)
			}
			walk(called.Tree.Root, true, append(stack, n.Name))
		}
	}
	for _, part := range []string{"subject", "text", "html"} {
		walk(tmpl.Lookup(part).Tree.Root, true, []string{part})
	}
	return used
}

// A task recorded before the e-mail goes out reads as settled, without a
// deadline; the others keep theirs.
func TestProducerTasksMarksSettledTasks(t *testing.T) {
	d := Example("producer-tasks")
	d.Tasks[0].Done = true
	m, err := Render("producer-tasks", d)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{m.Text, m.HTML} {
		if !strings.Contains(body, d.Tasks[0].Label+": al geregeld, dank u") {
			t.Errorf("settled task not marked:\n%s", body)
		}
		if strings.Count(body, "uiterlijk") != len(d.Tasks)-1 {
			t.Errorf("want %d deadlines, got %d:\n%s", len(d.Tasks)-1, strings.Count(body, "uiterlijk"), body)
		}
	}
}
