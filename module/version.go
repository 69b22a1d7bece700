package webhookverify

import (
	"fmt"
	"runtime/debug"

	"github.com/caddyserver/caddy/v2"
	"github.com/spf13/cobra"
)

// modulePath is the Go module path of this repository.
const modulePath = "github.com/caddy-webhook-verify/caddy-webhook-verify"

// linkedVersion is set at link time by `make build` and `make xcaddy`:
//
//	-ldflags "-X github.com/caddy-webhook-verify/caddy-webhook-verify/module.linkedVersion=$(git describe --tags --always --dirty)"
var linkedVersion string

// Version is the version of this module in the running binary, as
// `caddy webhook version` prints it: the module's version when Caddy was
// built with it as a dependency (xcaddy build --with …@v1.2.3); else the
// version linked in by the Makefile (the checkout's git describe); else,
// when the binary was built inside this module (go build ./cmd/caddy), the
// version Go stamped from the checkout; else "devel".
func Version() string {
	bi, _ := debug.ReadBuildInfo()
	return resolveVersion(bi, linkedVersion)
}

// resolveVersion is Version with the build info and the linked version
// given.
func resolveVersion(bi *debug.BuildInfo, linked string) string {
	usable := func(v string) bool { return v != "" && v != "(devel)" }
	if bi != nil {
		for _, dep := range bi.Deps {
			if dep.Path != modulePath {
				continue
			}
			switch {
			case dep.Replace == nil && usable(dep.Version):
				return dep.Version
			case dep.Replace != nil && usable(dep.Replace.Version):
				// Replaced by another module version (a fork).
				return dep.Replace.Version
			}
			// Replaced by a directory (xcaddy --with …=./path): the
			// required version is a placeholder that says nothing.
		}
	}
	if linked != "" {
		return linked
	}
	if bi != nil && bi.Main.Path == modulePath && usable(bi.Main.Version) {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Prints the versions of the webhook_verify module and of Caddy",
		Long: `Prints two lines, stable for scripts:

    webhook_verify <version of this module>
    caddy <version of Caddy>

The module's version is its Go module version when Caddy was built with it
as a dependency (xcaddy build --with ...@v1.2.3), the checkout's
'git describe' when built with 'make build' or 'make xcaddy', or else
"devel".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			simple, _ := caddy.Version()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "webhook_verify %s\ncaddy %s\n", Version(), simple)
			return err
		},
	}
}
