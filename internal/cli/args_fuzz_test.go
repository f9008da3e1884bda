package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/app"
)

// FuzzRunArgs feeds the staff CLI arbitrary command lines (arguments split
// on '|') with Temporal and PostgreSQL unreachable: every command must
// answer with one of the documented exit codes, never panic, and explain any
// failure on stderr. Whatever parsed cleanly reaches the dial and exits 5.
func FuzzRunArgs(f *testing.F) {
	for _, seed := range []string{
		"",
		"--help",
		"start|--municipality|GM0344|--wave|demo|--contact-email|zorg@utrecht.nl",
		"start|--province|Flevoland|--wave|2012|--contact-email-pattern|wmo@{name}.example.nl",
		"start|--province|Atlantis|--wave|2012|--contact-email-pattern|wmo@{name}.nl",
		"start|--all|--wave|2012|--contact-email-pattern|wmo@{gemeente}.nl",
		"start|--municipality|GM0344|--all|--wave|demo",
		"start|--municipality|GM9999|--wave|demo|--contact-email|x@y.nl",
		"start|--municipality|Utrecht|--wave|2013|--contact-email|x@y.nl",
		"start|--municipality|GM0344|--wave|demo|--day-length|-5s|--contact-email|x@y.nl",
		"apply|GM0344|--wave|demo|--organisation|Welzijn|--kind|bakkerij|--contact-name|A|--contact-email|a@b.nl",
		"attendance|GM0344|--wave|demo|--course|producer|--day|0|--attended",
		"attendance|GM0344|--wave|demo|--course|teacher|--day|2|--teacher|T1|--half-days|-1",
		"attendance|GM0344|--wave|demo|--course|chef|--day|1|--attended|--absent",
		"funding|GM0344|--wave|demo|--source|fund|--amount|12.500",
		"funding|GM0344|--wave|demo|--source|lottery|--amount|€ 12.500,50",
		"funding|GM0344|--wave|demo|--source|municipality|--amount|99999999999999999999",
		"enrol|GM0344|--wave|demo|--id|P01|--id|P01",
		"enrol|GM0344|--wave|demo|--id|Fatma Yilmaz",
		"enrol|GM0344|--wave|demo|--csv|/nonexistent.csv",
		"postpone|GM0344|--wave|2012|--start|2012-02-30|--reason|x",
		"extend|GM0344|--wave|2012|--step|funding|--due|yesterday|--reason|",
		"cancel|GM0344|--wave|demo",
		"progress|GM0344|--wave|demo|--month|-1|--active|3|--drop-outs|1",
		"graduates|GM0344|--wave|demo|--count|1e9",
		"list|--wave|demo|--phase|cooking|--json",
		"stalled|--json|--wave",
		"status|GM0344|GM0363|--wave|demo",
		"waves|extra",
		"municipalities|--province|Utrecht",
		"contact|GM0344|--wave|demo|--role|king|--email|x",
		"confirm|GM0344|--wave|2013-overeenkomst|--step|agreement|--note|getekend",
		"count|GM0344|--wave|demo|--step|internships|--count|101",
		"start|--municipality|GM0344|--wave|demo|--lang|fr",
		"list|--wave|\\' OR AmwahtWave != '' -- ",
		"emails|list|GM0344|--wave|demo",
		"nonsense|--x",
		"start|--municipality|GM0344|--wave-file|../wave/testdata/wave-2013.json|--contact-email|x@y.nl",
		"start|--all|--wave|demo|--wave-file|x.json|--contact-email-pattern|{code}@x.nl",
		"waves|--file|../wave/testdata/wave-2013.json|--json",
	} {
		f.Add(seed)
	}
	dialTemporal = func(context.Context, string) (client.Client, error) {
		return nil, fmt.Errorf("%w: fuzz: no Temporal", app.ErrUnreachable)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "|")
		if line == "" {
			args = nil
		}
		for _, a := range args {
			// Commands that write files (previews, timelines) stay out of the
			// fuzzer's reach; their paths are tested elsewhere.
			if strings.HasPrefix(a, "--out") || strings.HasPrefix(a, "-o") || strings.Contains(a, "preview") || strings.Contains(a, "timeline") || strings.Contains(a, "simulate") {
				t.Skip()
			}
		}
		t.Setenv("AMWAHT_LANG", "nl")
		t.Setenv("DATABASE_URL", "postgres://fuzz@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
		var out, errOut bytes.Buffer
		code := Run(context.Background(), args, &out, &errOut)
		if code < ExitOK || code > ExitUnreachable {
			t.Fatalf("%q: exit %d is not a documented code\n%s", args, code, errOut.String())
		}
		msg, explained := strings.CutPrefix(errOut.String(), "fout: ")
		if code != ExitOK && !explained {
			t.Fatalf("%q: exit %d without an explanation on stderr: %q", args, code, errOut.String())
		}
		if code != ExitOK && len(strings.TrimSpace(msg)) < 10 {
			t.Fatalf("%q: exit %d with too short an explanation: %q", args, code, errOut.String())
		}
	})
}
