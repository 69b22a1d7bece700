// Command gen writes the provider table of the preset providers into the
// README: go generate ./verifiers/presets.
package main

import (
	"fmt"
	"os"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen README.md")
		os.Exit(2)
	}
	readme, err := os.ReadFile(os.Args[1])
	if err == nil {
		var out string
		if out, err = presets.ReplaceGenerated(string(readme), presets.Markdown()); err == nil {
			err = os.WriteFile(os.Args[1], []byte(out), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
