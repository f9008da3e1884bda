package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"github.com/stichtingbmp/amwaht/activities"
)

// sdkMeterName is the instrumentation scope of the Temporal SDK's metrics
// (the otel_scope_name label on them).
const sdkMeterName = "temporal-sdk-go"

// sdkLatencyBuckets (seconds) replace OpenTelemetry's default histogram
// boundaries (0, 5, 10, 25 … 10000), which assume milliseconds: the SDK
// records its latencies in seconds, so with the defaults nearly every task
// would land in one bucket. They span a fast activity to a long poll (~60 s).
var sdkLatencyBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// Telemetry is one worker's metrics: the Temporal SDK's, through
// OpenTelemetry exported to Prometheus, and the project's own, on one
// registry served at /metrics.
//
// The registry is the worker's own rather than Prometheus's global one, so
// that several workers in one process (the tests start two) do not collide
// registering the same names.
type Telemetry struct {
	Registry *prometheus.Registry
	// SDK goes into client.Options.MetricsHandler.
	SDK client.MetricsHandler

	provider      *sdkmetric.MeterProvider
	emails        *prometheus.CounterVec
	emailAttempts *prometheus.CounterVec
	premiums      *prometheus.CounterVec
	rollouts      *prometheus.GaugeVec
	stalled       prometheus.Gauge
	countErrors   prometheus.Counter
	lastCount     prometheus.Gauge
}

var _ activities.Metrics = (*Telemetry)(nil)

// Names of the project's metrics, as they appear on /metrics.
const (
	MetricEmails             = "amwaht_emails_total"
	MetricEmailAttemptFailed = "amwaht_email_attempts_failed_total"
	MetricPremiumsPaid       = "amwaht_premiums_paid_total"
	MetricRollouts           = "amwaht_rollouts_running"
	MetricRolloutsStalled    = "amwaht_rollouts_stalled"
	MetricCountErrors        = "amwaht_rollout_count_errors_total"
	MetricLastCount          = "amwaht_rollout_count_timestamp_seconds"
)

// NewTelemetry builds the registry, the SDK's metrics handler and the
// project's metrics.
func NewTelemetry(log *slog.Logger) (*Telemetry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("register Go runtime metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("register process metrics: %w", err)
	}

	// The translation strategy is set explicitly: the exporter's default is
	// announced to change, and dashboards depend on these names.
	exp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
	)
	if err != nil {
		return nil, fmt.Errorf("create OpenTelemetry Prometheus exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", "amwaht-worker")))
	if err != nil {
		return nil, fmt.Errorf("describe the worker for OpenTelemetry: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exp),
		sdkmetric.WithResource(res),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Scope: instrumentation.Scope{Name: sdkMeterName}},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: sdkLatencyBuckets}},
		)),
	)
	t := &Telemetry{
		Registry: reg,
		provider: provider,
		SDK: temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
			Meter: provider.Meter(sdkMeterName),
			// The SDK documents its counters as only increasing; monotonic
			// counters export as Prometheus counters (…_total), usable with
			// rate(), where the default up-down counters export as gauges.
			UseMonotonicCounters: true,
			// The default panics: a metrics hiccup must not kill a worker
			// that is running rollouts.
			OnError: func(err error) { log.Warn("Temporal SDK metric not recorded", "error", err) },
		}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricEmails,
			Help: "E-mails handled, by template and outcome as the outbox records it: sent (SendGrid accepted), logged (no API key: stored, not sent), failed (refused for good or not sendable).",
		}, []string{"template", "status"}),
		emailAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricEmailAttemptFailed,
			Help: "Send attempts that failed for a passing reason (throttled, 5xx, timeout) and are retried by Temporal, by template.",
		}, []string{"template"}),
		premiums: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricPremiumsPaid,
			Help: "Stimulus premiums recorded as paid (once per rollout), by wave.",
		}, []string{"wave"}),
		rollouts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricRollouts,
			Help: "Running rollouts per phase (visibility: AmwahtPhase = phase AND ExecutionStatus = 'Running'), refreshed every AMWAHT_METRICS_INTERVAL.",
		}, []string{"phase"}),
		stalled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricRolloutsStalled,
			Help: "Running rollouts with at least one stalled step (AmwahtStalled = true), refreshed every AMWAHT_METRICS_INTERVAL.",
		}),
		countErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: MetricCountErrors,
			Help: "Failed rounds of counting rollouts; the rollout gauges then keep their last values.",
		}),
		lastCount: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricLastCount,
			Help: "Unix time of the last successful count of rollouts, to tell stale rollout gauges.",
		}),
	}
	for _, c := range []prometheus.Collector{t.emails, t.emailAttempts, t.premiums, t.rollouts, t.stalled, t.countErrors, t.lastCount} {
		if err := reg.Register(c); err != nil {
			_ = provider.Shutdown(context.Background())
			return nil, fmt.Errorf("register amwaht metrics: %w", err)
		}
	}
	return t, nil
}

// EmailDone implements activities.Metrics.
func (t *Telemetry) EmailDone(template, status string) {
	t.emails.WithLabelValues(template, status).Inc()
}

// EmailAttemptFailed implements activities.Metrics.
func (t *Telemetry) EmailAttemptFailed(template string) {
	t.emailAttempts.WithLabelValues(template).Inc()
}

// PremiumPaid implements activities.Metrics.
func (t *Telemetry) PremiumPaid(wave string) {
	t.premiums.WithLabelValues(wave).Inc()
}

// Handler serves the registry in Prometheus's text (or OpenMetrics) format.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Shutdown releases the OpenTelemetry meter provider.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if err := t.provider.Shutdown(ctx); err != nil && !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		return fmt.Errorf("shut down OpenTelemetry metrics: %w", err)
	}
	return nil
}
