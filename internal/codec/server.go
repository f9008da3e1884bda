package codec

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// MaxRequestBytes bounds one request to the codec server: a page of
// history's payloads, each at most Temporal's 2 MB.
const MaxRequestBytes = 16 << 20

// ServerOptions configure the remote codec server.
type ServerOptions struct {
	Keys *Keyring
	// Namespace is the one Temporal namespace served: a request whose
	// X-Namespace names another is refused.
	Namespace string
	// AllowedOrigin is the Web UI's origin (scheme://host:port, see
	// UIOrigin), the only one a browser may call from; empty: none.
	AllowedOrigin string
	// Authorize tells whether a request comes from someone allowed to read
	// the histories (the console's staff session, sent by the UI when its
	// codec setting includes credentials). Nil refuses everyone.
	Authorize func(*http.Request) bool
	Log       *slog.Logger
}

// NewServer implements Temporal's remote codec protocol for the Web UI and
// the Temporal CLI (--codec-endpoint): POST …/encode and POST …/decode with
// a JSON body {"payloads": […]} and the namespace in the X-Namespace
// header, answered in kind. It handles the browser's CORS preflight itself,
// before Authorize (a preflight carries no credentials), so mount it
// without a sign-in redirect in front. Answers are never cached.
func NewServer(o ServerOptions) http.Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &server{o: o, codec: New(o.Keys)}
}

type server struct {
	o     ServerOptions
	codec *Codec
}

// UIOrigin is the origin of a Web UI address (AMWAHT_UI_URL, e.g.
// http://localhost:8080/namespaces/default), as a browser sends it.
func UIOrigin(uiURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(uiURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not a Web UI address such as http://localhost:8080", uiURL)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	allowed := origin != "" && s.o.AllowedOrigin != "" && origin == s.o.AllowedOrigin
	if origin != "" && !allowed {
		// Another site's page: no CORS headers, so its script reads nothing,
		// and nothing is decoded for it either.
		s.refuse(w, r, http.StatusForbidden, "origin not allowed")
		return
	}
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	op := operation(r.URL.Path)
	if r.Method == http.MethodOptions {
		if !allowed || op == "" {
			s.refuse(w, r, http.StatusForbidden, "preflight refused")
			return
		}
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		// What the UI sends: Content-Type and X-Namespace, and Authorization
		// when its codec setting passes the UI's access token.
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case op == "":
		s.refuse(w, r, http.StatusNotFound, "not a codec path: POST …/encode or …/decode")
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST, OPTIONS")
		s.refuse(w, r, http.StatusMethodNotAllowed, "use POST")
		return
	case s.o.Authorize == nil || !s.o.Authorize(r):
		s.refuse(w, r, http.StatusUnauthorized, "sign in to the console first (staff only)")
		return
	}
	ns := r.Header.Get("X-Namespace")
	switch {
	case ns == "":
		s.refuse(w, r, http.StatusBadRequest, "the X-Namespace header is missing")
		return
	case ns != s.o.Namespace:
		s.refuse(w, r, http.StatusForbidden, "this codec server serves namespace "+s.o.Namespace)
		return
	}
	// A JSON body only: a cross-site form cannot send one without a
	// preflight, which names the origin.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.refuse(w, r, http.StatusUnsupportedMediaType, "send application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("more than %d bytes", MaxRequestBytes))
			return
		}
		s.refuse(w, r, http.StatusBadRequest, "cannot read the body")
		return
	}
	var in commonpb.Payloads
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, &in); err != nil {
		s.refuse(w, r, http.StatusBadRequest, `expected {"payloads": […]}`)
		return
	}
	var out []*commonpb.Payload
	if op == "encode" {
		out, err = s.codec.Encode(in.Payloads)
	} else {
		out, err = s.codec.Decode(in.Payloads)
	}
	if err != nil {
		// The error names a key ID at most, never data.
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.refuse(w, r, http.StatusInternalServerError, "cannot write the answer")
		return
	}
	s.o.Log.Debug("codec request", "op", op, "payloads", len(out), "namespace", ns)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// operation is "encode" or "decode" from the path's last element (the
// server may be mounted anywhere, e.g. /codec or /codec/{namespace}).
func operation(path string) string {
	switch {
	case strings.HasSuffix(path, "/encode"):
		return "encode"
	case strings.HasSuffix(path, "/decode"):
		return "decode"
	}
	return ""
}

func (s *server) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	level := slog.LevelWarn
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		level = slog.LevelInfo
	}
	s.o.Log.Log(r.Context(), level, "codec request refused", "status", status, "why", why, "path", r.URL.Path, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
	http.Error(w, why, status)
}
