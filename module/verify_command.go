package webhookverify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/spf13/cobra"
)

const verifyLong = `
caddy webhook verify <provider> [--secret <value>]... [--set "<subdirective> <args…>"]... [--time <unix>] < request.http
caddy webhook verify --config <Caddyfile|caddy.json> [--adapter caddyfile] --url <url of the route> [--time <unix>] < request.http

Runs a captured request through the very verifier the server would run,
offline, and says why it passes or not.

The request is read from standard input as raw HTTP/1.1 (what 'caddy
webhook sign' prints; LF line endings are accepted too; everything after
the blank line is the body, whatever Content-Length says), or built from
--body <file> and --header "Name: value" lines with --method and --url.

The verifier comes from the provider's subdirectives (as for 'caddy webhook
sign'), or from the webhook_verify handler of a real config's route that
the request's URL reaches, chosen by the route matchers as the server
would (--url gives the scheme, host and path; the request line's path is
used when --url is not given). Secrets may be placeholders such as
{env.WEBHOOK_SECRET}, resolved from this shell's environment.

It prints whether the request verifies, the reason code and its detail,
which configured secret matched (by position, never the secret), the
canonical event the upstream would get and, when it can, a diagnosis: the
timestamp's distance from the tolerance, or a variant of the body that
does verify (a trailing newline added by the capture, CRLF line endings,
re-encoded JSON).

Exit status: 0 verified, 1 not verified, 2 usage or configuration error.
`

func newVerifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [<provider>] [flags] < request.http",
		Short: "Verifies a captured request offline and says why it passes or not",
		Long:  strings.TrimSpace(verifyLong),
		Args:  cobra.MaximumNArgs(1),
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return caddycmd.WrapCommandFuncForCobra(func(caddycmd.Flags) (int, error) {
			return runVerify(cmd, args)
		})(cmd, args)
	}
	f := cmd.Flags()
	f.StringArray("secret", nil, "a secret, as the 'secret' subdirective takes it (repeatable)")
	f.StringArray("set", nil, "one Caddyfile line of provider subdirectives (repeatable)")
	f.String("config", "", "a Caddy config (Caddyfile or JSON) whose route to use instead of a provider")
	f.String("adapter", "", "the config adapter, e.g. caddyfile (default: caddyfile for a file named *Caddyfile*)")
	f.String("url", "", "the URL the request was sent to (default: the request line's)")
	f.String("body", "", "the body from a file, instead of a raw request on standard input")
	f.StringArray("header", nil, "with --body: a request header, \"Name: value\" (repeatable)")
	f.String("method", http.MethodPost, "with --body: the HTTP method")
	f.Int64("time", 0, "verify as of this Unix time (default now)")
	return cmd
}

// errNotVerified is the result of a request that does not verify; the
// report is already printed.
var errNotVerified = errors.New("the request does not verify")

func runVerify(cmd *cobra.Command, args []string) (int, error) {
	QuietSecretWarnings = true // secrets on a command line are meant to be literal
	f := cmd.Flags()
	array := func(name string) []string { v, _ := f.GetStringArray(name); return v }
	configFile, _ := f.GetString("config")
	rawURL, _ := f.GetString("url")
	unix, _ := f.GetInt64("time")
	switch {
	case configFile == "" && len(args) != 1:
		return 2, fmt.Errorf("name a provider (caddy webhook verify <provider> …) or give --config and --url")
	case configFile != "" && len(args) == 1:
		return 2, fmt.Errorf("give a provider or --config, not both")
	}
	req, body, err := verifyRequest(cmd, rawURL)
	if err != nil {
		return 2, err
	}
	now := time.Now()
	if unix > 0 {
		now = time.Unix(unix, 0)
	}

	var h Handler
	if configFile != "" {
		adapter, _ := f.GetString("adapter")
		h, err = routeHandler(configFile, adapter, req)
	} else {
		var tokens []caddyfile.Token
		if tokens, err = signTokens(args[0], array("secret"), array("set")); err == nil {
			err = h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens))
		}
	}
	if err != nil {
		return 2, err
	}
	v, closeV, err := loadVerifier(h.VerifierRaw)
	if err != nil {
		return 2, err
	}
	defer closeV()

	out := cmd.OutOrStdout()
	ev, verr := v.Verify(req.Clone(req.Context()), body, now)
	if verr == nil {
		if c, ok := v.(Coverer); ok && c.Covers().Unsigned {
			fmt.Fprintln(out, "verified: unsigned (the shape is right; the request carries no credential)")
		} else {
			fmt.Fprintln(out, "verified: yes")
		}
		if pos := matchingSecret(h.VerifierRaw, req, body, now); pos > 0 {
			fmt.Fprintf(out, "secret: #%d matched\n", pos)
		}
		printEvent(out, ev)
		return 0, nil
	}
	failure := FailureOf(verr)
	fmt.Fprintln(out, "verified: no")
	fmt.Fprintf(out, "reason: %s (HTTP %d)\n", failure.Code, failure.Status)
	if detail := verr.Error(); detail != failure.Code {
		fmt.Fprintf(out, "detail: %s\n", detail)
	}
	for _, d := range diagnose(v, verr, req, body, now) {
		fmt.Fprintf(out, "diagnosis: %s\n", d)
	}
	return 1, errNotVerified
}

