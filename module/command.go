package webhookverify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "webhook",
		Usage: "sign|verify <provider> [flags] | version",
		Short: "Tools for the webhook_verify handler",
		Long: `
Tools for the webhook_verify handler: 'caddy webhook sign' prints a signed
request; 'caddy webhook verify' checks a captured one offline (see their
--help); 'caddy webhook version' prints the module's version and Caddy's.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(newSignCommand(), newVerifyCommand(), newVersionCommand())
		},
	})
}

// DefaultSignURL is where `caddy webhook sign` addresses its request when
// --url is not given.
const DefaultSignURL = "http://127.0.0.1:8080/"

const signLong = `
caddy webhook sign <provider> [--secret <value>]... [--set "<subdirective> <args…>"]...
    [--body <file>|- | --data <text>] [--header "<Name>: <value>"]...
    [--method POST] [--url <url>] [--time <unix seconds>] [--curl]

Prints an HTTP request signed as <provider> would send it, so a
webhook_verify route can be tried by hand, in a demo or in a test.

The verifier is configured exactly as in a Caddyfile: the command builds

    webhook_verify <provider> {
        secret <--secret value>      (one line per --secret)
        <--set line>                 (one line per --set)
    }

parses it with the webhook_verify directive, loads and provisions the
verifier, and signs with the first secret. Secrets may be placeholders
such as {env.WEBHOOK_SECRET} or {file./run/secrets/webhook}, resolved as
the server resolves them; prefer them to literal secrets on the command
line. Each --set is one Caddyfile line of the provider's subdirectives,
e.g. --set "header X-Signature" --set "encoding base64".

The body is read from --body <file> (- for standard input) or given
inline with --data; without either it is empty. --header "Name: value"
adds a request header before signing (repeatable). When the body is not
empty and no Content-Type is given, Content-Type is application/json if
the body is JSON, else application/octet-stream. The request goes to
--url (default ` + DefaultSignURL + `) with --method (default POST),
signed at --time (Unix seconds; default now).

