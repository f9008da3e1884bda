package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

// The other tests of this package start workers through startSystem, which
// reads the environment: without this they would all bind the default
// metrics port :9464 and fail whenever something else holds it (a running
// `make demo`, another test run). Tests that want the endpoint set
// AMWAHT_METRICS_ADDR themselves (t.Setenv restores "off" afterwards).
func init() { os.Setenv("AMWAHT_METRICS_ADDR", "off") }

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// get fetches an ops endpoint; a connection error gives status 0.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// waitHealthy polls /healthz until it answers 200: the worker answers 503
// while it migrates and connects.
func waitHealthy(t *testing.T, addr string) app.HealthReport {
	t.Helper()
	var code int
	var body string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if code, body = get(t, "http://"+addr+"/healthz"); code == http.StatusOK {
			var rep app.HealthReport
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatalf("/healthz body %q: %v", body, err)
			}
			return rep
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("/healthz on %s never answered 200; last %d %s", addr, code, body)
	return app.HealthReport{}
}

// metricValue finds a sample on /metrics by its name and labels (in the
// exporter's order) and returns its value.
func metricValue(metrics, series string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(metrics)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

func mailFor(ms []sendgridfake.Mail, workflowID, template string) bool {
	for _, m := range ms {
		if m.CustomArgs["workflow_id"] == workflowID && m.CustomArgs["template"] == template {
			return true
		}
	}
	return false
}

func TestMetricsAndHealthEndpoint(t *testing.T) {
	addr := freeAddr(t)
	t.Setenv("AMWAHT_METRICS_ADDR", addr)
	t.Setenv("AMWAHT_METRICS_INTERVAL", "1s")
	// Registered before startSystem, so it runs after the worker's cleanup
	// (which cancels RunWorker's context, as SIGTERM does, and waits for it).
	t.Cleanup(func() {
		if code, body := get(t, "http://"+addr+"/healthz"); code != 0 {
			t.Errorf("the endpoint still answers after the worker stopped: %d %s", code, body)
		}
	})
	s := startSystem(t)

	rep := waitHealthy(t, addr)
	if rep.Status != "ok" || rep.Checks["worker"] != "ok" || rep.Checks["postgres"] != "ok" {
		t.Errorf("/healthz: %+v", rep)
	}

	const id = "rollout-demo-GM0153"
	startEventually(t, "start", "--municipality", "GM0153", "--wave", "demo", "--contact-email", "zorg@enschede.example.nl")
	if !s.sg.WaitFor(30*time.Second, func(ms []sendgridfake.Mail) bool { return mailFor(ms, id, "producer-invitation") }) {
		t.Fatal("no invitation for GM0153 reached SendGrid")
	}

	// The rollout gauges refresh every second here; the e-mail counter is
	// set before the activity completes, so one good scrape shows both.
	var metrics string
	deadline := time.Now().Add(30 * time.Second)
	for {
		var code int
		code, metrics = get(t, "http://"+addr+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics: %d %s", code, metrics)
		}
		n, ok := metricValue(metrics, `amwaht_rollouts_running{phase="application"}`)
		if ok && n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("amwaht_rollouts_running{phase=\"application\"} never reached 1 (got %v, %v)", n, ok)
		}
		time.Sleep(300 * time.Millisecond)
	}

	// The project's counter, by template and outcome. Other tests' rollouts
	// may still run on the shared dev server and send through this worker
	// too, hence at least one.
	if n, ok := metricValue(metrics, `amwaht_emails_total{status="sent",template="producer-invitation"}`); !ok || n < 1 {
		t.Errorf("amwaht_emails_total for the invitation: %v, %v", n, ok)
	}
	for _, want := range []string{
		`amwaht_rollouts_running{phase="producer-course"}`, // every phase has a series, zero or not
		`amwaht_rollouts_stalled `,
		`amwaht_rollout_count_timestamp_seconds `,
		// The Temporal SDK's own, through the OpenTelemetry handler.
		`temporal_workflow_task_execution_latency_seconds_bucket{`,
		`temporal_workflow_task_schedule_to_start_latency_seconds_bucket{`,
		`temporal_activity_execution_latency_seconds_bucket{activity_type="SendEmail"`,
		`temporal_activity_schedule_to_start_latency_seconds_bucket{`,
		`temporal_request_total{`,
		`temporal_worker_start_total{`,
		`temporal_num_pollers{`,
		`task_queue="amwaht"`,
		`otel_scope_name="temporal-sdk-go"`,
		`target_info{service_name="amwaht-worker"`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
}

// syncBuffer collects one worker's log from its goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records parses the JSON log, one record a line.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// Two workers on one fresh database, started at once as a scaled-out
// deployment starts them: both run, the migrations are applied once, and
// they log JSON with the workflow and the municipality.
func TestTwoWorkersOneDatabase(t *testing.T) {
	te := testenv.Require(t)
	sg := sendgridfake.New()
	t.Cleanup(sg.Close)
	dbURL := te.NewDatabase(t)
	t.Setenv("TEMPORAL_ADDRESS", te.Temporal.Address)
	t.Setenv("TEMPORAL_NAMESPACE", te.Temporal.Namespace)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("SENDGRID_API_KEY", "SG.e2e")
	t.Setenv("SENDGRID_API_HOST", sg.URL)
	t.Setenv("AMWAHT_STAFF_EMAIL", "staf@stichtingbmp.example.nl")
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}

	const workers = 2
	addrs := make([]string, workers)
	logs := make([]*syncBuffer, workers)
	done := make([]chan error, workers)
	ctx, cancel := context.WithCancel(context.Background())
	start := make(chan struct{})
	for i := range workers {
		addrs[i], logs[i], done[i] = freeAddr(t), &syncBuffer{}, make(chan error, 1)
		c := cfg
		c.MetricsAddr = addrs[i]
		log, err := app.NewLogger("json", logs[i])
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			<-start
			done[i] <- app.RunWorker(ctx, c, log.With("worker", i))
		}()
	}
	close(start)
	t.Cleanup(func() {
		cancel()
		for i := range done {
			if err := <-done[i]; err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}
	})

	for i, addr := range addrs {
		if rep := waitHealthy(t, addr); rep.Checks["worker"] != "ok" {
			t.Errorf("worker %d: /healthz %+v", i, rep)
		}
	}
	for i := range done {
		select {
		case err := <-done[i]:
			t.Fatalf("worker %d returned while it should run: %v", i, err)
		default:
		}
	}

	// Migrations: applied once in all, each version recorded once.
	files, err := filepath.Glob(filepath.Join("..", "..", "schema", "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	appliedBy := make([]int, workers)
	for i, b := range logs {
		for _, r := range b.records(t) {
			if r["msg"] == "migration applied" {
				appliedBy[i]++
			}
		}
	}
	if appliedBy[0]+appliedBy[1] != len(files) || (appliedBy[0] != 0 && appliedBy[1] != 0) {
		t.Errorf("migrations applied per worker %v; want all %d by one worker", appliedBy, len(files))
	}
	db, err := app.OpenDB(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions []struct {
		Version int64 `db:"version_id"`
		N       int   `db:"n"`
	}
	if err := db.Select(&versions, `SELECT version_id, count(*) AS n FROM goose_db_version WHERE version_id > 0 GROUP BY version_id ORDER BY version_id`); err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(files) {
		t.Errorf("goose_db_version holds versions %+v, want %d", versions, len(files))
	}
	for _, v := range versions {
		if v.N != 1 {
			t.Errorf("version %d recorded %d times", v.Version, v.N)
		}
	}

	// Work flows through them, and the log says for which gemeente.
	const id = "rollout-demo-GM0164"
	startEventually(t, "start", "--municipality", "GM0164", "--wave", "demo", "--contact-email", "zorg@hengelo.example.nl")
	if !sg.WaitFor(30*time.Second, func(ms []sendgridfake.Mail) bool { return mailFor(ms, id, "producer-invitation") }) {
		t.Fatal("no invitation for GM0164 reached SendGrid")
	}
	// The worker logs "e-mail sent" after its commit, a moment after
	// SendGrid has the mail.
	var sentBy []string
	var records []map[string]any
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		sentBy, records = nil, nil
		for i, b := range logs {
			for _, r := range b.records(t) {
				if r["msg"] == "e-mail sent" && r["workflow_id"] == id && r["template"] == "producer-invitation" {
					sentBy = append(sentBy, fmt.Sprint(i))
					records = append(records, r)
				}
			}
		}
		if len(sentBy) > 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, r := range records {
		if r["municipality"] != "GM0164" {
			t.Errorf("the e-mail's log record lacks the municipality: %v", r)
		}
	}
	if len(sentBy) != 1 {
		t.Errorf("the invitation was logged as sent by workers %v, want exactly one", sentBy)
	}
}
