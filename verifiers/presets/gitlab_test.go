package presets_test

import (
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// GitLab sends the webhook's secret token, as is, in X-Gitlab-Token. The
// body is the start of the push event example of GitLab's webhook events
// page (doc/user/project/integrations/webhook_events.md).
const (
	gitlabToken = "glwt-secret-token-0123456789"
	gitlabBody  = `{"object_kind":"push","event_name":"push","before":"95790bf891e76fee5e1747ab589903a6a1f80f22",` +
		`"after":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","ref":"refs/heads/master",` +
		`"checkout_sha":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","user_id":4,"user_name":"John Smith",` +
		`"project_id":15,"project":{"id":15,"name":"Diaspora","path_with_namespace":"mike/diaspora"},"commits":[],"total_commits_count":4}`
)

func TestGitLab(t *testing.T) {
	v := verifiertest.Load(t, "gitlab {\n secret "+gitlabToken+"\n}")
	hdr := func(pairs ...string) [][2]string {
		h := [][2]string{{"X-Gitlab-Event", "Push Hook"}}
		for i := 0; i+1 < len(pairs); i += 2 {
			h = append(h, [2]string{pairs[i], pairs[i+1]})
		}
		return h
	}
	const key = "0ff0a6f4-2b3c-4d5e-8f90-a1b2c3d4e5f6"
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "right token", Body: gitlabBody, Header: hdr("X-Gitlab-Token", gitlabToken), Event: &webhookverify.Event{Type: "com.gitlab.push"}},
		{Name: "the idempotency key is the id", Body: gitlabBody, Header: hdr("X-Gitlab-Token", gitlabToken, "Idempotency-Key", key),
			Event: &webhookverify.Event{ID: key, Type: "com.gitlab.push"}},
		{Name: "an odd idempotency key is dropped", Body: gitlabBody, Header: hdr("X-Gitlab-Token", gitlabToken, "Idempotency-Key", "a b"),
			Event: &webhookverify.Event{Type: "com.gitlab.push"}},
		{Name: "merge request", Body: `{"object_kind":"merge_request","object_attributes":{"action":"open"}}`, Header: hdr("X-Gitlab-Token", gitlabToken),
			Event: &webhookverify.Event{Type: "com.gitlab.merge_request"}},
		{Name: "wrong token", Body: gitlabBody, Header: hdr("X-Gitlab-Token", "glwt-secret-token-012345678"), Err: webhookverify.ErrInvalidToken},
		{Name: "the token in Authorization only", Body: gitlabBody, Header: hdr("Authorization", gitlabToken), Err: webhookverify.ErrMissingToken},
		{Name: "missing", Body: gitlabBody, Header: hdr(), Err: webhookverify.ErrMissingToken},
		{Name: "empty", Body: gitlabBody, Header: hdr("X-Gitlab-Token", " "), Err: webhookverify.ErrMissingToken},
		{Name: "repeated", Body: gitlabBody, Header: hdr("X-Gitlab-Token", gitlabToken, "X-Gitlab-Token", gitlabToken), Err: webhookverify.ErrInvalidToken},
		{Name: "PUT", Method: "PUT", Body: gitlabBody, Header: hdr("X-Gitlab-Token", gitlabToken), Err: webhookverify.ErrMethodNotAllowed},
	})
	verifiertest.SecretsStayHidden(t, gitlabToken, "gitlab {\n secret "+gitlabToken+"\n}", []verifiertest.Case{
		{Name: "wrong", Body: gitlabBody, Header: hdr("X-Gitlab-Token", gitlabToken+"x")},
	})
}
