package devstack

import (
	"os"
	"regexp"
	"testing"
)

// make cluster and the topology tests run the server compose deploys: the
// same release for the server, for the admin-tools image that migrates its
// schemas, and for the Web UI.
func TestClusterRunsComposesServerVersion(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{"server": ServerVersion, "admin-tools": ServerVersion, "ui": UIVersion} {
		re := regexp.MustCompile(`image:\s*temporalio/` + image + `:(\d+\.\d+\.\d+)`)
		ms := re.FindAllStringSubmatch(string(b), -1)
		if len(ms) == 0 {
			t.Errorf("docker-compose.yml has no temporalio/%s image", image)
		}
		for _, m := range ms {
			if m[1] != want {
				t.Errorf("docker-compose.yml runs temporalio/%s:%s, devstack runs %s: upgrade both together", image, m[1], want)
			}
		}
	}
}
