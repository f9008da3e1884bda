package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Worker states as /healthz reports them.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	StateStopping = "stopping"
)

// pingTimeout bounds /healthz's PostgreSQL ping: a probe that hangs is
// worse than one that says the database is slow.
const pingTimeout = 2 * time.Second

// Pinger is what /healthz needs of the database (*sqlx.DB, *sql.DB).
type Pinger interface {
	PingContext(ctx context.Context) error
}

// Health is what /healthz reports: the worker's state and whether PostgreSQL
// answers. Temporal is not checked: the SDK reconnects by itself, and a
// probe that restarted workers whenever Temporal blinked would only add
// restarts to an outage.
type Health struct {
	mu     sync.Mutex
	state  string
	detail string // why the worker is not running, when it is not
	db     Pinger
}

// NewHealth starts in StateStarting.
func NewHealth() *Health { return &Health{state: StateStarting, detail: "starting"} }

// SetState records the worker's state; detail says why when it is not
// running (e.g. "migrating the database", a fatal error).
func (h *Health) SetState(state, detail string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state, h.detail = state, detail
}

// SetDB gives /healthz the database to ping, once it is open.
func (h *Health) SetDB(db Pinger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.db = db
}

// HealthReport is /healthz's JSON body.
type HealthReport struct {
	Status string            `json:"status"`         // "ok" or "unavailable"
	Down   []string          `json:"down,omitempty"` // the checks that failed
	Checks map[string]string `json:"checks"`         // check → "ok" or what is wrong
}

// Check runs the checks.
func (h *Health) Check(ctx context.Context) HealthReport {
	h.mu.Lock()
	state, detail, db := h.state, h.detail, h.db
	h.mu.Unlock()

	r := HealthReport{Status: "ok", Checks: map[string]string{}}
	if state == StateRunning {
		r.Checks["worker"] = "ok"
	} else {
		r.Checks["worker"] = state + ": " + detail
	}
	if db == nil {
		r.Checks["postgres"] = "not connected yet"
	} else {
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		defer cancel()
		if err := db.PingContext(pctx); err != nil {
			r.Checks["postgres"] = "ping failed: " + err.Error()
		} else {
			r.Checks["postgres"] = "ok"
		}
	}
	for name, v := range r.Checks {
		if v != "ok" {
			r.Down = append(r.Down, name)
		}
	}
	sort.Strings(r.Down)
	if len(r.Down) > 0 {
		r.Status = "unavailable"
	}
	return r
}

// ServeHTTP answers /healthz: 200 when everything is ok, else 503; the body
// names what is down either way.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := h.Check(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

// OpsServer is the worker's HTTP endpoint for operations: /metrics and
// /healthz. It carries no business endpoints and no authentication, so bind
// it where only the scraper and the orchestrator reach it.
type OpsServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// StartOpsServer listens on addr at once, so that a port already in use
// fails the worker's start (with the variable to change) instead of leaving
// it running without metrics; then it serves in the background.
func StartOpsServer(addr string, metrics http.Handler, health http.Handler, log *slog.Logger) (*OpsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for /metrics and /healthz on %s (set AMWAHT_METRICS_ADDR, or off): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.Handle("GET /healthz", health)
	s := &OpsServer{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics and health endpoint stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	log.Info("serving /metrics and /healthz", "addr", ln.Addr().String())
	return s, nil
}

// Addr is the address actually listened on (useful with port 0).
func (s *OpsServer) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting, lets scrapes in flight finish until ctx ends,
// then closes what is left.
func (s *OpsServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
		err = fmt.Errorf("shut down the metrics and health endpoint: %w", err)
	}
	<-s.done
	return err
}

// ProbeHealth asks a running worker's /healthz at addr (AMWAHT_METRICS_ADDR;
// a host-less ":9464" means this machine) and returns its body, with an
// error unless it answered 200. It exists for `worker healthcheck`, because
// the distroless image has no curl for a container health check.
func ProbeHealth(ctx context.Context, addr string) (string, error) {
	if addr == "" {
		return "", errors.New("AMWAHT_METRICS_ADDR is off: the worker serves no /healthz")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("AMWAHT_METRICS_ADDR=%q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("probe %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("probe %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return string(body), nil
}
