// Command starter is BMP staff's command line for AMWAHT rollouts; see
// 'starter --help' and README.md.
package main

import "github.com/stichtingbmp/amwaht/internal/cli"

func main() { cli.Main() }
