package webhookverify

import (
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	dep := func(version string, replace *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{
			Main: debug.Module{Path: "caddy", Version: "(devel)"},
			Deps: []*debug.Module{
				{Path: "github.com/caddyserver/caddy/v2", Version: "v2.11.9"},
				{Path: modulePath, Version: version, Replace: replace},
			},
		}
	}
	const placeholder = "v0.0.0-00010101000000-000000000000" // xcaddy's version for --with …=path
	tests := []struct {
		name   string
		bi     *debug.BuildInfo
		linked string
		want   string
	}{
		{"published dependency", dep("v1.2.3", nil), "", "v1.2.3"},
		{"the dependency wins over the linked version", dep("v1.2.3", nil), "v1.2.3-4-gabcdef0", "v1.2.3"},
		{"pseudo-version dependency", dep("v0.0.0-20260101000000-abcdef012345", nil), "", "v0.0.0-20260101000000-abcdef012345"},
		{"replaced by a fork", dep("v1.2.3", &debug.Module{Path: "example.com/fork", Version: "v1.2.4"}), "", "v1.2.4"},
		{"replaced by a directory, linked", dep(placeholder, &debug.Module{Path: "/src/caddy-webhook-verify"}), "v1.2.3-dirty", "v1.2.3-dirty"},
		{"replaced by a directory, not linked", dep(placeholder, &debug.Module{Path: "/src/caddy-webhook-verify"}), "", "devel"},
		{"main module, linked", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, "3fe2c55-dirty", "3fe2c55-dirty"},
		{"main module, stamped by go", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v0.0.0-20260101000000-3fe2c55abcde+dirty"}}, "", "v0.0.0-20260101000000-3fe2c55abcde+dirty"},
		{"main module, devel", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, "", "devel"},
		{"no build info, linked", nil, "v1.0.0", "v1.0.0"},
		{"no build info", nil, "", "devel"},
	}
	for _, tt := range tests {
		if got := resolveVersion(tt.bi, tt.linked); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The Makefile links the version into the variable Version reads.
func TestMakefileLinksTheVersion(t *testing.T) {
	b, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if want := "-X $(MODULE)/module.linkedVersion="; !strings.Contains(string(b), want) {
		t.Errorf("the Makefile does not set %s", want)
	}
	if !regexp.MustCompile(`(?m)^MODULE\s*:=\s*` + regexp.QuoteMeta(modulePath) + `$`).Match(b) {
		t.Errorf("the Makefile's MODULE is not %s", modulePath)
	}
}
