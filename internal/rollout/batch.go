package rollout

import (
	"context"
	"errors"
	"sync"
)

// BatchStarters is how many rollouts a batch starts at once: enough to keep
// the server busy (342 municipalities in seconds, see make bench), few
// enough not to flood it.
const BatchStarters = 8

// Started is what became of one rollout of a batch.
type Started struct {
	Input   Input
	ID      string
	Skipped bool  // it already runs: a batch is idempotent
	Err     error // it could not be started
}

// StartMany starts many rollouts, BatchStarters at a time, and calls each
// (one call at a time) with what became of every one. A rollout that already
// runs is skipped, not an error, so an interrupted batch is simply run again.
// It stops handing out starts when ctx ends and returns how many it attempted.
func (c *Client) StartMany(ctx context.Context, ins []Input, each func(Started)) int {
	var mu sync.Mutex // one call of each at a time
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(BatchStarters, len(ins)) {
		wg.Go(func() {
			for i := range next {
				id, err := c.Start(ctx, ins[i])
				r := Started{Input: ins[i], ID: id, Err: err}
				if errors.Is(err, ErrAlreadyRuns) {
					r.Skipped, r.Err = true, nil
				}
				mu.Lock()
				each(r)
				mu.Unlock()
			}
		})
	}
	attempted := 0
	for i := range ins {
		if ctx.Err() != nil {
			break
		}
		next <- i
		attempted++
	}
	close(next)
	wg.Wait()
	return attempted
}
