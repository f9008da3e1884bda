package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

const waveFile2013 = "../wave/testdata/wave-2013.json"

// runNoServer runs the CLI with Temporal unreachable: a command that gets as
// far as dialing exits 5, so nothing can be sent anywhere.
func runNoServer(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dial := dialTemporal
	dialTemporal = func(context.Context, string) (client.Client, error) {
		return nil, fmt.Errorf("%w: test: no Temporal", app.ErrUnreachable)
	}
	t.Cleanup(func() { dialTemporal = dial })
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// badWaveFile writes a wave file with several problems.
func badWaveFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(waveFile2013)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"opens": "2013-01-14 09:00"`, `"opens": "2013-01-14"`, 1)
	s = strings.Replace(s, `"date": "2013-04-05 10:00"`, `"date": "2013-13-01"`, 1)
	s = strings.Replace(s, `"premium": 2500`, `"premium": 2500, "kleur": "blauw"`, 1)
	path := filepath.Join(t.TempDir(), "wave-bad.json")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWavesFile(t *testing.T) {
	code, out, errOut := runNoServer(t, "waves", "--file", waveFile2013)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Ronde 2013 (uit " + waveFile2013 + "; Nederlandse tijd):",
		"aanmelding van een producent (application)", "vrijdag 1 maart 2013 om 23.59 uur",
		"cursus voor producenten, dag 2 (Utrecht, 2 dagdelen) (producer-course-2)", "vrijdag 5 april 2013 om 10.00 uur–16:00",
		"docentencursus, dag 2 (Soesterberg, 2 dagdelen, met overnachting) (teacher-course-2)", "donderdag 20 juni 2013 om 10.00 uur–21:00",
		"deelnemers werven (minimaal 12) (recruitment)", "vrijdag 16 augustus 2013 om 23.59 uur",
		"start van de opleiding (start)", "maandag 2 september 2013 om 09.00 uur",
		"Praktijkdeel (practicum)", "voortgangsrapportage, maand 10 (progress-10)", "geslaagden doorgeven (graduates)",
		"gepland 17, minimaal 12; € 1.500,00 per deelnemer (begroting € 25.500,00); stimuleringspremie € 2.500,00",
		"latere opdrachten nemen --wave 2013",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runNoServer(t, "waves", "--file", waveFile2013, "--lang", "en")
	for _, want := range []string{"Wave 2013 (from " + waveFile2013 + "; Dutch time):", "producer applies (application)", "Fri 1 Mar 2013 23:59", "later commands take --wave 2013"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("--lang en: output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runNoServer(t, "waves", "--file", waveFile2013, "--json")
	var w wave.Calendar
	if err := json.Unmarshal([]byte(out), &w); code != ExitOK || err != nil || w.Name != "2013" || !w.IntendedStart().Equal(time.Date(2013, time.September, 2, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("--json: exit %d, %v, %+v", code, err, w)
	}

	// The built-in list prints the same way.
	code, out, _ = runNoServer(t, "waves")
	if code != ExitOK || !strings.Contains(out, "Ronde 2012 (de kalender van de brochure") || !strings.Contains(out, "vrijdag 22 juni 2012 om 09.00 uur–16:00") {
		t.Errorf("waves: exit %d\n%s", code, out)
	}
}

func TestWavesFileProblems(t *testing.T) {
	bad := badWaveFile(t)
	code, out, errOut := runNoServer(t, "waves", "--file", bad)
	if code != ExitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		"fout: the wave file " + bad + " has 3 problems:\n",
		bad + ": kleur: unknown field",
		bad + `: opens: "2013-01-14" has no time of day`,
		bad + `: producerCourse[2].date: "2013-13-01" is not a date (month out of range)`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, _, errOut = runNoServer(t, "waves", "--file", filepath.Join(t.TempDir(), "nope.json"))
	if code != ExitUsage || !strings.Contains(errOut, "nope.json: cannot open the wave file: no such file or directory") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}

func TestStartWaveFlags(t *testing.T) {
	bad := badWaveFile(t)
	start := []string{"start", "--municipality", "GM0344", "--contact-email", "zorg@utrecht.nl"}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"file accepted: goes on to dial", []string{"--wave-file", waveFile2013}, ExitUnreachable, "no Temporal"},
		{"built-in wave", []string{"--wave", "2012"}, ExitUnreachable, "no Temporal"},
		{"demo with a day length", []string{"--wave", "demo", "--day-length", "5s"}, ExitUnreachable, "no Temporal"},
		{"bad file: every problem, nothing started", []string{"--wave-file", bad}, ExitUsage, "has 3 problems; nothing was started:\n" + bad + ": kleur: unknown field"},
		{"missing file", []string{"--wave-file", "nope.json"}, ExitUsage, "nope.json: cannot open the wave file: no such file or directory (nothing was started)"},
		{"both", []string{"--wave", "2012", "--wave-file", waveFile2013}, ExitUsage, "exactly one of --wave (2012, demo) or --wave-file FILE"},
		{"neither", nil, ExitUsage, "exactly one of --wave (2012, demo) or --wave-file FILE"},
		{"day length with 2012", []string{"--wave", "2012", "--day-length", "5s"}, ExitUsage, "--day-length is for the demo wave or a rehearsal of a wave file"},
		{"a rehearsal of a file", []string{"--wave-file", waveFile2013, "--day-length", "5s"}, ExitUnreachable, "no Temporal"},
		{"a file wave's name as --wave", []string{"--wave", "2013"}, ExitUsage, `unknown wave "2013": the built-in waves are 2012, demo; a wave defined in a file is started with --wave-file FILE`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runNoServer(t, append(append([]string(nil), start...), c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant %q", code, c.code, errOut, c.want)
			}
		})
	}
}

// Teacher attendance on any wave goes to the rollout, whose plan knows
// the day's half-days; the CLI refuses before sending only what is wrong on
// its face.
func TestAttendanceFlags(t *testing.T) {
	args := []string{"attendance", "GM0344", "--course", "teacher", "--day", "2", "--teacher", "T1"}
	for _, extra := range [][]string{{"--wave", "2013", "--attended"}, {"--wave", "2013", "--half-days", "2"}, {"--wave", "2012", "--absent"}} {
		if code, _, errOut := runNoServer(t, append(args, extra...)...); code != ExitUnreachable {
			t.Errorf("%v: exit %d, %s", extra, code, errOut)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--course", "teacher", "--day", "1", "--half-days", "2"}, "--teacher: the teacher course records attendance per teacher"},
		{[]string{"--course", "producer", "--day", "1", "--attended", "--absent"}, "--attended: give exactly one of --attended, --absent or --half-days N"},
		{[]string{"--course", "producer", "--day", "0", "--attended"}, "--day: course days are counted from 1"},
		{[]string{"--course", "producer", "--day", "1", "--half-days", "1"}, "--half-days: half-days are for the teacher course"},
	} {
		code, _, errOut := runNoServer(t, append([]string{"attendance", "GM0344", "--wave", "demo", "--lang", "en"}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", c.args, code, c.want, errOut)
		}
	}
	code, _, errOut := runNoServer(t, "attendance", "GM0344", "--wave", "demo", "--course", "producer", "--day", "1", "--attended", "--absent")
	if code != ExitUsage || !strings.Contains(errOut, "--attended: kies precies één") {
		t.Errorf("in Dutch: exit %d\n%s", code, errOut)
	}
}
