package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMetricsAddrFromEnv(t *testing.T) {
	for _, tc := range []struct {
		set   bool
		value string
		want  string
		bad   bool
	}{
		{set: false, want: DefaultMetricsAddr},
		{set: true, value: "", want: ""},
		{set: true, value: "off", want: ""},
		{set: true, value: "OFF", want: ""},
		{set: true, value: "127.0.0.1:9999", want: "127.0.0.1:9999"},
		{set: true, value: ":9100", want: ":9100"},
		{set: true, value: "9464", bad: true},
		{set: true, value: "localhost:http", bad: true},
	} {
		if tc.set {
			t.Setenv("AMWAHT_METRICS_ADDR", tc.value)
		} else {
			t.Setenv("AMWAHT_METRICS_ADDR", "x") // registers the restore
			os.Unsetenv("AMWAHT_METRICS_ADDR")
		}
		cfg, err := ConfigFromEnv()
		switch {
		case tc.bad && (err == nil || !strings.Contains(err.Error(), "AMWAHT_METRICS_ADDR")):
			t.Errorf("%q: want an error naming the variable, got %v", tc.value, err)
		case !tc.bad && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case !tc.bad && cfg.MetricsAddr != tc.want:
			t.Errorf("%q: MetricsAddr %q, want %q", tc.value, cfg.MetricsAddr, tc.want)
		}
	}
}

func TestMetricsIntervalFromEnv(t *testing.T) {
	t.Setenv("AMWAHT_METRICS_INTERVAL", "")
	if cfg, err := ConfigFromEnv(); err != nil || cfg.MetricsInterval != DefaultMetricsInterval {
		t.Errorf("default: %v, %v", cfg.MetricsInterval, err)
	}
	t.Setenv("AMWAHT_METRICS_INTERVAL", "2m")
	if cfg, err := ConfigFromEnv(); err != nil || cfg.MetricsInterval != 2*time.Minute {
		t.Errorf("2m: %v, %v", cfg.MetricsInterval, err)
	}
	for _, bad := range []string{"30", "10ms", "-5s"} {
		t.Setenv("AMWAHT_METRICS_INTERVAL", bad)
		if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "AMWAHT_METRICS_INTERVAL") {
			t.Errorf("%q: want an error naming the variable, got %v", bad, err)
		}
	}
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger("json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("e-mail sent", "workflow_id", "rollout-demo-GM0153", "municipality", "GM0153")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("json format wrote %q: %v", buf.String(), err)
	}
	if rec["msg"] != "e-mail sent" || rec["workflow_id"] != "rollout-demo-GM0153" || rec["municipality"] != "GM0153" {
		t.Errorf("record %v", rec)
	}

	buf.Reset()
	log, _ = NewLogger("TEXT", &buf)
	log.Info("hello", "municipality", "GM0153")
	if !strings.Contains(buf.String(), "msg=hello municipality=GM0153") {
		t.Errorf("text format wrote %q", buf.String())
	}

	// Not a terminal (a buffer, as a container's stdout is a pipe): JSON.
	buf.Reset()
	log, _ = NewLogger("", &buf)
	log.Info("hello")
	if !json.Valid(buf.Bytes()) {
		t.Errorf("default format off a terminal wrote %q, want JSON", buf.String())
	}

	if _, err := NewLogger("xml", &buf); err == nil || !strings.Contains(err.Error(), "AMWAHT_LOG_FORMAT") {
		t.Errorf("unknown format: %v", err)
	}
}

type fakePinger struct{ err error }

func (p fakePinger) PingContext(context.Context) error { return p.err }

func healthz(t *testing.T, h *Health) (int, HealthReport) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var rep HealthReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return rec.Code, rep
}

func TestHealthz(t *testing.T) {
	h := NewHealth()
	code, rep := healthz(t, h)
	if code != http.StatusServiceUnavailable || strings.Join(rep.Down, ",") != "postgres,worker" {
		t.Errorf("starting: %d %+v", code, rep)
	}

	h.SetDB(fakePinger{})
	h.SetState(StateStarting, "applying database migrations")
	code, rep = healthz(t, h)
	if code != http.StatusServiceUnavailable || strings.Join(rep.Down, ",") != "worker" || rep.Checks["worker"] != "starting: applying database migrations" {
		t.Errorf("migrating: %d %+v", code, rep)
	}

	h.SetState(StateRunning, "")
	code, rep = healthz(t, h)
	if code != http.StatusOK || rep.Status != "ok" || len(rep.Down) != 0 || rep.Checks["postgres"] != "ok" || rep.Checks["worker"] != "ok" {
		t.Errorf("running: %d %+v", code, rep)
	}

	h.SetDB(fakePinger{err: errors.New("connection refused")})
	code, rep = healthz(t, h)
	if code != http.StatusServiceUnavailable || strings.Join(rep.Down, ",") != "postgres" || !strings.Contains(rep.Checks["postgres"], "connection refused") {
		t.Errorf("database down: %d %+v", code, rep)
	}
}

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

