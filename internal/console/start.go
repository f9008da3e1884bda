package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stichtingbmp/amwaht/internal/address"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// startPage is the form that starts rollouts: one municipality, a
// province, all of them, or a pasted list of codes.
type startPage struct {
	Values         map[string]string
	Problems       map[string][]string
	Municipalities []municipality.Municipality
	Provinces      []string
	Waves          []string
}

func (startPage) PageTitle() string { return "Uitrollen starten" }

func (s *Server) startForm(w http.ResponseWriter, r *http.Request, _ staff.Member) {
	s.render(w, r, http.StatusOK, "start", newStartPage(map[string]string{"scope": "gemeente", "daglengte": "10s"}, nil))
}

func newStartPage(values map[string]string, problems map[string][]string) startPage {
	return startPage{Values: values, Problems: problems, Municipalities: municipality.All(), Provinces: municipality.Provinces(), Waves: wave.Names()}
}

// startRequest is a validated start form.
type startRequest struct {
	list    []municipality.Municipality
	wave    wave.Calendar
	contact func(municipality.Municipality) string
	name    string
}

// startBatch checks the form, then starts the batch in the background and
// shows its progress. Starting is idempotent: what already runs is skipped.
func (s *Server) startBatch(w http.ResponseWriter, r *http.Request, m staff.Member) {
	values := map[string]string{}
	for _, k := range []string{"scope", "gemeente", "provincie", "codes", "ronde", "daglengte", "email", "patroon", "naam"} {
		values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	req, problems := s.readStart(values, r)
	if len(problems) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "start", newStartPage(values, problems))
		return
	}
	rc, err := s.rollouts(m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ins := make([]rollout.Input, len(req.list))
	for i, mu := range req.list {
		ins[i] = rollout.Input{Municipality: mu, Wave: req.wave, Contact: mail.Contact{Name: req.name, Email: req.contact(mu)}}
	}
	b := s.batches.start(rc, ins, m)
	http.Redirect(w, r, "/starten/"+b.ID, http.StatusSeeOther)
}

// readStart checks a start form and says what is wrong, per field.
func (s *Server) readStart(v map[string]string, r *http.Request) (startRequest, map[string][]string) {
	problems := map[string][]string{}
	add := func(f, msg string) { problems[f] = append(problems[f], msg) }
	var req startRequest
	req.list = s.readScope(v, add)
	req.wave = s.readWave(v, r, add)
	req.name = v["naam"]
	if len([]rune(req.name)) > 200 {
		add("naam", "de naam is langer dan 200 tekens")
	}
	if len(req.list) == 1 && v["patroon"] == "" {
		if err := address.Validate(v["email"]); err != nil {
			add("email", dutchAddress(err))
		}
		req.contact = func(municipality.Municipality) string { return v["email"] }
		return req, problems
	}
	if err := municipality.CheckPattern(v["patroon"]); err != nil {
		add("patroon", err.Error())
		return req, problems
	}
	req.contact = func(m municipality.Municipality) string { return municipality.Address(v["patroon"], m) }
	for _, mu := range req.list {
		if err := address.Validate(req.contact(mu)); err != nil {
			add("patroon", fmt.Sprintf("%s: %s", mu.Name, dutchAddress(err)))
			break
		}
	}
	return req, problems
}

func dutchAddress(err error) string {
	var ae *address.Error
	if errors.As(err, &ae) {
		return ae.Dutch()
	}
	return err.Error()
}

func (s *Server) readScope(v map[string]string, add func(string, string)) []municipality.Municipality {
	switch v["scope"] {
	case "gemeente":
		mu, err := municipality.Lookup(v["gemeente"])
		if err != nil {
			add("gemeente", "kies een gemeente")
			return nil
		}
		return []municipality.Municipality{mu}
	case "provincie":
		ms, err := municipality.InProvince(v["provincie"])
		if err != nil {
			add("provincie", "kies een provincie")
		}
		return ms
	case "alle":
		return municipality.All()
	case "lijst":
		ms, err := municipality.ParseCodes(strings.NewReader(v["codes"]))
		if err != nil {
			add("codes", "de lijst klopt niet: "+err.Error())
		}
		return ms
	}
	add("scope", "kies welke gemeenten")
	return nil
}

