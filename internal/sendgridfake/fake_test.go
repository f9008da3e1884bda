package sendgridfake

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

const mailJSON = `{"personalizations":[{"to":[{"email":"a@example.nl"}]}],"from":{"email":"amwaht@example.nl"},"subject":"s",
"content":[{"type":"text/plain","value":"t"},{"type":"text/html","value":"h"}]}`

func post(ctx context.Context, url string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v3/mail/send", strings.NewReader(mailJSON))
	req.Header.Set("Authorization", "Bearer SG.test")
	return http.DefaultClient.Do(req)
}

// A client that gives up during a slow answer never learns of its mail, so
// the stand-in must not count it: otherwise the retry that follows shows up
// as a second delivery the worker could not have prevented.
func TestClientGoneDuringSlowAnswerIsNotAccepted(t *testing.T) {
	s := New()
	defer s.Close()
	for range 20 {
		s.Script(Response{Delay: 300 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if _, err := post(ctx, s.URL); err == nil {
			t.Fatal("the client's timeout did not end the request")
		}
		cancel()
	}
	time.Sleep(500 * time.Millisecond) // every slow answer is over
	if n := len(s.Mails()); n != 0 {
		t.Fatalf("%d mails accepted from clients that had gone", n)
	}
	resp, err := post(context.Background(), s.URL)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("a patient client: %v %v", resp, err)
	}
	if n := len(s.Mails()); n != 1 {
		t.Fatalf("%d mails after one accepted", n)
	}
}
