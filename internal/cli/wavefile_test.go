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
	dialTemporal = func(context.Context) (client.Client, error) {
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
		"Wave 2013 (from " + waveFile2013 + "; Dutch time):",
		"producer application deadline", "Fri 1 Mar 2013 23:59",
		"producer course day 2 (Utrecht)", "Fri 5 Apr 2013 10:00–16:00",
		"teacher course day 2, 2 half-days (Soesterberg, overnight)", "Thu 20 Jun 2013 10:00–21:00",
		"recruitment due", "Fri 16 Aug 2013 23:59",
		"intended start", "Mon 2 Sep 2013 09:00",
		"Praktijkdeel (122 days, practicum)",
		"planned 17, minimum 12; € 1.500,00 per participant (budget € 25.500,00); premium € 2.500,00",
		"later commands take --wave 2013",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runNoServer(t, "waves", "--file", waveFile2013, "--json")
	var w wave.Calendar
	if err := json.Unmarshal([]byte(out), &w); code != ExitOK || err != nil || w.Name != "2013" || !w.IntendedStart.Equal(time.Date(2013, time.September, 2, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("--json: exit %d, %v, %+v", code, err, w)
	}

	// The built-in list prints the same way.
	code, out, _ = runNoServer(t, "waves")
	if code != ExitOK || !strings.Contains(out, "Wave 2012 (the brochure's calendar") || !strings.Contains(out, "teacher course day 3, 2 half-days (Soesterberg, overnight)  Fri 22 Jun 2012 09:00–16:00") {
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
		"error: the wave file " + bad + " has 3 problems:\n",
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
		{"day length with 2012", []string{"--wave", "2012", "--day-length", "5s"}, ExitUsage, "--day-length is for the demo wave only"},
		{"day length with a file", []string{"--wave-file", waveFile2013, "--day-length", "5s"}, ExitUsage, "--day-length is for the demo wave only"},
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

// On a file wave, --attended reads the day's half-days from the rollout
// itself, so every form of teacher attendance goes on to Temporal.
func TestTeacherAttendanceOnFileWavesAsksTheRollout(t *testing.T) {
	args := []string{"attendance", "GM0344", "--course", "teacher", "--day", "2", "--teacher", "T1"}
	for _, extra := range [][]string{{"--wave", "2013", "--attended"}, {"--wave", "2013", "--half-days", "2"}, {"--wave", "2012", "--attended"}} {
		if code, _, errOut := runNoServer(t, append(args, extra...)...); code != ExitUnreachable {
			t.Errorf("%v: exit %d, %s", extra, code, errOut)
		}
	}
	if n, err := teacherDayHalfDays(nil, rolloutRef{wave: "demo"}, "GM0344", 3); n != 2 || err != nil {
		t.Errorf("demo day 3: %d half-days, %v", n, err)
	}
}