// verifyRequest reads the request: raw HTTP from standard input, or
// --body and --header.
func verifyRequest(cmd *cobra.Command, rawURL string) (*http.Request, []byte, error) {
	f := cmd.Flags()
	if bodyPath, _ := f.GetString("body"); bodyPath != "" {
		body, err := os.ReadFile(bodyPath)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the body: %v", err)
		}
		method, _ := f.GetString("method")
		headers, _ := f.GetStringArray("header")
		if rawURL == "" {
			rawURL = DefaultSignURL
		}
		req, err := http.NewRequest(method, rawURL, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("--url %q: %v", rawURL, err)
		}
		for _, line := range headers {
			name, value, ok := strings.Cut(line, ":")
			if !ok || !validHeaderName(strings.TrimSpace(name)) {
				return nil, nil, fmt.Errorf("--header %q: use \"Name: value\"", line)
			}
			req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		return req, body, nil
	}
	br := bufio.NewReader(cmd.InOrStdin())
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, fmt.Errorf("standard input is not a raw HTTP request (what 'caddy webhook sign' prints): %v", err)
	}
	body, err := io.ReadAll(br) // everything after the blank line
	if err != nil {
		return nil, nil, err
	}
	req.Body, req.ContentLength = http.NoBody, int64(len(body))
	u := req.URL
	if rawURL != "" {
		if u, err = url.Parse(rawURL); err != nil || u.Host == "" {
			return nil, nil, fmt.Errorf("--url %q is not an absolute URL: use e.g. https://pay.example.com/callbacks/stripe", rawURL)
		}
	} else if u.Host == "" {
		u.Scheme, u.Host = "http", req.Host
	}
	req.URL, req.Host, req.RequestURI = u, u.Host, ""
	return req, body, nil
}

// loadVerifier provisions a verifier from its JSON, as Caddy would.
func loadVerifier(raw json.RawMessage) (Verifier, func(), error) {
	var holder struct {
		VerifierRaw json.RawMessage `json:"verifier,omitempty" caddy:"namespace=http.webhook_verify.verifiers inline_key=provider"`
	}
	holder.VerifierRaw = raw
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	mod, err := ctx.LoadModule(&holder, "VerifierRaw")
	if err != nil {
		cancel()
		return nil, nil, err // Caddy says "loading module '<provider>': …"
	}
	v, ok := mod.(Verifier)
	if !ok {
		cancel()
		return nil, nil, fmt.Errorf("module %T is not a webhook verifier", mod)
	}
	return v, cancel, nil
}

// matchingSecret returns the position (from 1) of the first configured
// secret that verifies the request alone, or 0 when the verifier has
// fewer than two secrets or they are not in "secrets".
func matchingSecret(raw json.RawMessage, req *http.Request, body []byte, now time.Time) int {
	var cfg map[string]any
	if json.Unmarshal(raw, &cfg) != nil {
		return 0
	}
	secrets, _ := cfg["secrets"].([]any)
	if len(secrets) < 2 {
		return 0
	}
	for i, s := range secrets {
		cfg["secrets"] = []any{s}
		one, _ := json.Marshal(cfg)
		v, closeV, err := loadVerifier(one)
		if err != nil {
			continue
		}
		_, verr := v.Verify(req.Clone(req.Context()), body, now)
		closeV()
		if verr == nil {
			return i + 1
		}
	}
	return 0
}

// diagnose says what would have verified, when something close does.
func diagnose(v Verifier, verr error, req *http.Request, body []byte, now time.Time) []string {
	var out []string
	if errors.Is(verr, ErrTimestampOutOfTolerance) {
		out = append(out, "the signed timestamp is outside the tolerance (see detail): a replay, a delayed delivery, or a clock that is off; re-run with --time <the time it was sent> to check the signature alone")
	}
	if !errors.Is(verr, ErrInvalidSignature) {
		return out
	}
	type variant struct {
		what string
		body []byte
	}
	var variants []variant
	if trimmed := bytes.TrimRight(body, "\r\n"); len(trimmed) != len(body) {
		variants = append(variants, variant{"without its trailing line break (added when the request was captured or pasted)", trimmed})
	}
	variants = append(variants, variant{"with a trailing newline", append(bytes.Clone(body), '\n')})
	if bytes.Contains(body, []byte("\r\n")) {
		variants = append(variants, variant{"with LF instead of CRLF line endings", bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))})
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil && !bytes.Equal(compact.Bytes(), body) {
		variants = append(variants, variant{"as compact JSON (the captured body was re-formatted)", compact.Bytes()})
	}
	var reencoded bytes.Buffer
	var doc any
	if json.Unmarshal(body, &doc) == nil {
		enc := json.NewEncoder(&reencoded)
		enc.SetEscapeHTML(false)
		if enc.Encode(doc) == nil {
			b := bytes.TrimRight(reencoded.Bytes(), "\n")
			if !bytes.Equal(b, body) && !bytes.Equal(b, compact.Bytes()) {
				variants = append(variants, variant{"re-encoded as JSON with sorted keys", b})
			}
		}
	}
	var tried [][]byte
	for _, vr := range variants {
		if slices.ContainsFunc(tried, func(b []byte) bool { return bytes.Equal(b, vr.body) }) {
			continue
		}
		tried = append(tried, vr.body)
		if _, err := v.Verify(req.Clone(req.Context()), vr.body, now); err == nil {
			out = append(out, "the body "+vr.what+" verifies: the body differs from what was signed")
		}
	}
	if len(out) == 0 {
		out = append(out, "no variant of the body verifies: a wrong or rotated secret, another endpoint's secret, or a body changed in transit")
	}
	return out
}

