package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
)

// ErrLookupUnavailable means the account cannot search its sent mail: the
// Email Activity API is a paid SendGrid add-on, and the API key needs the
// "Email Activity" permission.
var ErrLookupUnavailable = errors.New("SendGrid's Email Activity API is not available to this API key")

// Find asks SendGrid's Email Activity API whether it accepted a message with
// these custom args (SendGrid calls them unique_args), and returns the
// message's ID if it did. It answers the one question a retry cannot answer
// alone: did the attempt that lost SendGrid's reply get its mail accepted?
//
// The activity feed lags a few seconds behind the send; callers ask only
// about an attempt that ended well before.
func (s SendGrid) Find(ctx context.Context, customArgs map[string]string) (string, bool, error) {
	req := sendgrid.GetRequest(s.APIKey, "/v3/messages", s.host())
	req.Method = rest.Get
	req.QueryParams = map[string]string{"limit": "1", "query": ActivityQuery(customArgs)}
	c := &rest.Client{HTTPClient: &http.Client{Timeout: s.timeout()}}
	resp, err := c.SendWithContext(ctx, req)
	if err != nil {
		return "", false, &SendError{Err: fmt.Errorf("search sent mail: %w", err)}
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest, resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusNotFound:
		return "", false, fmt.Errorf("%w (HTTP %d: %s)", ErrLookupUnavailable, resp.StatusCode, truncate(strings.TrimSpace(resp.Body), 200))
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return "", false, &SendError{Status: resp.StatusCode, Body: truncate(resp.Body, 500), RetryAfter: retryAfter(resp.Headers, time.Now())}
	}
	var body struct {
		Messages []struct {
			MsgID string `json:"msg_id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		return "", false, &SendError{Status: resp.StatusCode, Body: truncate(resp.Body, 500), Err: fmt.Errorf("read sent-mail search: %w", err)}
	}
	if len(body.Messages) == 0 {
		return "", false, nil
	}
	return body.Messages[0].MsgID, true, nil
}

// ActivityQuery is the Email Activity query that matches every custom arg,
// in a stable order.
func ActivityQuery(customArgs map[string]string) string {
	keys := make([]string, 0, len(customArgs))
	for k := range customArgs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	terms := make([]string, len(keys))
	for i, k := range keys {
		terms[i] = fmt.Sprintf("unique_args['%s']=%q", k, customArgs[k])
	}
	return strings.Join(terms, " AND ")
}
