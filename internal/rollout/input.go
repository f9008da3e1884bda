package rollout

import (
	"context"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
)

// Input reads what a rollout (or a cohort, into CohortInput) was started
// with, from the first event of its history: the plan it keeps. Through the
// SDK's iterator, so the client's data converter decodes it.
func (c *Client) Input(ctx context.Context, id string, into any) error {
	it := c.T.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return fmt.Errorf("%s has no history: %w", id, ErrNotFound)
	}
	ev, err := it.Next()
	if err != nil {
		if isNotFound(err) {
			return fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("history of %s: %w", id, err)
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return fmt.Errorf("%s: the first event is %s, not the start", id, ev.GetEventType())
	}
	if err := c.converter().FromPayloads(attrs.GetInput(), into); err != nil {
		if c.Converter == nil {
			return fmt.Errorf("read the input of %s: %w (the input is encrypted: set rollout.Client.Converter to the data converter the client was dialed with, app.DataConverter)", id, err)
		}
		return fmt.Errorf("read the input of %s: %w", id, err)
	}
	return nil
}

// RolloutInput reads a rollout's input.
func (c *Client) RolloutInput(ctx context.Context, id string) (Input, error) {
	var in Input
	err := c.Input(ctx, id, &in)
	return in, err
}

// converter decodes payloads the client reads itself: the one the
// Temporal client was dialed with.
func (c *Client) converter() converter.DataConverter {
	if c.Converter != nil {
		return c.Converter
	}
	return converter.GetDefaultDataConverter()
}