Output (stable, for scripts):

  - by default, the raw HTTP/1.1 request: the request line, the Host
    header, then the other headers sorted by name (Content-Length
    included when there is a body or the method is not GET or HEAD),
    an empty line, and the body exactly as signed. Lines end with CRLF.

  - with --curl, one curl command: curl -sS -i -X <method> (so that the
    answer's status and headers show), one -H 'Name: value'
    per header (sorted; Host and Content-Length are left to curl),
    --data-binary '<body>' when there is a body, and the URL, each
    argument single-quoted for a POSIX shell when it needs quoting. A body
    that is not UTF-8 text, or that contains a NUL byte, cannot be put on
    a command line: --curl refuses it (print the raw request instead).

Examples:

    caddy webhook sign hmac --secret '{env.WEBHOOK_SECRET}' \
        --set "header X-Signature" --data '{"id":"evt_1"}' --curl | sh

    caddy webhook sign stripe --secret '{env.STRIPE_WEBHOOK_SECRET}' \
        --body event.json --url http://localhost:8080/stripe
`

func newSignCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign <provider> [flags]",
		Short: "Prints a request signed as the provider would send it",
		Long:  strings.TrimSpace(signLong),
		Args:  cobra.ExactArgs(1),
		RunE:  runSign,
	}
	f := cmd.Flags()
	f.StringArray("secret", nil, "a secret, as the 'secret' subdirective takes it, e.g. {env.WEBHOOK_SECRET} (repeatable; the first one signs)")
	f.StringArray("set", nil, "one Caddyfile line of provider subdirectives, e.g. \"header X-Signature\" (repeatable)")
	f.String("body", "", "file with the request body, or - for standard input")
	f.String("data", "", "the request body, inline")
	f.StringArray("header", nil, "a request header to send, \"Name: value\" (repeatable)")
	f.String("method", http.MethodPost, "the HTTP method")
	f.String("url", DefaultSignURL, "the request URL")
	f.Int64("time", 0, "the signing time in Unix seconds (default now)")
	f.Bool("curl", false, "print a curl command instead of the raw request")
	return cmd
}

// providerName is what a provider name may look like: the last label of a
// Caddy module ID.
var providerName = regexp.MustCompile(`^[a-z0-9_]+$`)

func runSign(cmd *cobra.Command, args []string) error {
	QuietSecretWarnings = true // secrets on a command line are meant to be literal
	f := cmd.Flags()
	provider := args[0]
	// The flag values themselves: GetStringArray drops a lone empty value.
	array := func(name string) []string {
		if s, ok := f.Lookup(name).Value.(interface{ GetSlice() []string }); ok {
			return s.GetSlice()
		}
		v, _ := f.GetStringArray(name)
		return v
	}
	secrets, sets, headerFlags := array("secret"), array("set"), array("header")
	bodyPath, _ := f.GetString("body")
	data, _ := f.GetString("data")
	method, _ := f.GetString("method")
	rawURL, _ := f.GetString("url")
	unix, _ := f.GetInt64("time")
	asCurl, _ := f.GetBool("curl")

	if !providerName.MatchString(provider) {
		return fmt.Errorf("unknown provider %q: available: %s", provider, available(VerifierNamespace))
	}
	if _, err := caddy.GetModule(VerifierNamespace + "." + provider); err != nil {
		return fmt.Errorf("unknown provider %q: available: %s", provider, available(VerifierNamespace))
	}

	// The body.
	var body []byte
	switch {
	case bodyPath != "" && f.Changed("data"):
		return fmt.Errorf("give the body with either --body or --data, not both")
	case bodyPath == "-":
		b, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return fmt.Errorf("reading the body from standard input: %v", err)
		}
		body = b
	case bodyPath != "":
		b, err := os.ReadFile(bodyPath)
		if err != nil {
			return fmt.Errorf("reading the body: %v", err)
		}
		body = b
	default:
		body = []byte(data)
	}

	// The request.
	if method == "" || strings.ContainsAny(method, " \t\r\n") {
		return fmt.Errorf("--method %q is not an HTTP method: use e.g. POST", method)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http(s) URL: use e.g. %s", rawURL, DefaultSignURL)
	}
	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("building the request: %v", err)
	}
	for _, h := range headerFlags {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !validHeaderName(name) || strings.ContainsAny(value, "\r\n\x00") {
			return fmt.Errorf("--header %q: use \"Name: value\"", h)
		}
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	if len(body) > 0 && req.Header.Get("Content-Type") == "" {
		if json.Valid(body) {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	now := time.Now()
	if f.Changed("time") {
		if unix <= 0 {
			return fmt.Errorf("--time %d: give Unix seconds, e.g. --time %d", unix, now.Unix())
		}
		now = time.Unix(unix, 0)
	}

	// The verifier, exactly as the Caddyfile would configure it.
	tokens, err := signTokens(provider, secrets, sets)
	if err != nil {
		return err
	}
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens)); err != nil {
		return err
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	mod, err := ctx.LoadModule(&h, "VerifierRaw")
	if err != nil {
		return err // Caddy says "loading module '<provider>': …"
	}
	signer, ok := mod.(Signer)
	if !ok {
		return fmt.Errorf("provider %s cannot sign requests (it has no Sign method)", provider)
	}
	out, err := signer.Sign(req, body, now)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}

	var text string
	if asCurl {
		text, err = curlCommand(req, out)
		if err != nil {
			return err
		}
	} else {
		text = rawRequest(req, out)
	}
	_, err = io.WriteString(cmd.OutOrStdout(), text)
	return err
}

// signTokens builds the Caddyfile tokens of
//
//	webhook_verify <provider> {
//	    secret <secret>      # one line per secret
//	    <set line>           # one line per --set
//	}
//
// Each flag is tokenized on its own, under a file name that names the
// flag, so a parse error points at the flag that caused it.
func signTokens(provider string, secrets, sets []string) ([]caddyfile.Token, error) {
	const file = "caddy webhook sign"
	tokens, err := caddyfile.Tokenize([]byte("webhook_verify "+provider+" {"), file)
	if err != nil {
		return nil, err
	}
	for i, s := range secrets {
		q, err := caddyfileQuote(s)
		if err != nil {
			return nil, fmt.Errorf("--secret #%d: %v", i+1, err)
		}
		t, err := caddyfile.Tokenize([]byte("secret "+q), fmt.Sprintf("--secret #%d", i+1))
		if err != nil {
			return nil, fmt.Errorf("--secret #%d: %v", i+1, err)
		}
		tokens = append(tokens, t...)
	}
	for _, s := range sets {
		name := fmt.Sprintf("--set %q", s)
		t, err := caddyfile.Tokenize([]byte(s), name)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		tokens = append(tokens, t...)
	}
	end, err := caddyfile.Tokenize([]byte("\n}"), file)
	if err != nil {
		return nil, err
	}
	return append(tokens, end...), nil
}

// caddyfileQuote quotes s as one Caddyfile token with the same text:
// between backticks, where nothing is escaped, or else between double
// quotes, where only \" is an escape.
func caddyfileQuote(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("the value is empty")
	}
	if !strings.Contains(s, "`") {
		return "`" + s + "`", nil
	}
	if !strings.Contains(s, `"`) && !strings.HasSuffix(s, `\`) {
		return `"` + s + `"`, nil
	}
	return "", fmt.Errorf("a value with both a backtick and a double quote cannot be given on the command line: put it in a file and use {file./path/to/secret}")
}

// validHeaderName reports whether s is an HTTP header field name (an RFC
// 9110 token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// sortedHeaders returns the header lines "Name: value" sorted by name,
// values of one name in their order, without Host and Content-Length.
func sortedHeaders(h http.Header) []string {
	names := make([]string, 0, len(h))
	for name := range h {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length":
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var lines []string
	for _, name := range names {
		for _, v := range h[name] {
			lines = append(lines, name+": "+v)
		}
	}
	return lines
}

// rawRequest writes the request as HTTP/1.1 text with CRLF line ends.
func rawRequest(r *http.Request, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.URL.RequestURI() + " HTTP/1.1\r\n")
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	b.WriteString("Host: " + host + "\r\n")
	lines := sortedHeaders(r.Header)
	if len(body) > 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		lines = append(lines, "Content-Length: "+strconv.Itoa(len(body)))
		slices.SortStableFunc(lines, func(a, b string) int {
			an, _, _ := strings.Cut(a, ":")
			bn, _, _ := strings.Cut(b, ":")
			return strings.Compare(an, bn)
		})
	}
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.String()
}

// curlCommand writes the request as one curl command for a POSIX shell.
func curlCommand(r *http.Request, body []byte) (string, error) {
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return "", fmt.Errorf("--curl: the body is not UTF-8 text (or contains a NUL byte) and cannot be put on a command line: print the raw request instead (without --curl)")
	}
	args := []string{"curl", "-sS", "-i", "-X", shellQuote(r.Method)} // -i: show the status and the reason
	if r.Host != "" && r.Host != r.URL.Host {
		args = append(args, "-H", shellQuote("Host: "+r.Host))
	}
	for _, l := range sortedHeaders(r.Header) {
		args = append(args, "-H", shellQuote(l))
	}
	if len(body) > 0 {
		args = append(args, "--data-binary", shellQuote(string(body)))
	}
	args = append(args, shellQuote(r.URL.String()))
	return strings.Join(args, " ") + "\n", nil
}

// shellQuote returns s as one POSIX shell word: unchanged when it has only
// safe characters, else between single quotes, each quote inside written
// as quote, backslash, quote, quote.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./:@%+=,", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
