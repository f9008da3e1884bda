//go:build amwaht_nextbuild

package workflows

import "go.temporal.io/sdk/workflow"

// nextBuildChange is the change ID of the demonstration change that only the
// amwaht_nextbuild build carries (internal/deploy looks for its marker).
const nextBuildChange = "next-build-demo"

// nextBuildMemo is the memo field the change sets: the Web UI shows, for a
// rollout the new build started, which change it runs with.
const nextBuildMemo = "AmwahtBuild"

// nextBuild brings the change to the rollouts this build starts.
func nextBuild(ctx workflow.Context) {
	// A rollout whose first workflow task an older build ran has no marker at
	// this point of its history: replayed here, GetVersion returns
	// DefaultVersion and the rollout keeps the old behaviour to its end. Only
	// a rollout this build starts records version 1.
	if workflow.GetVersion(ctx, nextBuildChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{nextBuildMemo: nextBuildChange}); err != nil {
		// Only an unencodable value fails here, and a string is not one; the
		// memo is for people, so the rollout goes on without it.
		workflow.GetLogger(ctx).Warn("next build: memo not set", "error", err)
	}
}
