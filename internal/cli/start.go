package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// UIURL is the Web UI's base, for links in output.
func UIURL() string {
	if v := strings.TrimRight(os.Getenv("AMWAHT_UI_URL"), "/"); v != "" {
		return v
	}
	return "http://localhost:8233"
}

func workflowLink(namespace, id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", UIURL(), namespace, id)
}

func newStart(e *env) *cobra.Command {
	var code, province, file, waveName, waveFile, contactEmail, pattern, contactName string
	var all bool
	var dayLength time.Duration
	cmd := &cobra.Command{
		Use:   "start (--municipality CODE | --all | --province NAME | --file codes.txt) (--wave WAVE | --wave-file wave.json) (--contact-email ADDRESS | --contact-email-pattern PATTERN)",
		Short: "Start a rollout for a municipality in a wave, or for many at once",
		Long: `Start the rollout of the AMWAHT training for one municipality in one wave,
or for many: every municipality (--all), a province's (--province), or those
listed in a file (--file: one code per line; blank lines and '#' comments are
ignored; a bad line stops everything before anything starts). The
municipality's contact is e-mailed an invitation to put a producer forward
before the wave's application deadline.

One municipality takes --contact-email. Many take --contact-email-pattern,
where {code} is the code in lower case (gm0344), {CODE} in upper case (GM0344)
and {name} the name in lower case with other characters as hyphens
(utrecht, s-gravenhage): 'wmo@{name}.example.nl'. Every address is checked
before the first rollout starts. --contact-name is the same for all.

A batch is idempotent: a municipality whose rollout already runs in the wave
is reported "skipped (already runs)", not an error, so a batch that was
interrupted can simply be run again. The wave's calendar is computed once for
the whole batch (the demo wave's dates are the same for all). On a terminal a
progress bar shows the batch and only failures get a line of their own;
otherwise every municipality gets a line. The last line is the summary
"started N, skipped M, failed K"; the exit code is 0 unless one failed (1).
For a single municipality, a rollout that already runs exits 3.

Waves: 2012 (the brochure's calendar), demo (the 2012 calendar starting now,
one calendar day lasting --day-length, 1s by default), or a wave defined in a
file with --wave-file (a JSON plan in Dutch time; check it first with
'starter waves --file wave.json'). Every rollout carries its plan from the
moment it starts: editing the file later changes only rollouts started
afterwards. Every later command names the rollout by the file's "name", e.g.
'starter status GM0344 --wave 2013'. A wave file with --day-length is a
rehearsal: its plan starts now and runs compressed, one day per --day-length,
as the demo wave does.`,
		Example: `  starter start --municipality GM0344 --wave demo --contact-email zorg@utrecht.nl
  starter start --municipality GM0363 --wave 2012 --contact-email wmo@amsterdam.nl --contact-name "Afdeling WMO"
  starter start --province Flevoland --wave 2012 --contact-email-pattern 'wmo@{name}.example.nl'
  starter start --file wave-2012.txt --wave 2012 --contact-email-pattern 'amwaht-{code}@bmp.example.nl'
  starter start --province Utrecht --wave-file wave-2013.json --contact-email-pattern 'wmo@{name}.example.nl'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if countSet(code != "", all, province != "", file != "") != 1 {
				return usageErr("name the municipalities with exactly one of --municipality, --all, --province or --file")
			}
			if (contactEmail == "") == (pattern == "") {
				return usageErr("give the contact's address with --contact-email (one municipality) or --contact-email-pattern")
			}
			if code == "" && contactEmail != "" {
				return usageErr("--contact-email is for one municipality; for many use --contact-email-pattern, e.g. 'wmo@{name}.example.nl'")
			}
			if pattern != "" {
				if err := checkPattern(pattern); err != nil {
					return withCode(ExitUsage, fmt.Errorf("--contact-email-pattern: %w", err))
				}
			}
			w, err := startWave(cmd, waveName, waveFile, dayLength)
			if err != nil {
				return err
			}
			if code != "" {
				m, err := lookupMunicipality(code)
				if err != nil {
					return err
				}
				if pattern != "" {
					contactEmail = contactFor(pattern, m)
				}
				return startOne(e, m, w, contactEmail, contactName)
			}
			list, err := selectMunicipalities(all, province, file)
			if err != nil {
				return err
			}
			return startBatch(e, list, w, pattern, contactName)
		},
	}
	cmd.Flags().StringVarP(&code, "municipality", "m", "", "CBS code of the municipality, e.g. GM0344 (see 'starter municipalities')")
	cmd.Flags().BoolVar(&all, "all", false, "every municipality")
	cmd.Flags().StringVar(&province, "province", "", "every municipality of this province")
	cmd.Flags().StringVar(&file, "file", "", "the municipalities listed in this file, one code per line")
	cmd.Flags().StringVarP(&waveName, "wave", "w", "", "built-in wave: 2012 or demo")
	cmd.Flags().StringVar(&waveFile, "wave-file", "", "a wave defined in a JSON file, e.g. wave-2013.json (instead of --wave)")
	cmd.Flags().StringVar(&contactEmail, "contact-email", "", "e-mail address of the municipality's contact (one municipality)")
	cmd.Flags().StringVar(&pattern, "contact-email-pattern", "", "address pattern with {code}, {CODE} or {name}, e.g. 'wmo@{name}.example.nl'")
	cmd.Flags().StringVar(&contactName, "contact-name", "", "name of the municipality's contact (for the greeting)")
	cmd.Flags().DurationVar(&dayLength, "day-length", wave.DemoDayLength, "demo wave or a rehearsal of a wave file: how long one calendar day lasts")
	return cmd
}

// startWave is the wave of start's --wave or --wave-file (exactly one);
// --day-length goes with the demo wave, or compresses a wave file into a
// rehearsal starting now. A wave file with problems lists them all (exit 2)
// before anything starts.
func startWave(cmd *cobra.Command, name, file string, dayLength time.Duration) (wave.Calendar, error) {
	if (strings.TrimSpace(name) == "") == (file == "") {
		return wave.Calendar{}, usageErr("give the wave with exactly one of --wave (%s) or --wave-file FILE (a wave defined in a file)", strings.Join(wave.Names(), ", "))
	}
	rehearse := cmd.Flags().Changed("day-length")
	isDemo := file == "" && strings.EqualFold(strings.TrimSpace(name), wave.Demo)
	if rehearse && !isDemo && file == "" {
		return wave.Calendar{}, usageErr("--day-length is for the demo wave or a rehearsal of a wave file: wave %s runs on its real calendar", name)
	}
	if rehearse && dayLength <= 0 {
		return wave.Calendar{}, usageErr("--day-length must be more than 0, e.g. 1s")
	}
	if file != "" {
		w, err := loadWaveFile(file, "nothing was started")
		if err == nil && rehearse {
			w = wave.Compress(w, w.Name, time.Now(), dayLength)
		}
		return w, err
	}
	w, err := wave.Lookup(name, time.Now(), dayLength)
	if err != nil {
		return w, withCode(ExitUsage, fmt.Errorf("%w; a wave defined in a file is started with --wave-file FILE", err))
	}
	return w, nil
}

// loadWaveFile reads a wave file; its problems exit 2, all of them listed,
// after a line saying how many there are and what follows (consequence, if
// not empty).
func loadWaveFile(path, consequence string) (wave.Calendar, error) {
	w, err := wave.LoadFile(path)
	if err == nil {
		return w, nil
	}
	var pe *wave.ParseError
	switch {
	case errors.As(err, &pe) && len(pe.Problems) > 1 && consequence != "":
		err = fmt.Errorf("the wave file %s has %d problems; %s:\n%w", path, len(pe.Problems), consequence, err)
	case errors.As(err, &pe) && len(pe.Problems) > 1:
		err = fmt.Errorf("the wave file %s has %d problems:\n%w", path, len(pe.Problems), err)
	case consequence != "":
		err = fmt.Errorf("%w (%s)", err, consequence)
	}
	return wave.Calendar{}, withCode(ExitUsage, err)
}

// startOne starts a single rollout; one that already runs exits 3.
func startOne(e *env, m municipality.Municipality, w wave.Calendar, contactEmail, contactName string) error {
	if err := mail.ValidateAddress(contactEmail); err != nil {
		return withCode(ExitUsage, fmt.Errorf("--contact-email: %w", err))
	}
	rc, err := e.rollouts()
	if err != nil {
		return err
	}
	id, err := rc.Start(e.ctx, rolloutInput(m, w, contactEmail, contactName))
	if errors.Is(err, rollout.ErrAlreadyRuns) {
		return withCode(ExitRejected, fmt.Errorf("%s", e.t("er loopt al een uitrol voor %s in ronde %s (workflow %s): zie 'starter status %s --wave %s'",
			"a rollout for %s in wave %s already runs (workflow %s): see 'starter status %s --wave %s'", m, w.Name, id, m.Code, w.Name)))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.out, e.t("Gestart: %s: %s, ronde %s (%d stappen).", "Started %s: %s, wave %s (%d steps).", id, m, w.Name, len(w.Steps)))
	fmt.Fprintln(e.out, e.t("De uitnodiging gaat naar %s; een producent moet zich aanmelden vóór %s.", "The invitation goes to %s; a producer must apply before %s.", contactEmail, deadlineText(e, w, w.ApplicationDeadline())))
	fmt.Fprintf(e.out, "Web UI: %s\n", workflowLink(namespace(), id))
	fmt.Fprintln(e.out, e.t("Volgende stap: starter apply %s --wave %s --organisation … --kind welzijnsinstelling --contact-name … --contact-email …",
		"Next: starter apply %s --wave %s --organisation … --kind welzijnsinstelling --contact-name … --contact-email …", m.Code, w.Name))
	return nil
}

func rolloutInput(m municipality.Municipality, w wave.Calendar, contactEmail, contactName string) rollout.Input {
	return rollout.Input{Municipality: m, Wave: w, Contact: mail.Contact{Name: contactName, Email: contactEmail}}
}

// deadlineText writes a date for staff, in Dutch time; on a compressed wave
// it adds how soon that is, which is what matters there.
func deadlineText(e *env, w wave.Calendar, t time.Time) string {
	if !w.Compressed() {
		return mail.DutchDateTime(t)
	}
	return e.t("%s (over %s)", "%s (in %s)", mail.DutchDateTime(t), time.Until(t).Round(time.Second))
}

func namespace() string {
	if v := os.Getenv("TEMPORAL_NAMESPACE"); v != "" {
		return v
	}
	return app.DefaultNamespace
}