// readWave is a built-in wave, or a wave file sent with the form.
func (s *Server) readWave(v map[string]string, r *http.Request, add func(string, string)) wave.Calendar {
	if f, h, err := r.FormFile("bestand"); err == nil {
		defer f.Close()
		w, err := wave.ParseFile(f, h.Filename)
		if err != nil {
			add("bestand", err.Error())
		}
		return w
	}
	day, err := time.ParseDuration(v["daglengte"])
	if v["ronde"] == wave.Demo && (err != nil || day <= 0 || day > 24*time.Hour) {
		add("daglengte", "de duur van een demodag is bijvoorbeeld 10s (tien seconden) of 1m (een minuut)")
		return wave.Calendar{}
	}
	w, err := wave.Lookup(v["ronde"], s.now(), day)
	if err != nil {
		add("ronde", "kies een ronde, of stuur een rondebestand mee")
	}
	return w
}

// batches are the starts under way, followed on their progress page.
type batches struct {
	mu sync.Mutex
	by map[string]*batch
}

func newBatches() *batches { return &batches{by: map[string]*batch{}} }

// batch is one start of many rollouts, and how far it is.
type batch struct {
	ID                       string
	Wave                     string
	By                       string
	Total                    int
	Started, Skipped, Failed int
	Done                     bool
	Began                    time.Time
	Recent                   []string
	mu                       sync.Mutex
}

func (b *batch) PageTitle() string { return "Voortgang: uitrollen starten" }

func (bs *batches) start(rc *rollout.Client, ins []rollout.Input, m staff.Member) *batch {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	b := &batch{ID: hex.EncodeToString(id), Total: len(ins), By: m.Name, Began: time.Now()}
	if len(ins) > 0 {
		b.Wave = ins[0].Wave.Name
	}
	bs.mu.Lock()
	for id, old := range bs.by {
		if time.Since(old.Began) > 24*time.Hour {
			delete(bs.by, id) // a progress page is for the day it ran
		}
	}
	bs.by[b.ID] = b
	bs.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		rc.StartMany(ctx, ins, b.record)
		b.mu.Lock()
		b.Done = true
		b.mu.Unlock()
	}()
	return b
}

func (b *batch) record(r rollout.Started) {
	b.mu.Lock()
	defer b.mu.Unlock()
	line := fmt.Sprintf("%s: gestart", r.Input.Municipality.Name)
	switch {
	case r.Skipped:
		b.Skipped++
		line = fmt.Sprintf("%s: overgeslagen (loopt al)", r.Input.Municipality.Name)
	case r.Err != nil:
		b.Failed++
		line = fmt.Sprintf("%s: mislukt (%s)", r.Input.Municipality.Name, explain(r.Err))
	default:
		b.Started++
	}
	b.Recent = append([]string{line}, b.Recent...)
	if len(b.Recent) > 10 {
		b.Recent = b.Recent[:10]
	}
}

// snapshot is a batch's progress at one moment, for its page.
type snapshot struct {
	ID, Wave, By             string
	Total, Done, Percent     int
	Started, Skipped, Failed int
	Finished                 bool
	Recent                   []string
}

func (snapshot) PageTitle() string { return "Voortgang: uitrollen starten" }

func (b *batch) snapshot() snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	done := b.Started + b.Skipped + b.Failed
	return snapshot{ID: b.ID, Wave: b.Wave, By: b.By, Total: b.Total, Done: done, Percent: done * 100 / max(b.Total, 1),
		Started: b.Started, Skipped: b.Skipped, Failed: b.Failed, Finished: b.Done, Recent: append([]string(nil), b.Recent...)}
}

// batchPage shows a batch's progress; it reloads itself every second until
// the batch is done (a page refresh, so it needs no script).
func (s *Server) batchPage(w http.ResponseWriter, r *http.Request, _ staff.Member) {
	s.batches.mu.Lock()
	b := s.batches.by[r.PathValue("id")]
	s.batches.mu.Unlock()
	if b == nil {
		s.notFound(w, r)
		return
	}
	snap := b.snapshot()
	if !snap.Finished {
		w.Header().Set("Refresh", "1")
	}
	s.render(w, r, http.StatusOK, "batch", snap)
}
