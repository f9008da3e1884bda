package codec

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

const uiOrigin = "http://127.0.0.1:8233"

// newTestServer serves the codec with a session that is valid when the
// request carries the cookie session=staff.
func newTestServer(t *testing.T) (*httptest.Server, *Keyring) {
	t.Helper()
	keys := mustKeys(t, keyA)
	h := NewServer(ServerOptions{
		Keys: keys, Namespace: "default", AllowedOrigin: uiOrigin,
		Authorize: func(r *http.Request) bool { c, err := r.Cookie("session"); return err == nil && c.Value == "staff" },
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	mux := http.NewServeMux()
	mux.Handle("/codec/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, keys
}

type req struct {
	method, path, origin, namespace, contentType, body string
	signedIn                                           bool
	headers                                            map[string]string
}

func (r req) do(t *testing.T, srv *httptest.Server) (*http.Response, string) {
	t.Helper()
	hr, err := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.origin != "" {
		hr.Header.Set("Origin", r.origin)
	}
	if r.namespace != "" {
		hr.Header.Set("X-Namespace", r.namespace)
	}
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	if r.signedIn {
		hr.AddCookie(&http.Cookie{Name: "session", Value: "staff"})
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sealedBody(t *testing.T, keys *Keyring) string {
	t.Helper()
	ps, err := NewDataConverter(keys).ToPayloads(fatma)
	if err != nil {
		t.Fatal(err)
	}
	b, err := protojson.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServerDecodesForTheWebUI: the UI's preflight, then its decode request
// with the staff session, as the UI sends them with "include cross-origin
// credentials" on; the answer is the payload as the SDK wrote it.
func TestServerDecodesForTheWebUI(t *testing.T) {
	srv, keys := newTestServer(t)
	resp, _ := req{method: http.MethodOptions, path: "/codec/decode", origin: uiOrigin, headers: map[string]string{
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace",
	}}.do(t, srv)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight: %s", resp.Status)
	}
	for h, want := range map[string]string{
		"Access-Control-Allow-Origin": uiOrigin, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Allow-Headers": "Content-Type, X-Namespace, Authorization",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("preflight %s: %q, want %q", h, got, want)
		}
	}

	resp, body := req{method: http.MethodPost, path: "/codec/decode", origin: uiOrigin, namespace: "default", contentType: "application/json",
		body: sealedBody(t, keys), signedIn: true}.do(t, srv)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("decode: %s %s", resp.Status, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("decode headers: %v", resp.Header)
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Payloads) != 1 || string(out.Payloads[0].Metadata["encoding"]) != "json/plain" || !strings.Contains(string(out.Payloads[0].Data), "Fatma Yilmaz") {
		t.Errorf("decoded: %v", &out)
	}

	// Encode, e.g. for the Temporal CLI's --codec-endpoint (no Origin), reads back.
	plain := `{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"IkZhdG1hIg=="}]}`
	resp, body = req{method: http.MethodPost, path: "/codec/encode", namespace: "default", contentType: "application/json", body: plain, signedIn: true}.do(t, srv)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "IkZhdG1hIg") || !strings.Contains(body, "YmluYXJ5L2VuY3J5cHRlZA") {
		t.Errorf("encode: %s %s", resp.Status, body)
	}
}

// TestServerRefuses: everything but a signed-in request from the UI's
// origin (or from no browser at all) for the one namespace is refused, and
// a refusal decodes nothing.
func TestServerRefuses(t *testing.T) {
	srv, keys := newTestServer(t)
	good := req{method: http.MethodPost, path: "/codec/decode", origin: uiOrigin, namespace: "default", contentType: "application/json", body: sealedBody(t, keys), signedIn: true}
	cases := map[string]struct {
		r    req
		want int
	}{
		"not signed in":       {func() req { r := good; r.signedIn = false; return r }(), http.StatusUnauthorized},
		"another site":        {func() req { r := good; r.origin = "https://evil.example"; return r }(), http.StatusForbidden},
		"another namespace":   {func() req { r := good; r.namespace = "prod"; return r }(), http.StatusForbidden},
		"no namespace":        {func() req { r := good; r.namespace = ""; return r }(), http.StatusBadRequest},
		"a form post":         {func() req { r := good; r.contentType = "text/plain"; return r }(), http.StatusUnsupportedMediaType},
		"GET":                 {func() req { r := good; r.method = http.MethodGet; r.body = ""; return r }(), http.StatusMethodNotAllowed},
		"another path":        {func() req { r := good; r.path = "/codec/keys"; return r }(), http.StatusNotFound},
		"not JSON payloads":   {func() req { r := good; r.body = "[1,2]"; return r }(), http.StatusBadRequest},
		"preflight elsewhere": {req{method: http.MethodOptions, path: "/codec/decode", origin: "https://evil.example"}, http.StatusForbidden},
		"too big": {func() req {
			r := good
			r.body = `{"payloads":[],"x":"` + strings.Repeat("a", MaxRequestBytes) + `"}`
			return r
		}(), http.StatusRequestEntityTooLarge},
	}
	for name, c := range cases {
		resp, body := c.r.do(t, srv)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %s, want %d (%s)", name, resp.Status, c.want, body)
		}
		if strings.Contains(body, "Fatma") {
			t.Errorf("%s: refused but decoded: %s", name, body)
		}
		if name == "another site" && resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("another site got CORS headers")
		}
	}
	// No Authorize at all refuses everyone.
	h := NewServer(ServerOptions{Keys: keys, Namespace: "default", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(good.body))
	r.Header.Set("X-Namespace", "default")
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("without Authorize: %d", rec.Code)
	}
}

func TestUIOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:8080":                      "http://localhost:8080",
		"http://127.0.0.1:8233/namespaces/default/x": "http://127.0.0.1:8233",
		"https://Temporal.BMP.example/ui":            "https://temporal.bmp.example",
	} {
		if got, err := UIOrigin(in); err != nil || got != want {
			t.Errorf("UIOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost:8080", "ftp://x"} {
		if _, err := UIOrigin(bad); err == nil {
			t.Errorf("UIOrigin(%q) accepted", bad)
		}
	}
}
