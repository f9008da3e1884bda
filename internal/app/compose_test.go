package app

import (
	"os"
	"strings"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// TestComposeRegistersTheContract: the compose file's setup step registers
// every search attribute of the contract, with its type.
func TestComposeRegistersTheContract(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rollout.SearchAttributeFlags() {
		if want := strings.Replace(f, "=", ":", 1); !strings.Contains(string(b), want) {
			t.Errorf("docker-compose.yml does not register %s", want)
		}
	}
}
