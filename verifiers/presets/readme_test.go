package presets_test

import (
	"os"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
)

// The README's provider table is the table's: run
// `go generate ./verifiers/presets` after changing a row.
func TestREADMEProviderTableIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := presets.ReplaceGenerated(string(readme), presets.Markdown())
	if err != nil {
		t.Fatal(err)
	}
	if want != string(readme) {
		t.Fatal("README.md's provider table is stale: run `go generate ./verifiers/presets`")
	}
}
