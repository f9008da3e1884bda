package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

func TestActivityQuery(t *testing.T) {
	got := mail.ActivityQuery(map[string]string{"workflow_id": "rollout-demo-GM0344", "step": "teacher", "occurrence": "1"})
	want := `unique_args['occurrence']="1" AND unique_args['step']="teacher" AND unique_args['workflow_id']="rollout-demo-GM0344"`
	if got != want {
		t.Errorf("query\n got %s\nwant %s", got, want)
	}
}

func TestFindAsksTheEmailActivityAPI(t *testing.T) {
	sg := sendgridfake.New()
	defer sg.Close()
	s := mail.SendGrid{APIKey: "SG.test", Host: sg.URL}
	args := map[string]string{"workflow_id": "rollout-demo-GM0344", "step": `say "hi"`, "template": "producer-invitation", "occurrence": "2"}
	id, err := s.Send(context.Background(), mail.Envelope{
		From: mail.Contact{Email: "amwaht@stichtingbmp.nl"}, To: mail.Contact{Email: "a@example.nl"},
		Message: mail.Message{Subject: "s", Text: "t", HTML: "h"}, CustomArgs: args,
	})
	if err != nil {
		t.Fatal(err)
	}
	found, ok, err := s.Find(context.Background(), args)
	if err != nil || !ok || !strings.HasPrefix(found, id) {
		t.Errorf("find the sent mail: %q %v %v (sent as %q)", found, ok, err, id)
	}
	other := map[string]string{"workflow_id": "rollout-demo-GM0344", "step": `say "hi"`, "template": "producer-invitation", "occurrence": "3"}
	if _, ok, err := s.Find(context.Background(), other); err != nil || ok {
		t.Errorf("find a mail never sent: %v %v", ok, err)
	}

	sg.Script(sendgridfake.Response{Status: 503})
	_, _, err = s.Find(context.Background(), args)
	var se *mail.SendError
	if !errors.As(err, &se) || se.Permanent {
		t.Errorf("503 from the search: want a retryable SendError, got %v", err)
	}
	sg.WithoutActivityAPI()
	if _, _, err := s.Find(context.Background(), args); !errors.Is(err, mail.ErrLookupUnavailable) {
		t.Errorf("without the add-on: want ErrLookupUnavailable, got %v", err)
	}
}
