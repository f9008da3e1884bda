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

// service is one service's block of docker-compose.yml: from its name to
// the next line indented less than its keys.
func service(t *testing.T, compose, name string) string {
	t.Helper()
	start := strings.Index(compose, "\n  "+name+":\n")
	if start < 0 {
		t.Fatalf("docker-compose.yml has no service %s", name)
	}
	lines := strings.Split(compose[start+1:], "\n")
	for i, l := range lines[1:] {
		if trimmed := strings.TrimLeft(l, " "); trimmed != "" && len(l)-len(trimmed) <= 2 {
			return strings.Join(lines[:i+1], "\n")
		}
	}
	return strings.Join(lines, "\n")
}

// TestComposeIsLockedDown: the Web UI is read-only and decrypts through the
// console's codec server with the staff session; the worker's metrics are
// reachable through their published port only because compose says so;
// staff read with the read-only login; the key is made, not left out.
func TestComposeIsLockedDown(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	compose := string(b)
	ui := service(t, compose, "temporal-ui")
	for _, want := range []string{`TEMPORAL_DISABLE_WRITE_ACTIONS: "true"`, "TEMPORAL_CODEC_ENDPOINT: ${AMWAHT_CODEC_ENDPOINT:-http://localhost:8088/codec}", `TEMPORAL_CODEC_INCLUDE_CREDENTIALS: "true"`} {
		if !strings.Contains(ui, want) {
			t.Errorf("temporal-ui lacks %s", want)
		}
	}
	worker := service(t, compose, "amwaht-worker")
	for _, want := range []string{`AMWAHT_METRICS_ADDR: "0.0.0.0:9464"`, "AMWAHT_READER_DATABASE_URL: postgres://amwaht_staff:", "AMWAHT_CODEC_KEY_FILE: /run/amwaht/codec-keys", "codec-keys:/run/amwaht:ro", "codec-keys:\n        condition: service_completed_successfully"} {
		if !strings.Contains(worker, want) {
			t.Errorf("amwaht-worker lacks %s", want)
		}
	}
	if !strings.Contains(service(t, compose, "codec-keys"), "head -c 32 /dev/urandom | base64") {
		t.Error("the codec-keys one-shot does not make a 32-byte key")
	}
	if pg := service(t, compose, "postgresql"); !strings.Contains(pg, "CREATE ROLE amwaht_reader NOLOGIN") || !strings.Contains(pg, "CREATE ROLE amwaht_staff LOGIN PASSWORD :'readerpw' IN ROLE amwaht_reader") {
		t.Error("the PostgreSQL init script does not create the read-only roles")
	}
	if ns := service(t, compose, "temporal-create-namespace"); !strings.Contains(ns, "RETENTION: ${TEMPORAL_RETENTION:-2160h}") || !strings.Contains(ns, `namespace update --namespace "$$ns" --retention "$$RETENTION"`) {
		t.Error("the namespace's retention is not set")
	}
}

// TestSecretsStayOut: .env, which holds the deployment's passwords and
// keys, is neither committed nor copied into an image (COPY . .).
func TestSecretsStayOut(t *testing.T) {
	for _, f := range []string{"../../.gitignore", "../../.dockerignore"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			if l := strings.TrimSpace(line); l == ".env" || l == "/.env" || l == "**/.env" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s does not exclude .env", f)
		}
	}
}

// TestMetricsOnLoopbackByDefault: the endpoint has no login; it listens on
// this machine only unless AMWAHT_METRICS_ADDR says otherwise.
func TestMetricsOnLoopbackByDefault(t *testing.T) {
	t.Setenv("AMWAHT_METRICS_ADDR", "x")
	os.Unsetenv("AMWAHT_METRICS_ADDR")
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9464" {
		t.Errorf("default metrics address %q, want 127.0.0.1:9464", c.MetricsAddr)
	}
}
