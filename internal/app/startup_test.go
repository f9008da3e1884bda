package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestOpenDBWaitingGivesUp(t *testing.T) {
	var logs bytes.Buffer
	url := "postgres://postgres@" + freeAddr(t) + "/amwaht?sslmode=disable"
	_, err := openDBWaiting(context.Background(), url, 1200*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("want ErrUnreachable saying how to set DATABASE_URL, got %v", err)
	}
	if n := strings.Count(logs.String(), "PostgreSQL not reachable yet; retrying"); n < 1 {
		t.Errorf("retries logged: %d\n%s", n, logs.String())
	}
	if _, err := openDBWaiting(context.Background(), url, 0, discard()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("no wait: %v", err)
	}
}

// PostgreSQL that comes up while the worker starts: the worker waits for it.
func TestOpenDBWaitingForAPostgresThatComesUp(t *testing.T) {
	const pg = "127.0.0.1:5432"
	if c, err := net.DialTimeout("tcp", pg, time.Second); err != nil {
		t.Skipf("needs PostgreSQL at %s: %v", pg, err)
	} else {
		c.Close()
	}
	addr := freeAddr(t)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { ln.Close() })
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", pg)
			if err != nil {
				in.Close()
				continue
			}
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	db, err := openDBWaiting(context.Background(), "postgres://postgres@"+addr+"/postgres?sslmode=disable", 20*time.Second, discard())
	if err != nil {
		t.Fatalf("PostgreSQL came up after 1.5 s, the worker gave up: %v", err)
	}
	db.Close()
}

func TestStartupWaitFromEnv(t *testing.T) {
	t.Setenv("AMWAHT_STARTUP_WAIT", "")
	if c, err := ConfigFromEnv(); err != nil || c.StartupWait != DefaultStartupWait {
		t.Errorf("default: %v %v", c.StartupWait, err)
	}
	t.Setenv("AMWAHT_STARTUP_WAIT", "0")
	if c, err := ConfigFromEnv(); err != nil || c.StartupWait != 0 {
		t.Errorf("0: %v %v", c.StartupWait, err)
	}
	t.Setenv("AMWAHT_STARTUP_WAIT", "soon")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "AMWAHT_STARTUP_WAIT") {
		t.Errorf("bad value: %v", err)
	}
}

// TestPasswordsNeverLogged: a worker that cannot reach PostgreSQL says where
// it tried, in its log and its error, without the password, whichever form
// DATABASE_URL takes.
func TestPasswordsNeverLogged(t *testing.T) {
	host, port, _ := net.SplitHostPort(freeAddr(t))
	for _, url := range []string{
		"postgres://amwaht:s3cr3t-pw@" + host + ":" + port + "/amwaht?sslmode=disable",
		"postgres://amwaht@" + host + ":" + port + "/amwaht?sslmode=disable&password=s3cr3t-pw",
		"host=" + host + " port=" + port + " user=amwaht password=s3cr3t-pw dbname=amwaht sslmode=disable",
		"host=" + host + " port=" + port + " user=amwaht password='s3cr3t-pw' dbname=amwaht sslmode=disable",
	} {
		var logs bytes.Buffer
		cfg := Config{DatabaseURL: url, StartupWait: 700 * time.Millisecond}
		err := RunWorker(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
		if err == nil {
			t.Fatalf("%s: the worker started without PostgreSQL", RedactURL(url))
		}
		if strings.Contains(logs.String()+err.Error(), "s3cr3t") {
			t.Errorf("the password is shown:\nerror: %v\nlog:\n%s", err, logs.String())
		}
		if !strings.Contains(err.Error(), port) || !strings.Contains(logs.String(), "not reachable yet") {
			t.Errorf("the messages should say where it tried (port %s):\nerror: %v\nlog:\n%s", port, err, logs.String())
		}
	}
}

func TestRedactURL(t *testing.T) {
	for _, url := range []string{"postgres://a:s3cr3t@h/d", "postgres://a@h/d?password=s3cr3t", "host=h password=s3cr3t", "password = 's3 cr3t'"} {
		if got := RedactURL(url); strings.Contains(got, "s3") || !strings.Contains(got, "xxxxx") {
			t.Errorf("RedactURL(%q) = %q", url, got)
		}
	}
}
