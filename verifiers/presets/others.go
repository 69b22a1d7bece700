package presets

import (
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

// others are the providers fintech platforms run beside payments.
var others = []*Row{
	{
		Name: "github", Title: "GitHub",
		Docs: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
		Proof: "published vector (GitHub docs: secret \"It's a Secret to Everybody\"), hostile suite; " +
			"official SDK cross-check both ways (@octokit/webhooks-methods@6.0.0 sign / verify)",
		Secret: "webhook secret", SecretEnv: "GITHUB_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Hub-Signature-256", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex, Prefix: "sha256=",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "action"},
		},
		Event: githubEvent,
	},
	{
		Name: "slack", Title: "Slack",
		Docs:   "https://api.slack.com/authentication/verifying-requests-from-slack",
		Proof:  "published vector (Slack docs), hostile suite; official SDK cross-check (@slack/bolt@5.1.0 verifySlackRequest accepts our signature, refuses a tampered body)",
		Secret: "signing secret", SecretEnv: "SLACK_SIGNING_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Slack-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex, Prefix: "v0=",
			TimestampHeader: "X-Slack-Request-Timestamp", Tolerance: minutes(5),
			Payload:    "v0:{timestamp}:{body}",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "type", EventID: "event_id", Time: "event_time"},
		},
		Event: slackEvent,
	},
	{
		Name: "sanity", Title: "Sanity",
		Docs: "https://www.sanity.io/docs/webhooks",
		Proof: "published vector (sanity-io/webhook-toolkit test/signature.test.ts: secret \"test\", body {\"_id\":\"resume\"}, t=1633519811129); " +
			"official SDK cross-check both ways (@sanity/webhook@4.0.4 encodeSignatureHeader / isValidSignature); " +
			"tolerance 5 minutes: Sanity documents none and its toolkit checks no age; any method: a webhook may use GET, POST, PUT, PATCH or DELETE; " +
			"no field paths: the body is the webhook's own GROQ projection",
		Secret: "webhook secret", SecretEnv: "SANITY_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "Sanity-Webhook-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64URL,
			SignatureFormat: "kv", PartSeparator: ",", SignatureKey: "v1", TimestampKey: "t", TimestampFormat: "unix_ms", Tolerance: minutes(5),
			Payload: "{timestamp}.{body}",
		},
	},
	{
		Name: "onfido", Title: "Onfido",
		Docs: "https://documentation.identity.entrust.com/api/manual-webhook-signature-verification/",
		Proof: "published vector (onfido/onfido-node test/classic-webhook-event-verifier.test.ts); no timestamp is signed; " +
			"official SDK cross-check (@onfido/api@6.2.0 WebhookEventVerifier.readPayload accepts our signature, refuses a tampered body)",
		Secret: "webhook token", SecretEnv: "ONFIDO_WEBHOOK_TOKEN",
		Scheme: generic.HMAC{
			Header: "X-SHA2-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "payload.action", Time: "payload.object.completed_at_iso8601"},
		},
	},
	{
		Name: "box", Title: "Box",
		Docs: "https://developer.box.com/guides/webhooks/v2/signatures-v2/",
		Proof: "published vector (box/box-node-sdk tests/lib/managers/webhooks-test.js, also on Box's signatures page); 10-minute tolerance from the docs; " +
			"only BOX-SIGNATURE-PRIMARY is checked (the engine reads one signature header): the secondary key is not used, " +
			"so rotate the primary key by listing the old and the new one; official SDK cross-check (box-node-sdk@10.12.0 " +
			"WebhooksManager.validateMessage accepts our signature, refuses a tampered body)",
		Secret: "primary signature key", SecretEnv: "BOX_PRIMARY_SIGNATURE_KEY",
		Scheme: generic.HMAC{
			Header: "Box-Signature-Primary", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64,
			TimestampHeader: "Box-Delivery-Timestamp", TimestampFormat: "rfc3339", Tolerance: minutes(10),
			Payload:    "{body}{timestamp}",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "id", Type: "trigger", Time: "created_at"},
		},
	},
	{
		Name: "calendly", Title: "Calendly",
		Docs: "https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures",
		Proof: "no published vector; scheme from the docs (t=<unix>,v1=<hex HMAC-SHA256 of t.body>); " +
			"unconfirmed: the 3-minute tolerance (the docs' replay check, read only in a third-party copy)",
		Secret: "webhook signing key", SecretEnv: "CALENDLY_WEBHOOK_SIGNING_KEY",
		Scheme: generic.HMAC{
			Header: "Calendly-Webhook-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			SignatureFormat: "kv", PartSeparator: ",", SignatureKey: "v1", TimestampKey: "t", Tolerance: minutes(3),
			Payload:    "{timestamp}.{body}",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "event", Time: "created_at"},
		},
	},
	{
		Name: "linear", Title: "Linear",
		Docs: "https://linear.app/developers/webhooks",
		Proof: "no published vector; scheme from the official SDK (@linear/sdk LinearWebhookClient.verify: hex HMAC-SHA256 of the body); " +
			"official SDK cross-check (@linear/sdk@98.0.0 LinearWebhookClient.parseData accepts our signature, refuses a tampered body); " +
			"its 1-minute replay check reads webhookTimestamp from the body, which the engine cannot check: no tolerance is enforced",
		Secret: "webhook signing secret", SecretEnv: "LINEAR_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "Linear-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "type", Time: "createdAt"},
		},
		Event: linearEvent,
	},
	{
		Name: "intercom", Title: "Intercom",
		Docs:   "https://developers.intercom.com/docs/references/webhooks/webhook-models",
		Proof:  "no published vector (the docs' example signature gives no secret); scheme from the docs (Signed notifications: sha1=<hex HMAC-SHA1 of the body>)",
		Secret: "client secret", SecretEnv: "INTERCOM_CLIENT_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Hub-Signature", Algorithm: webhookverify.SHA1, Encoding: webhookverify.Hex, Prefix: "sha1=",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "id", Type: "topic", Time: "created_at"},
		},
	},
	{
		Name: "vercel", Title: "Vercel",
		Docs: "https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks",
		Proof: "no published vector; scheme from the docs (Securing webhooks: x-vercel-signature, hex HMAC-SHA1 of the body " +
			"with the webhook's secret or the integration's client secret)",
		Secret: "webhook secret", SecretEnv: "VERCEL_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Vercel-Signature", Algorithm: webhookverify.SHA1, Encoding: webhookverify.Hex,
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "id", Type: "type", Time: "createdAt"},
		},
	},
	{
		Name: "bitbucket", Title: "Bitbucket",
		Docs: "https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/",
		Proof: "no published vector; scheme from Atlassian's docs (X-Hub-Signature sha256=<hex HMAC-SHA256 of the body>); " +
			"unconfirmed on the Cloud page itself (read in the Bitbucket Server docs and the Cloud announcement); " +
			"the event key and the request id are in unsigned headers, so neither is read",
		Secret: "webhook secret", SecretEnv: "BITBUCKET_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Hub-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex, Prefix: "sha256=",
			Methods: post,
		},
	},
	{
		Name: "typeform", Title: "Typeform",
		Docs:   "https://www.typeform.com/developers/webhooks/secure-your-webhooks/",
		Proof:  "no published vector; scheme from the docs (Typeform-Signature sha256=<base64 HMAC-SHA256 of the body>)",
		Secret: "webhook secret", SecretEnv: "TYPEFORM_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "Typeform-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64, Prefix: "sha256=",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "event_id", Type: "event_type", Time: "form_response.submitted_at"},
		},
	},
	{
		Name: "dropbox", Title: "Dropbox",
		Docs: "https://www.dropbox.com/developers/reference/webhooks",
		Proof: "no published vector; scheme from the docs (X-Dropbox-Signature, hex HMAC-SHA256 of the body with the app secret); " +
			"the unsigned verification GET ?challenge= is answered at the edge (text/plain, nosniff, bounded safe charset), never forwarded",
		Secret: "app secret", SecretEnv: "DROPBOX_APP_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Dropbox-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			Methods: post,
		},
		Challenge: dropboxChallenge,
	},
	{
		Name: "zendesk", Title: "Zendesk",
		Docs: "https://developer.zendesk.com/documentation/webhooks/verifying/",
		Proof: "no published vector; scheme from the docs (base64 HMAC-SHA256 of timestamp+body, RFC 3339 timestamp header); " +
			"tolerance 5 minutes: Zendesk documents none; any method: webhooks for triggers and automations may use GET, POST, PUT, PATCH or DELETE",
		Secret: "webhook signing secret", SecretEnv: "ZENDESK_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Zendesk-Webhook-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64,
			TimestampHeader: "X-Zendesk-Webhook-Signature-Timestamp", TimestampFormat: "rfc3339", Tolerance: minutes(5),
			Payload:    "{timestamp}{body}",
			FieldPaths: webhookverify.FieldPaths{EventID: "id", Type: "type", Time: "time"},
		},
	},
	{
		Name: "sentry", Title: "Sentry",
		Docs: "https://docs.sentry.io/integrations/integration-platform/webhooks/",
		Proof: "no published vector; scheme from the docs and getsentry/integration-platform-example (hex HMAC-SHA256 of the compact JSON body " +
			"with the client secret); Sentry-Hook-Timestamp is not signed, so no tolerance; the resource is in an unsigned header, so no type",
		Secret: "client secret", SecretEnv: "SENTRY_CLIENT_SECRET",
		Scheme: generic.HMAC{
			Header: "Sentry-Hook-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			Methods: post,
		},
	},
	{
		Name: "pagerduty", Title: "PagerDuty",
		Docs:   "https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures",
		Proof:  "published vector (PagerDuty/go-pagerduty webhookv3/webhookv3_test.go); several v1= signatures while a secret rotates",
		Secret: "webhook signing secret", SecretEnv: "PAGERDUTY_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "X-PagerDuty-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex, Prefix: "v1=",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "event.id", Type: "event.event_type", Time: "event.occurred_at"},
		},
	},
	{
		Name: "segment", Title: "Segment",
		Docs: "https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook",
		Proof: "no published vector; scheme from the docs (X-Signature, hex HMAC-SHA1 of the body with the shared secret); " +
			"any method: Webhooks (Actions) may POST, PUT or PATCH",
		Secret: "shared secret", SecretEnv: "SEGMENT_SHARED_SECRET",
		Scheme: generic.HMAC{
			Header: "X-Signature", Algorithm: webhookverify.SHA1, Encoding: webhookverify.Hex,
			FieldPaths: webhookverify.FieldPaths{EventID: "messageId", Type: "type", Time: "timestamp"},
		},
	},
	{
		Name: "veriff", Title: "Veriff",
		Docs: "https://devdocs.veriff.com/docs/hmac-authentication-and-endpoint-security",
		Proof: "no published vector; scheme from the docs (X-HMAC-SIGNATURE, hex HMAC-SHA256 of the body with the shared secret key); " +
			"no field paths: decision and event webhooks carry no common event id or type",
		Secret: "shared secret key", SecretEnv: "VERIFF_SHARED_SECRET_KEY",
		Scheme: generic.HMAC{
			Header: "X-HMAC-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			Methods: post,
		},
	},
	{
		Name: "alchemy", Title: "Alchemy",
		Docs: "https://www.alchemy.com/docs/reference/notify-api-quickstart",
		Proof: "no published vector; scheme from the docs (X-Alchemy-Signature, hex HMAC-SHA256 of the body with the webhook's signing key, " +
			"as in the quickstart's isValidSignatureForStringBody)",
		Secret: "signing key", SecretEnv: "ALCHEMY_SIGNING_KEY",
		Scheme: generic.HMAC{
			Header: "X-Alchemy-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "id", Type: "type", Time: "createdAt"},
		},
	},
	{
		Name: "twitch", Title: "Twitch EventSub",
		Docs: "https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message",
		Proof: "no published vector; scheme from the docs (sha256=<hex HMAC-SHA256 of message id + timestamp + body>, 10-minute replay window); " +
			"the webhook_callback_verification challenge is signed: once verified it is answered at the edge with the challenge " +
			"(text/plain, per the docs), never forwarded; a forged one is refused",
		Secret: "subscription secret", SecretEnv: "TWITCH_EVENTSUB_SECRET",
		Scheme: generic.HMAC{
			Header: "Twitch-Eventsub-Message-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex, Prefix: "sha256=",
			TimestampHeader: "Twitch-Eventsub-Message-Timestamp", TimestampFormat: "rfc3339", Tolerance: minutes(10),
			Payload:    "{header.Twitch-Eventsub-Message-Id}{timestamp}{body}",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "subscription.type"},
		},
		Event:     signedHeaderID("Twitch-Eventsub-Message-Id"),
		Challenge: twitchChallenge,
	},
	{
		Name: "zoom", Title: "Zoom",
		Docs: "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events",
		Proof: "no published vector; scheme from the docs and zoom/webhook-sample (v0=<hex HMAC-SHA256 of v0:<timestamp>:<body>>); " +
			"tolerance 5 minutes: Zoom documents none; the endpoint.url_validation challenge is signed: once verified it is answered " +
			"at the edge as zoom/webhook-sample does (encryptedToken = hex HMAC-SHA256 of plainToken with the secret token), never forwarded; " +
			"a forged one is refused, so the answer is no MAC oracle",
		Secret: "secret token", SecretEnv: "ZOOM_WEBHOOK_SECRET_TOKEN",
		Scheme: generic.HMAC{
			Header: "X-Zm-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex, Prefix: "v0=",
			TimestampHeader: "X-Zm-Request-Timestamp", Tolerance: minutes(5),
			Payload:    "v0:{timestamp}:{body}",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "event", Time: "event_ts"},
		},
		Challenge: zoomChallenge,
	},
	{
		Name: "standardwebhooks", Title: "Standard Webhooks",
		Docs: "https://www.standardwebhooks.com",
		Proof: "published vector (standard-webhooks/standard-webhooks libraries/go webhook_test.go), hostile suite; " +
			"official SDK cross-check both ways (standardwebhooks@1.3.0 sign / verify); svix-* headers are read when no webhook-* " +
			"header is sent; v1a (asymmetric) and other versions are not checked; Sign gives a missing webhook-id a derived msg_ id",
		Secret: "endpoint's signing secret", SecretEnv: "STANDARD_WEBHOOK_SECRET",
		Scheme:    standardWebhooks("Webhook-", webhookverify.FieldPaths{Type: "type", Time: "timestamp"}),
		Alternate: ptr(standardWebhooks("Svix-", webhookverify.FieldPaths{Type: "type", Time: "timestamp"})),
		Event:     standardWebhooksEvent,
	},
	{
		Name: "svix", Title: "Svix",
		Docs: "https://docs.svix.com/receiving/verifying-payloads/how-manual",
		Proof: "published vector (svix/svix-webhooks go/webhook_test.go, the Standard Webhooks one), hostile suite; " +
			"official SDK cross-check both ways (svix@1.99.1 sign / verify); the webhook-* headers are read too, as Svix's libraries do; " +
			"Sign writes svix-*",
		Secret: "endpoint's signing secret", SecretEnv: "SVIX_WEBHOOK_SECRET",
		Scheme:        standardWebhooks("Webhook-", webhookverify.FieldPaths{Type: "type", Time: "timestamp"}),
		Alternate:     ptr(standardWebhooks("Svix-", webhookverify.FieldPaths{Type: "type", Time: "timestamp"})),
		SignAlternate: true,
		Event:         standardWebhooksEvent,
	},
	{
		Name: "clerk", Title: "Clerk",
		Docs: "https://clerk.com/docs/guides/development/webhooks/syncing",
		Proof: "published Svix/Standard Webhooks vector (standard-webhooks libraries/go webhook_test.go) sent with svix-* headers; " +
			"scheme of the official SDK (@clerk/backend verifyWebhook: svix-* headers verified by standardwebhooks); " +
			"official SDK cross-check (@clerk/backend@3.25.0 verifyWebhook accepts our signature, refuses a tampered body)",
		Secret: "signing secret", SecretEnv: "CLERK_WEBHOOK_SIGNING_SECRET",
		Scheme: standardWebhooks("Svix-", webhookverify.FieldPaths{Type: "type", Time: "timestamp"}),
		Event:  signedHeaderID("Svix-Id"),
	},
	{
		Name: "resend", Title: "Resend",
		Docs: "https://resend.com/docs/webhooks/verify-webhooks-requests",
		Proof: "published Svix/Standard Webhooks vector (standard-webhooks libraries/go webhook_test.go) sent with svix-* headers; " +
			"scheme of the official SDK (resend-node webhooks.verify: svix-* headers verified by standardwebhooks); " +
			"official SDK cross-check (resend@6.38.0 webhooks.verify accepts our signature, refuses a tampered body)",
		Secret: "signing secret", SecretEnv: "RESEND_WEBHOOK_SECRET",
		Scheme: standardWebhooks("Svix-", webhookverify.FieldPaths{Type: "type", Time: "created_at"}),
		Event:  signedHeaderID("Svix-Id"),
	},
	{
		Name: "gitlab", Title: "GitLab",
		Docs: "https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token",
		Proof: "no published vector: a token is compared as sent (X-Gitlab-Token); " +
			"GitLab's newer signed webhooks (a signing token) are not checked by this row",
		Secret: "secret token", SecretEnv: "GITLAB_WEBHOOK_TOKEN",
		Token: &webhookverify.TokenSource{Headers: []string{"X-Gitlab-Token"}},
		Scheme: generic.HMAC{
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "object_kind"},
		},
		Event: gitlabEvent,
	},
	{
		Name: "postmark", Title: "Postmark",
		Docs: "https://postmarkapp.com/developer/webhooks/webhooks-overview",
		Proof: "no published vector: HTTP basic credentials are compared as sent " +
			"(set in the webhook URL, https://user:password@host/…, or the API's HttpAuth)",
		Secret: "webhook username:password", SecretEnv: "POSTMARK_WEBHOOK_AUTH",
		Token: &webhookverify.TokenSource{Headers: []string{"Authorization"}, Basic: true},
		Scheme: generic.HMAC{
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{Type: "RecordType", Subject: "MessageID"},
		},
		Event: postmarkEvent,
	},
	{
		Name: "persona", Title: "Persona",
		Docs: "https://docs.withpersona.com/docs/webhooks-best-practices",
		Proof: "no published vector: signatures computed with crypto/hmac from Persona's documented scheme (Persona-Signature \"t=<unix>,v1=<hex HMAC-SHA256 of t.body>\"; " +
			"during a secret rotation two space-separated sets, each verified with its own timestamp); tolerance 5 minutes: Persona documents none",
		Secret: "webhook secret", SecretEnv: "PERSONA_WEBHOOK_SECRET",
		Scheme: generic.HMAC{
			Header: "Persona-Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Hex,
			SignatureFormat: "kv", PartSeparator: ",", SetSeparator: " ", SignatureKey: "v1", TimestampKey: "t", Tolerance: minutes(5),
			Payload: "{timestamp}.{body}",
			Methods: post,
			FieldPaths: webhookverify.FieldPaths{
				EventID: "data.id", Type: "data.attributes.name", Time: "data.attributes.created-at", Subject: "data.attributes.payload.data.id",
			},
		},
	},
}
