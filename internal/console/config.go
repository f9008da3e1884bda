// Package console is BMP staff's web console: sign-in by e-mailed link,
// the overview of what needs staff today, a page per rollout with a form for
// every action valid now (drawn from the plan's declarations), starting
// rollouts, and an audit trail (every action carries the signed-in member).
// Server-rendered HTML in Dutch; every form works without JavaScript.
package console

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults of the console's environment.
const (
	DefaultAddr      = "127.0.0.1:8088"
	DefaultPublicURL = "http://127.0.0.1:8088"
	// IdleTimeout ends a session nobody used for this long.
	IdleTimeout = 30 * time.Minute
	// Lifetime ends every session this long after sign-in, used or not.
	Lifetime = 12 * time.Hour
)

// Config is what the console reads from the environment beside the
// worker's (app.Config: DATABASE_URL, SendGrid, Temporal).
type Config struct {
	Addr      string   // AMWAHT_CONSOLE_ADDR: where it listens
	PublicURL *url.URL // AMWAHT_PUBLIC_URL: the base of links in e-mails
	UIURL     string   // AMWAHT_UI_URL: the Temporal Web UI, for links
	Namespace string   // TEMPORAL_NAMESPACE, for Web UI links
}

// Secure tells whether the console is served over HTTPS: cookies are then
// Secure.
func (c Config) Secure() bool { return c.PublicURL.Scheme == "https" }

// ConfigFromEnv reads the console's part of the environment.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Addr:      envOr("AMWAHT_CONSOLE_ADDR", DefaultAddr),
		UIURL:     strings.TrimRight(envOr("AMWAHT_UI_URL", "http://localhost:8233"), "/"),
		Namespace: envOr("TEMPORAL_NAMESPACE", "default"),
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("AMWAHT_CONSOLE_ADDR=%q: expected host:port, e.g. %s: %w", c.Addr, DefaultAddr, err)
	}
	raw := strings.TrimRight(envOr("AMWAHT_PUBLIC_URL", DefaultPublicURL), "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("AMWAHT_PUBLIC_URL=%q: expected the console's address as people reach it, e.g. https://console.stichtingbmp.nl", raw)
	}
	c.PublicURL = u
	return c, nil
}

// Link is an absolute link under the public URL.
func (c Config) Link(path string) string {
	return strings.TrimRight(c.PublicURL.String(), "/") + path
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}
