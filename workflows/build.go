//go:build !amwaht_nextbuild

package workflows

import "go.temporal.io/sdk/workflow"

// nextBuild is where a build made with `-tags amwaht_nextbuild`
// (nextbuild.go) brings a small change guarded by workflow.GetVersion, so
// internal/deploy can deploy a second build beside the first while rollouts
// run. Every rollout calls it once, in its first workflow task. In the
// normal build it issues no command: histories stay what they were, and the
// recorded ones in testdata keep replaying. A function per build rather than
// a variable, so that workflowcheck follows the call in both builds.
func nextBuild(workflow.Context) {}
