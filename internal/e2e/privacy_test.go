package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	querypb "go.temporal.io/api/query/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

// Made-up people of the privacy check: none of them exists.
const (
	pcCode          = "GM0505" // Dordrecht
	pcMunicipality  = "Henk Zwartveld"
	pcMunicipalityE = "h.zwartveld@dordrecht-privacytoets.example.nl"
	pcOrganisation  = "Stichting Zorgzaam Privacytoets"
	pcProducer      = "Aaltje Brouwersma"
	pcProducerE     = "a.brouwersma@zorgzaam-privacytoets.example.nl"
	pcTeacher       = "Gerbrand Oosterwijk"
	pcTeacherE      = "g.oosterwijk@docenten-privacytoets.example.nl"
	pcExtendReason  = "Wethouder Marijke ten Bosch legt het fondsbesluit voor aan de raad"
	pcPostponeWhy   = "Penningmeester Jan-Willem Achterberg herstelt van een hartoperatie"
)

// pcParticipants are the participants file's rows: id, name, e-mail, phone.
var pcParticipants = [][4]string{
	{"P01", "Soraya El Haddouti", "s.elhaddouti@privacytoets.example.nl", "+31 6 1234 5601"},
	{"P02", "Mehmet Korkmaz-Vos", "m.korkmazvos@privacytoets.example.nl", "06-98765402"},
	{"P03", "Nadia Bouzerda", "", "(078) 555 0103"},
	{"P04", "Rukiye Yıldırımoğlu", "r.yildirimoglu@privacytoets.example.nl", ""},
	{"P05", "Esperanza Kwakman", "e.kwakman@privacytoets.example.nl", "+31 6 2222 0505"},
	{"P06", "Lotfi Amrani", "", ""}, {"P07", "Chaima Oulad Ali", "", ""}, {"P08", "Gülsen Tekdemir", "", ""},
	{"P09", "Winston Pinas", "", ""}, {"P10", "Sunita Ramsaran", "", ""}, {"P11", "Hafida Zerouali", "", ""},
	{"P12", "Ilse Baldewsingh", "", ""}, {"P13", "Fatiha Mourabit", "", ""}, {"P14", "Orlando Sedney", "", ""},
}

