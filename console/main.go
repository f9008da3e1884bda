// Command console is BMP staff's web console for AMWAHT rollouts; see
// README.md ("The staff console").
package main

import "github.com/stichtingbmp/amwaht/internal/console"

func main() { console.Main() }