func printEvent(out io.Writer, ev Event) {
	fields := []struct{ name, value string }{
		{"id", ev.ID}, {"type", ev.Type}, {"subject", ev.Subject}, {"status", string(ev.Status)},
		{"amount", ev.Amount}, {"currency", ev.Currency}, {"reference", ev.Reference},
	}
	if !ev.Time.IsZero() {
		fields = append(fields, struct{ name, value string }{"time", ev.Time.UTC().Format(time.RFC3339Nano)})
	}
	for _, f := range fields {
		if f.value != "" {
			fmt.Fprintf(out, "event %s: %s\n", f.name, f.value)
		}
	}
}

// routeHandler finds the webhook_verify handler that a request to req.URL
// reaches in a config, walking the HTTP servers' routes with Caddy's own
// matchers.
func routeHandler(file, adapter string, req *http.Request) (Handler, error) {
	var h Handler
	data, err := os.ReadFile(file)
	if err != nil {
		return h, err
	}
	if adapter == "" && strings.Contains(strings.ToLower(file), "caddyfile") {
		adapter = "caddyfile"
	}
	if adapter != "" {
		a := caddyconfig.GetAdapter(adapter)
		if a == nil {
			return h, fmt.Errorf("unknown adapter %q", adapter)
		}
		if data, _, err = a.Adapt(data, map[string]any{"filename": file}); err != nil {
			return h, fmt.Errorf("adapting %s: %v", file, err)
		}
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Listen []string          `json:"listen"`
					Routes []json.RawMessage `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return h, fmt.Errorf("reading %s: %v", file, err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	r := caddyhttp.PrepareRequest(req.Clone(req.Context()), caddy.NewReplacer(), nil, nil)
	for _, srv := range cfg.Apps.HTTP.Servers {
		raw, found, err := findHandler(ctx, srv.Routes, r)
		if err != nil {
			return h, err
		}
		if found {
			if err := json.Unmarshal(raw, &h); err != nil {
				return h, err
			}
			return h, nil
		}
	}
	return h, fmt.Errorf("no webhook_verify handler in %s is reached by %s %s: check --url (scheme, host and path)", file, req.Method, req.URL)
}

// findHandler walks routes as the server would and returns the first
// webhook_verify handler on the way of r.
func findHandler(ctx caddy.Context, routes []json.RawMessage, r *http.Request) (json.RawMessage, bool, error) {
	for _, raw := range routes {
		var route struct {
			Match    []map[string]json.RawMessage `json:"match"`
			Handle   []json.RawMessage            `json:"handle"`
			Terminal bool                         `json:"terminal"`
		}
		if err := json.Unmarshal(raw, &route); err != nil {
			return nil, false, err
		}
		ok, err := matches(ctx, route.Match, r)
		if err != nil || !ok {
			if err != nil {
				return nil, false, err
			}
			continue
		}
		for _, hraw := range route.Handle {
			var head struct {
				Handler string            `json:"handler"`
				Routes  []json.RawMessage `json:"routes"`
			}
			json.Unmarshal(hraw, &head)
			switch head.Handler {
			case "webhook_verify":
				return hraw, true, nil
			case "subroute":
				if found, ok, err := findHandler(ctx, head.Routes, r); ok || err != nil {
					return found, ok, err
				}
			}
		}
		if route.Terminal {
			return nil, false, nil
		}
	}
	return nil, false, nil
}

// matches evaluates a route's matcher sets (any set; every matcher of it).
func matches(ctx caddy.Context, sets []map[string]json.RawMessage, r *http.Request) (bool, error) {
	if len(sets) == 0 {
		return true, nil
	}
	for _, set := range sets {
		all := true
		for name, raw := range set {
			mod, err := ctx.LoadModuleByID("http.matchers."+name, raw)
			if err != nil {
				return false, fmt.Errorf("matcher %s: %v", name, err)
			}
			var ok bool
			switch m := mod.(type) {
			case caddyhttp.RequestMatcherWithError:
				ok, err = m.MatchWithError(r)
			case caddyhttp.RequestMatcher:
				ok = m.Match(r)
			default:
				return false, fmt.Errorf("matcher %s cannot be evaluated offline", name)
			}
			if err != nil {
				return false, err
			}
			if !ok {
				all = false
				break
			}
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}
