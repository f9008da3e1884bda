package main

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	amwahtmail "github.com/stichtingbmp/amwaht/internal/mail"
)

// received is one message as the test SMTP server got it.
type received struct {
	From  string
	Rcpts []string
	Data  []byte
}

// smtpServer is a tiny SMTP server speaking just enough of RFC 5321 for
// net/smtp's client: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type smtpServer struct {
	ln   net.Listener
	msgs chan received
	wg   sync.WaitGroup
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, msgs: make(chan received, 16)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) Addr() string { return s.ln.Addr().String() }

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(line string) { tp.PrintfLine("%s", line) }
	reply("220 test-smtp ESMTP")
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			reply("250 test-smtp")
		case strings.HasPrefix(strings.ToUpper(line), "MAIL FROM:"):
			cur = received{From: angle(line)}
			reply("250 OK")
		case strings.HasPrefix(strings.ToUpper(line), "RCPT TO:"):
			cur.Rcpts = append(cur.Rcpts, angle(line))
			reply("250 OK")
		case verb == "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = data
			s.msgs <- cur
			cur = received{}
			reply("250 OK queued")
		case verb == "RSET" || verb == "NOOP":
			reply("250 OK")
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

func angle(line string) string {
	i, j := strings.IndexByte(line, '<'), strings.IndexByte(line, '>')
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

func (s *smtpServer) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message reached the SMTP server")
		return received{}
	}
}

func (s *smtpServer) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-s.msgs:
		t.Fatalf("unexpected message relayed to %v", m.Rcpts)
	case <-time.After(100 * time.Millisecond):
	}
}

