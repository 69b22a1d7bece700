package webhookverify_test

import (
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func TestVersionCommand(t *testing.T) {
	out, err := runWebhook(t, "", "version")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 3 || lines[2] != "" ||
		lines[0] != "webhook_verify "+webhookverify.Version() || !strings.HasPrefix(lines[1], "caddy ") ||
		strings.TrimSpace(strings.TrimPrefix(lines[0], "webhook_verify")) == "" || strings.TrimSpace(strings.TrimPrefix(lines[1], "caddy")) == "" {
		t.Errorf("want two lines, webhook_verify <version> and caddy <version>:\n%s", out)
	}
	if _, err := runWebhook(t, "", "version", "extra"); err == nil {
		t.Errorf("version accepts an argument")
	}
}
