package wave

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's lifecycle table from the declarations")

const (
	tableBegin = "<!-- lifecycle table: generated from the 2012 plan by internal/wave (go test ./internal/wave -update-readme) -->\n"
	tableEnd   = "<!-- end of the lifecycle table -->"
)

// TestREADMELifecycleTable: the README's lifecycle table is the 2012
// plan's, drawn from the declarations.
func TestREADMELifecycleTable(t *testing.T) {
	const path = "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the lifecycle table's markers %q … %q", tableBegin, tableEnd)
	}
	want := LifecycleTable(Wave2012())
	got := readme[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if *updateREADME {
		if err := os.WriteFile(path, []byte(readme[:i+len(tableBegin)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's lifecycle table differs from the 2012 plan; run go test ./internal/wave -update-readme\n got:\n%s\nwant:\n%s", got, want)
}