func post(t *testing.T, h http.Handler, body string, auth bool) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v3/mail/send", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("Authorization", "Bearer SG.dev-relay-key")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorBody decodes SendGrid's error shape and insists on it.
func errorBody(t *testing.T, rec *httptest.ResponseRecorder) []apiError {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	var body struct {
		Errors []apiError `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body is not SendGrid's JSON shape: %v: %s", err, rec.Body.String())
	}
	if len(body.Errors) == 0 || body.Errors[0].Message == "" {
		t.Fatalf("error body has no errors[].message: %s", rec.Body.String())
	}
	return body.Errors
}

const (
	dutchSubject = "Aanmelding ontvangen: één producent in Zuid‑Holland (’s‑Hertogenbosch) – welkom bij de AMWAHT-opleiding voor mantelzorgers"
	dutchText    = "Beste mevrouw Yılmaz,\n\nWij hebben uw aanmelding ontvangen. De cursus is op vrijdag 23 maart 2012 in Utrecht; de kosten zijn € 1.500 per deelnemer. Een heel lange regel die zeker langer is dan zesenzeventig tekens, zodat quoted-printable hem moet afbreken.\n\nMet vriendelijke groet,\nStichting BMP\n"
	dutchHTML    = "<p>Beste mevrouw Yılmaz,</p>\n<p>De cursus is op <strong>vrijdag 23 maart 2012</strong> in Utrecht; € 1.500 per deelnemer. Café, één, coördinator.</p>\n"
)

func sendBody(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"personalizations": []map[string]any{{
			"to":          []map[string]string{{"email": "f.yilmaz@welzijnutrecht.nl", "name": "Fatma Yılmaz"}},
			"custom_args": map[string]string{"workflow_id": "rollout-demo-GM0344", "template": "application-received", "step": "application", "occurrence": "1"},
		}},
		"from":     map[string]string{"email": "amwaht@stichtingbmp.nl", "name": "Stichting BMP (AMWAHT)"},
		"reply_to": map[string]string{"email": "info@stichtingbmp.nl", "name": "BMP back-office"},
		"subject":  dutchSubject,
		"content": []map[string]string{
			{"type": "text/plain", "value": dutchText},
			{"type": "text/html", "value": dutchHTML},
		},
		"categories": []string{"amwaht", "application-received"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkMessage parses what reached SMTP and asserts a recipient would see
// the original subject, addresses and both bodies, in 7-bit clean MIME.
func checkMessage(t *testing.T, got received, wantTo, wantSubject, wantText, wantHTML string) *mail.Message {
	t.Helper()
	for i, c := range got.Data {
		if c >= 0x80 {
			t.Fatalf("message is not 7-bit clean: byte %#x at %d", c, i)
		}
	}
	if len(got.Rcpts) != 1 || got.Rcpts[0] != wantTo {
		t.Errorf("RCPT TO = %v, want [%s]", got.Rcpts, wantTo)
	}
	if got.From != "amwaht@stichtingbmp.nl" {
		t.Errorf("MAIL FROM = %q", got.From)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		t.Fatalf("relayed message does not parse: %v\n%s", err, got.Data)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != wantTo {
		t.Errorf("To header = %q (%v), want %s", m.Header.Get("To"), err, wantTo)
	}
	rawSubject := m.Header.Get("Subject")
	if !strings.Contains(strings.ToLower(rawSubject), "=?utf-8?") {
		t.Errorf("non-ASCII subject not RFC 2047 encoded: %q", rawSubject)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(rawSubject)
	if err != nil || subject != wantSubject {
		t.Errorf("decoded Subject = %q (%v), want %q", subject, err, wantSubject)
	}

	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var bodies []string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if pp["charset"] != "utf-8" {
			t.Errorf("part %s charset = %q, want utf-8", pt, pp["charset"])
		}
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part %s Content-Transfer-Encoding = %q", pt, cte)
		}
		raw, _ := io.ReadAll(p)
		for _, line := range strings.Split(string(raw), "\n") {
			if len(strings.TrimRight(line, "\r")) > 76 {
				t.Errorf("quoted-printable line longer than 76: %q", line)
			}
		}
		b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(raw))))
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, pt+"\x00"+strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	want := []string{"text/plain\x00" + wantText, "text/html\x00" + wantHTML}
	if len(bodies) != 2 || bodies[0] != want[0] || bodies[1] != want[1] {
		t.Errorf("bodies =\n%q\nwant (text/plain first, then text/html)\n%q", bodies, want)
	}
	return m
}

func TestRelaysSendGridRequestOverSMTP(t *testing.T) {
	smtpd := startSMTP(t)
	r := &Relay{SMTPAddr: smtpd.Addr()}
	rec := post(t, r, sendBody(t), true)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status = %d, want 202: %s", rec.Code, rec.Body.String())
	}
	id := rec.Header().Get("X-Message-Id")
	if len(id) != 22 {
		t.Errorf("X-Message-Id = %q, want a 22-character ID", id)
	}
	m := checkMessage(t, smtpd.next(t), "f.yilmaz@welzijnutrecht.nl", dutchSubject, dutchText, dutchHTML)

	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "amwaht@stichtingbmp.nl" || from[0].Name != "Stichting BMP (AMWAHT)" {
		t.Errorf("From = %q (%v)", m.Header.Get("From"), err)
	}
	if rt, err := m.Header.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "info@stichtingbmp.nl" {
		t.Errorf("Reply-To = %q (%v)", m.Header.Get("Reply-To"), err)
	}
	if to, _ := m.Header.AddressList("To"); len(to) == 1 && to[0].Name != "Fatma Yılmaz" {
		t.Errorf("To name = %q, want the UTF-8 name back", to[0].Name)
	}
	if got := m.Header.Get("X-Message-Id"); !strings.HasPrefix(got, id) {
		t.Errorf("X-Message-Id header in mail = %q, want it to start with %q", got, id)
	}
	if got := m.Header.Get("X-Tags"); got != "amwaht, application-received" {
		t.Errorf("X-Tags = %q", got)
	}
	var args map[string]string
	if err := json.Unmarshal([]byte(m.Header.Get("X-Custom-Args")), &args); err != nil || args["workflow_id"] != "rollout-demo-GM0344" || args["occurrence"] != "1" {
		t.Errorf("X-Custom-Args = %q (%v)", m.Header.Get("X-Custom-Args"), err)
	}
}

// The worker's own SendGrid sender, pointed at the relay, gets its mail
// through with the message ID the relay answered.
func TestWorkerSenderThroughRelay(t *testing.T) {
	smtpd := startSMTP(t)
	srv := httptest.NewServer(&Relay{SMTPAddr: smtpd.Addr()})
	defer srv.Close()
	sg := amwahtmail.SendGrid{APIKey: "dev-relay-key", Host: srv.URL, Timeout: 5 * time.Second}
	id, err := sg.Send(context.Background(), amwahtmail.Envelope{
		From:       amwahtmail.Contact{Name: "Stichting BMP (AMWAHT)", Email: "amwaht@stichtingbmp.nl"},
		ReplyTo:    amwahtmail.Contact{Name: "BMP", Email: "info@stichtingbmp.nl"},
		To:         amwahtmail.Contact{Name: "Team WMO", Email: "zorg@utrecht.nl"},
		Message:    amwahtmail.Message{Subject: dutchSubject, Text: dutchText, HTML: dutchHTML},
		Categories: []string{"amwaht", "producer-invitation"},
		CustomArgs: map[string]string{"workflow_id": "rollout-demo-GM0344"},
	})
	if err != nil {
		t.Fatalf("Send through the relay: %v", err)
	}
	if id == "" {
		t.Error("no X-Message-Id came back to the sender")
	}
	m := checkMessage(t, smtpd.next(t), "zorg@utrecht.nl", dutchSubject, dutchText, dutchHTML)
	if got := m.Header.Get("X-Message-Id"); !strings.HasPrefix(got, id) {
		t.Errorf("mail's X-Message-Id %q does not match the one returned (%q)", got, id)
	}
}

func TestBadJSONIsSendGrid400(t *testing.T) {
	smtpd := startSMTP(t)
	r := &Relay{SMTPAddr: smtpd.Addr()}
	rec := post(t, r, `{"personalizations": [`, true)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
	errorBody(t, rec)
	smtpd.none(t)
}

func TestInvalidRequestsAreRefusedLikeSendGrid(t *testing.T) {
	valid := func() map[string]any {
		var m map[string]any
		json.Unmarshal([]byte(sendBody(t)), &m)
		return m
	}
	cases := []struct {
		name   string
		change func(m map[string]any)
		field  string
	}{
		{"html before plain", func(m map[string]any) {
			m["content"] = []map[string]string{{"type": "text/html", "value": "<p>x</p>"}, {"type": "text/plain", "value": "x"}}
		}, "content"},
		{"no recipient", func(m map[string]any) {
			m["personalizations"] = []map[string]any{{"to": []any{}}}
		}, "personalizations.0.to"},
		{"invalid recipient", func(m map[string]any) {
			m["personalizations"] = []map[string]any{{"to": []map[string]string{{"email": "not-an-address"}}}}
		}, "personalizations.0.to.0.email"},
		{"no from", func(m map[string]any) { delete(m, "from") }, "from.email"},
		{"no subject", func(m map[string]any) { delete(m, "subject") }, "subject"},
		{"no content", func(m map[string]any) { delete(m, "content") }, "content"},
		{"no personalizations", func(m map[string]any) { delete(m, "personalizations") }, "personalizations"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			smtpd := startSMTP(t)
			m := valid()
			c.change(m)
			b, _ := json.Marshal(m)
			rec := post(t, &Relay{SMTPAddr: smtpd.Addr()}, string(b), true)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", rec.Code, rec.Body.String())
			}
			found := false
			for _, e := range errorBody(t, rec) {
				if e.Field != nil && *e.Field == c.field {
					found = true
				}
			}
			if !found {
				t.Errorf("no error for field %q in %s", c.field, rec.Body.String())
			}
			smtpd.none(t)
		})
	}
}

func TestMissingAPIKeyIs401(t *testing.T) {
	smtpd := startSMTP(t)
	rec := post(t, &Relay{SMTPAddr: smtpd.Addr()}, sendBody(t), false)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", rec.Code)
	}
	errorBody(t, rec)
	smtpd.none(t)
}

func TestSandboxModeValidatesWithoutRelaying(t *testing.T) {
	smtpd := startSMTP(t)
	var m map[string]any
	json.Unmarshal([]byte(sendBody(t)), &m)
	m["mail_settings"] = map[string]any{"sandbox_mode": map[string]bool{"enable": true}}
	b, _ := json.Marshal(m)
	rec := post(t, &Relay{SMTPAddr: smtpd.Addr()}, string(b), true)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (sandbox)", rec.Code)
	}
	smtpd.none(t)
}

// An SMTP server that is down is a 5xx, which the worker retries.
func TestSMTPDownIsRetryable5xx(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rec := post(t, &Relay{SMTPAddr: addr, Timeout: 2 * time.Second}, sendBody(t), true)
	if rec.Code < 500 {
		t.Fatalf("status = %d, want a 5xx", rec.Code)
	}
	if id := rec.Header().Get("X-Message-Id"); id != "" {
		t.Errorf("a refused request got X-Message-Id %q", id)
	}
	errorBody(t, rec)
}

func TestSinglePartAndHealth(t *testing.T) {
	smtpd := startSMTP(t)
	r := &Relay{SMTPAddr: smtpd.Addr()}
	var m map[string]any
	json.Unmarshal([]byte(sendBody(t)), &m)
	m["content"] = []map[string]string{{"type": "text/plain", "value": "Één regel."}}
	b, _ := json.Marshal(m)
	if rec := post(t, r, string(b), true); rec.Code != http.StatusAccepted {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body.String())
	}
	got := smtpd.next(t)
	msg, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if strings.TrimRight(string(body), "\r\n") != "Één regel." {
		t.Errorf("body = %q", body)
	}

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/healthz = %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v3/mail/send", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /v3/mail/send = %d, want 405", rec.Code)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	srv := httptest.NewServer(&Relay{})
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	if err := healthcheck(":" + port); err != nil {
		t.Errorf("healthcheck of a running relay: %v", err)
	}
	srv.Close()
	if err := healthcheck(":" + port); err == nil {
		t.Error("healthcheck of a stopped relay succeeded")
	}
}
