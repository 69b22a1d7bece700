package generic

import (
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Token{})
}

// Token verifies a static shared secret sent in a header or a query
// parameter, such as Flutterwave's verif-hash. The comparison is constant
// time and does not reveal the secret's length. The rules are those of
// webhookverify.TokenSource: a repeated header or parameter is refused,
// and the value is compared as is, after an optional "Bearer " in a header.
type Token struct {
	// Secrets are the accepted tokens; any one passes. Use placeholders:
	// {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Header carries the token. A leading "Bearer " (any case) is
	// accepted. Set exactly one of Header and Query.
	Header string `json:"header,omitempty"`

	// Query is the query parameter that carries the token, as is.
	Query string `json:"query,omitempty"`

	// Methods are the HTTP methods the provider uses; others are refused
	// with 405 (method_not_allowed). Default: POST.
	Methods []string `json:"methods,omitempty"`

	// Field paths promote values of a JSON body into the envelope.
	webhookverify.FieldPaths

	keys [][]byte
	src  webhookverify.TokenSource
}

// CaddyModule returns the Caddy module information.
func (Token) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.token",
		New: func() caddy.Module { return new(Token) },
	}
}

// Provision resolves the secrets and checks the configuration.
func (v *Token) Provision(caddy.Context) error {
	if (v.Header == "") == (v.Query == "") {
		return fmt.Errorf("token: set exactly one of 'header <name>' and 'query <param>'")
	}
	if err := webhookverify.CheckMethods(v.Methods); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("token")
	if err != nil {
		return err
	}
	v.keys = keys
	v.src = webhookverify.TokenSource{Query: v.Query}
	if v.Header != "" {
		v.src = webhookverify.TokenSource{Headers: []string{v.Header}, Bearer: true}
	}
	return nil
}

// Verify checks the method and the token.
func (v *Token) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.AllowMethod(r, v.Methods); err != nil {
		return webhookverify.Event{}, err
	}
	if err := v.src.Check(r, v.keys); err != nil {
		return webhookverify.Event{}, err
	}
	return v.Extract(body), nil
}

// RemoveCredential implements webhookverify.CredentialRemover: the
// header or query parameter that carried the token is not forwarded.
func (v *Token) RemoveCredential(r *http.Request) { v.src.Remove(r) }

// Sign adds the first token to the request.
func (v *Token) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	if v.Header != "" {
		r.Header.Set(v.Header, string(v.keys[0]))
		return body, nil
	}
	q := r.URL.Query()
	q.Set(v.Query, string(v.keys[0]))
	r.URL.RawQuery = q.Encode()
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify token {
//	    secret <value>...
//	    header <name> | query <param>
//	    methods <method>...          # default POST
//	    event_id_path|type_path|time_path|subject_path|status_path|amount_path|currency_path|reference_path <gjson path>
//	    status_map <provider status> <canonical status>
//	}
func (v *Token) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		if ok, err := v.FieldPaths.UnmarshalCaddyfileOption(d); ok {
			if err != nil {
				return err
			}
			continue
		}
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "header":
			if err := webhookverify.StringArg(d, &v.Header); err != nil {
				return err
			}
		case "query":
			if err := webhookverify.StringArg(d, &v.Query); err != nil {
				return err
			}
		case "methods":
			v.Methods = d.RemainingArgs()
			if len(v.Methods) == 0 {
				return d.Errf("methods needs at least one HTTP method, e.g. methods POST")
			}
			if err := webhookverify.CheckMethods(v.Methods); err != nil {
				return d.Errf("%s: %v", "token", err)
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider token: use secret, header, query, methods or a field path", d.Val())
		}
	}
	if (v.Header == "") == (v.Query == "") {
		return d.Errf("token needs exactly one of 'header <name>' and 'query <param>'")
	}
	if len(v.Secrets) == 0 {
		return d.Errf("token needs a secret: add 'secret {env.WEBHOOK_TOKEN}'")
	}
	return nil
}

// Interface guards
var (
	_ webhookverify.Verifier          = (*Token)(nil)
	_ webhookverify.Signer            = (*Token)(nil)
	_ webhookverify.CredentialRemover = (*Token)(nil)
	_ caddy.Provisioner               = (*Token)(nil)
	_ caddyfile.Unmarshaler           = (*Token)(nil)
)