// needles are what must not be readable in a history: every name, address,
// phone number and reason the check uses, and the organisation too (it
// travels in the same payloads).
func needles() []string {
	out := []string{pcMunicipality, "Zwartveld", pcMunicipalityE, pcProducer, "Brouwersma", pcProducerE, pcTeacher, "Oosterwijk", pcTeacherE,
		pcExtendReason, "ten Bosch", "fondsbesluit", pcPostponeWhy, "Achterberg", "hartoperatie", pcOrganisation, "Zorgzaam"}
	for _, p := range pcParticipants[:5] {
		out = append(out, p[1])
		if p[2] != "" {
			out = append(out, p[2])
		}
		if p[3] != "" {
			out = append(out, p[3], digits(p[3]))
		}
	}
	for _, p := range pcParticipants[5:] {
		out = append(out, p[1])
	}
	return out
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// TestPrivacyCheck is the privacy check: a demo-wave rollout run to
// graduation with made-up contacts for the municipality, the producer and
// the teacher, a participants file with names, addresses and phone numbers,
// and reasons that name people and a health matter. Every history of the
// rollout and its cohort, exported raw as `temporal workflow show -o json`
// prints it without the codec, with the workflows' descriptions and the
// Web UI's current details, holds none of them; `starter status` still
// shows the names, decrypted.
func TestPrivacyCheck(t *testing.T) {
	s := startSystem(t)
	id := rollout.WorkflowID("demo", pcCode)
	c := s.te.Client(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = c.TerminateWorkflow(ctx, id, "", "end of TestPrivacyCheck")
		_ = c.TerminateWorkflow(ctx, rollout.CohortWorkflowID(id), "", "end of TestPrivacyCheck")
	})
	startEventually(t, "start", "--municipality", pcCode, "--wave", "demo", "--day-length", "100ms", "--contact-email", pcMunicipalityE, "--contact-name", pcMunicipality)
	// The scripted actor plays everything else: the courses, the location,
	// the internship places, the cohort's reports and graduation.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	actor := &simulate.Actor{C: testenv.Rollouts(c, simulate.Player), Out: testWriter{t}, Poll: 20 * time.Millisecond,
		Leave: []string{"application", "teacher", "recruitment", "funding"}}
	played := make(chan error, 1)
	go func() { played <- actor.Run(ctx, []string{id}, []simulate.Variant{simulate.HappyPath}) }()

	cmd := func(action string, args ...string) []string {
		return append([]string{action, pcCode, "--wave", "demo"}, args...)
	}
	mustRunEventually(t, cmd("apply", "--organisation", pcOrganisation, "--kind", "welzijnsinstelling", "--contact-name", pcProducer, "--contact-email", pcProducerE)...)
	mustRunEventually(t, cmd("teacher", "--id", "T1", "--name", pcTeacher, "--email", pcTeacherE)...)
	var csv strings.Builder
	csv.WriteString("id,name,email,phone\n")
	for _, p := range pcParticipants {
		fmt.Fprintf(&csv, "%s,%s,%s,%s\n", p[0], p[1], p[2], p[3])
	}
	file := filepath.Join(t.TempDir(), "deelnemers.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRunEventually(t, cmd("enrol", "--csv", file)...)

	// The funding waits; its due date is extended with a reason that names
	// an alderman.
	waitFor(t, 30*time.Second, "the funding to open", func() bool { return cliStatusIn(t, pcCode, "demo").Line("funding").Waiting() })
	due := cliStatusIn(t, pcCode, "demo").Line("funding").Due
	mustRun(t, cmd("extend", "--step", "funding", "--due", due.Add(500*time.Millisecond).Format(time.RFC3339Nano), "--reason", pcExtendReason)...)
	// At the start the funding is missing; a later start is agreed, for a
	// reason that names a person and a health matter, then the fund pays.
	if !s.sg.WaitFor(60*time.Second, func(ms []sendgridfake.Mail) bool { return hasTemplate(ms, "start-blocked") }) {
		t.Fatal("the start was not blocked by the missing funding")
	}
	mustRun(t, cmd("postpone", "--start", time.Now().Add(3*time.Second).Format(time.RFC3339), "--reason", pcPostponeWhy)...)
	mustRun(t, cmd("funding", "--source", "fund", "--name", "Oranje Fonds", "--amount", "25500")...)

	var res rollout.Result
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil || res.Outcome != plan.OutcomeGraduated {
		t.Fatalf("the rollout ended %+v, %v; want graduated", res, err)
	}
	if err := <-played; err != nil {
		t.Fatalf("simulate: %v", err)
	}
	// The e-mails did carry the data: the check below means something.
	if !hasText(s.sg.Mails(), "Achterberg") || !hasText(s.sg.Mails(), pcProducer) {
		t.Fatal("the e-mails do not carry the reason and the producer's name")
	}

	raw := s.te.RawClient(t)
	for _, wid := range []string{id, rollout.CohortWorkflowID(id)} {
		corpus := rawExport(t, raw, wid)
		for _, n := range needles() {
			if i := strings.Index(strings.ToLower(corpus), strings.ToLower(n)); i >= 0 {
				t.Errorf("%s: %q is readable without the codec: …%s…", wid, n, corpus[max(0, i-80):min(len(corpus), i+len(n)+80)])
			}
		}
		// A positive control: what may show, shows.
		for _, want := range []string{"Dordrecht", pcCode, "AmwahtPhase"} {
			if !strings.Contains(corpus, want) {
				t.Errorf("%s: the raw export lacks %q: the scan reads the wrong thing", wid, want)
			}
		}
	}

	// Decrypted, through the codec, the names are there.
	out := mustRun(t, "status", pcCode, "--wave", "demo")
	for _, want := range []string{pcProducer, pcProducerE, pcTeacher, pcOrganisation} {
		if !strings.Contains(out, want) {
			t.Errorf("starter status does not show %q:\n%s", want, out)
		}
	}
	// And the reasons, read from the history through the codec.
	reasons := map[string]string{}
	it := c.GetWorkflowHistory(t.Context(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		u := e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput()
		var actor plan.Actor
		var p struct{ Reason string }
		if u != nil && testenv.DataConverter().FromPayloads(u.GetArgs(), &actor, &p) == nil && p.Reason != "" {
			reasons[u.GetName()] = p.Reason
		}
	}
	if reasons[plan.ActPostpone] != pcPostponeWhy || reasons[plan.ActExtend] != pcExtendReason {
		t.Errorf("the reasons read through the codec: %v", reasons)
	}
}

func hasText(ms []sendgridfake.Mail, s string) bool {
	for _, m := range ms {
		if strings.Contains(m.Text, s) {
			return true
		}
	}
	return false
}

// rawExport is everything about a workflow that someone without the codec
// reads: its history as `temporal workflow show -o json` prints it (and
// every payload's bytes as text, which that shorthand shows for JSON
// payloads), its description (search attributes, memo, summary and
// details), the answer to the Web UI's metadata query (current details)
// and to the status query. It also checks that the inputs are sealed and
// the Web UI's texts are not.
func rawExport(t *testing.T, c client.Client, id string) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	it := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, e)
	}
	js, err := protojson.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	b.Write(js)
	sealed, readable := 0, 0
	for _, p := range payloads(h) {
		b.WriteString("\n")
		b.Write(p.GetData())
		if string(p.GetMetadata()[converter.MetadataEncoding]) == codec.EncodingEncrypted {
			sealed++
		} else {
			readable++
		}
	}
	start := h.Events[0].GetWorkflowExecutionStartedEventAttributes()
	if enc := string(start.GetInput().GetPayloads()[0].GetMetadata()[converter.MetadataEncoding]); enc != codec.EncodingEncrypted {
		t.Errorf("%s: the input is %s, not encrypted", id, enc)
	}
	summary := h.Events[0].GetUserMetadata().GetSummary()
	if enc := string(summary.GetMetadata()[converter.MetadataEncoding]); enc != converter.MetadataEncodingJSON || !strings.Contains(string(summary.GetData()), pcCode) {
		t.Errorf("%s: the Web UI's summary is not readable (%s): %q", id, enc, summary.GetData())
	}
	t.Logf("%s: %d events, %d payloads encrypted, %d readable (the Web UI's texts, search attributes)", id, len(h.Events), sealed, readable)

	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	js, _ = protojson.Marshal(d)
	b.Write(js)
	for _, p := range payloads(d) {
		b.WriteString("\n")
		b.Write(p.GetData())
	}
	for _, q := range []string{"__temporal_workflow_metadata", rollout.QueryStatus} {
		resp, err := c.WorkflowService().QueryWorkflow(ctx, &workflowservice.QueryWorkflowRequest{
			Namespace: testenv.Current().Temporal.Namespace,
			Execution: &commonpb.WorkflowExecution{WorkflowId: id},
			Query:     &querypb.WorkflowQuery{QueryType: q},
		})
		if err != nil {
			t.Fatalf("query %s of %s: %v", q, id, err)
		}
		for _, p := range resp.GetQueryResult().GetPayloads() {
			b.WriteString("\n")
			b.Write(p.GetData())
			enc := string(p.GetMetadata()[converter.MetadataEncoding])
			if q == rollout.QueryStatus && enc != codec.EncodingEncrypted {
				t.Errorf("%s: the status query's answer is %s, not encrypted", id, enc)
			}
			if q != rollout.QueryStatus && !strings.Contains(string(p.GetData()), "Dordrecht") {
				t.Errorf("%s: the current details are not readable: %q", id, p.GetData())
			}
		}
	}
	return b.String()
}

// payloads finds every Payload in a message, however deep.
func payloads(m proto.Message) []*commonpb.Payload {
	var out []*commonpb.Payload
	var walk func(protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if p, ok := m.Interface().(*commonpb.Payload); ok {
			out = append(out, p)
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message())
				}
			case fd.IsMap() && fd.MapValue().Message() != nil:
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool { walk(mv.Message()); return true })
			case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
				walk(v.Message())
			}
			return true
		})
	}
	walk(m.ProtoReflect())
	return out
}