func TestTelemetryNames(t *testing.T) {
	tel, err := NewTelemetry(discard())
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	// What the SDK records, through the OpenTelemetry handler.
	sdk := tel.SDK.WithTags(map[string]string{"namespace": "default", "task_queue": "amwaht"})
	sdk.Counter("temporal_workflow_completed").Inc(1)
	sdk.Timer("temporal_activity_execution_latency").Record(30 * time.Millisecond)
	sdk.Gauge("temporal_num_pollers").Update(2)
	// The project's.
	tel.EmailDone("producer-invitation", "sent")
	tel.EmailDone("producer-invitation", "sent")
	tel.EmailAttemptFailed("producer-invitation")
	tel.PremiumPaid("demo")

	out := scrape(t, tel.Handler())
	for _, want := range []string{
		`temporal_workflow_completed_total{namespace="default",otel_scope_name="temporal-sdk-go"`,
		`temporal_activity_execution_latency_seconds_bucket{namespace="default",otel_scope_name="temporal-sdk-go"`,
		`le="0.05"} 1`, // the seconds buckets, not OpenTelemetry's millisecond defaults
		`temporal_num_pollers{namespace="default"`,
		`amwaht_emails_total{status="sent",template="producer-invitation"} 2`,
		`amwaht_email_attempts_failed_total{template="producer-invitation"} 1`,
		`amwaht_premiums_paid_total{wave="demo"} 1`,
		`target_info{service_name="amwaht-worker"`,
		"go_goroutines ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", out)
	}
}

type fakeCounter struct {
	counts map[string]int64
	err    error
	asked  []string
}

func (f *fakeCounter) CountWorkflow(_ context.Context, req *workflowservice.CountWorkflowExecutionsRequest) (*workflowservice.CountWorkflowExecutionsResponse, error) {
	f.asked = append(f.asked, req.GetQuery())
	if f.err != nil {
		return nil, f.err
	}
	return &workflowservice.CountWorkflowExecutionsResponse{Count: f.counts[req.GetQuery()]}, nil
}

func TestCountRollouts(t *testing.T) {
	tel, err := NewTelemetry(discard())
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	if q := PhaseQuery(plan.PhaseProducerCourse); q != "AmwahtPhase = 'producer-course' AND ExecutionStatus = 'Running'" {
		t.Errorf("phase query %q", q)
	}
	if q := StalledQuery(); q != "AmwahtStalled = true AND ExecutionStatus = 'Running'" {
		t.Errorf("stalled query %q", q)
	}
	f := &fakeCounter{counts: map[string]int64{
		PhaseQuery(plan.PhaseApplication): 3,
		PhaseQuery(plan.PhaseCohort):      1,
		StalledQuery():                    2,
	}}
	if err := tel.CountRollouts(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	if len(f.asked) != len(RolloutPhases)+1 {
		t.Errorf("asked %d queries: %q", len(f.asked), f.asked)
	}
	out := scrape(t, tel.Handler())
	for _, want := range []string{
		`amwaht_rollouts_running{phase="application"} 3`,
		`amwaht_rollouts_running{phase="cohort"} 1`,
		`amwaht_rollouts_running{phase="producer-course"} 0`, // every phase has a series
		`amwaht_rollouts_running{phase="done"} 0`,
		`amwaht_rollouts_stalled 2`,
		`amwaht_rollout_count_errors_total 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A failed round keeps the last counts and is counted.
	f.err = errors.New("visibility unavailable")
	if err := tel.CountRollouts(t.Context(), f); err == nil || !strings.Contains(err.Error(), "count rollouts in phase application") {
		t.Errorf("failed round: %v", err)
	}
	out = scrape(t, tel.Handler())
	if !strings.Contains(out, `amwaht_rollouts_running{phase="application"} 3`) || !strings.Contains(out, "amwaht_rollout_count_errors_total 1") {
		t.Errorf("after a failed round:\n%s", out)
	}
}

func TestOpsServerShutdown(t *testing.T) {
	tel, err := NewTelemetry(discard())
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	h := NewHealth()
	h.SetDB(fakePinger{})
	h.SetState(StateRunning, "")
	srv, err := StartOpsServer("127.0.0.1:0", tel.Handler(), h, discard())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + srv.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	// A second server on the same address fails at once, naming the variable.
	if _, err := StartOpsServer(srv.Addr(), tel.Handler(), h, discard()); err == nil || !strings.Contains(err.Error(), "AMWAHT_METRICS_ADDR") {
		t.Errorf("second listener: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + srv.Addr() + "/metrics"); err == nil {
		t.Error("the endpoint still answers after Shutdown")
	}
}

func TestProbeHealth(t *testing.T) {
	h := NewHealth()
	srv, err := StartOpsServer("127.0.0.1:0", http.NotFoundHandler(), h, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	_, port, _ := strings.Cut(srv.Addr(), ":")

	// Starting: 503, an error, and the body saying why.
	body, err := ProbeHealth(t.Context(), ":"+port) // host-less, as the default :9464
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(body, `"worker":"starting: starting"`) {
		t.Errorf("starting: %q, %v", body, err)
	}
	h.SetDB(fakePinger{})
	h.SetState(StateRunning, "")
	if body, err := ProbeHealth(t.Context(), srv.Addr()); err != nil || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("running: %q, %v", body, err)
	}
	if _, err := ProbeHealth(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "off") {
		t.Errorf("metrics off: %v", err)
	}
}
