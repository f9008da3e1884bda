package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// TestReplayRecordedHistories replays every history recorded from the real
// dev server (workflows/testdata, re-recorded with `make record-histories`)
// against the current code: a change that would break running rollouts fails
// here. Such a change needs workflow.GetVersion, not a re-recording. The
// histories are encrypted with the test key, as every test's are; the
// replayer decrypts them with the converters every process uses.
func TestReplayRecordedHistories(t *testing.T) {
	dc := codec.NewDataConverter(codec.TestKeyring())
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 9 {
		t.Fatalf("found %d recorded histories in testdata, want every scenario (9)", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			h, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatalf("read %s: %v", f, err)
			}
			// The workflow ID is part of what the code computes (the cohort's
			// ID), so replay under the recorded one, derived from the input.
			started := h.Events[0].GetWorkflowExecutionStartedEventAttributes()
			var id string
			switch started.GetWorkflowType().GetName() {
			case rollout.RolloutWorkflowType:
				var in rollout.Input
				if err := dc.FromPayloads(started.Input, &in); err != nil {
					t.Fatal(err)
				}
				id = rollout.WorkflowID(in.Wave.Name, in.Municipality.Code)
			case rollout.CohortWorkflowType:
				var in rollout.CohortInput
				if err := dc.FromPayloads(started.Input, &in); err != nil {
					t.Fatal(err)
				}
				id = rollout.CohortWorkflowID(in.RolloutID)
			}
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc, FailureConverter: codec.NewFailureConverter(dc)})
			if err != nil {
				t.Fatal(err)
			}
			Register(r)
			err = r.ReplayWorkflowHistoryWithOptions(quietLogger(), h, worker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: id, RunID: started.GetOriginalExecutionRunId()},
			})
			if err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
