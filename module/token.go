package webhookverify

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// TokenSource says where a request carries a static shared token: a
// secret sent as is, not a signature. It is the credential check of the
// token, okra, oktopay (key mode) and flutterwave verifiers.
//
// The rules, the same for every source:
//
//   - The token is read from the first of Headers, then Query, that is
//     present in the request; the others are not looked at (a genuine
//     request is never refused for an unrelated header, e.g. an
//     Authorization added by a proxy). One must be present
//     (ErrMissingToken otherwise, naming where the token was looked for).
//   - Every source that is present must hold exactly one value: a header
//     or query parameter given twice is refused with ErrInvalidToken
//     ("is repeated"), whatever the values, since one copy would be
//     checked and another could be read downstream.
//   - A value that is empty or only spaces and tabs is ErrMissingToken.
//     Otherwise the value is compared as is, without trimming: HTTP/1.1
//     strips surrounding whitespace before it reaches a handler, and a
//     token with whitespace around it in HTTP/2 or HTTP/3 is refused.
//   - With Bearer, a header value may start with "Bearer" (any case) and
//     one or more spaces, which are removed (see TrimBearer); "Bearer"
//     alone is ErrMissingToken. Query values never lose a prefix.
//   - With Basic, a header value must be HTTP basic credentials (RFC 7617):
//     "Basic" (any case), one or more spaces and the standard base64 of
//     "user:password", which is what is compared, so a key is the whole
//     "user:password". Another scheme or undecodable base64 is
//     ErrInvalidToken; "Basic" alone is ErrMissingToken. Basic and Bearer
//     do not go together.
//   - That source must hold one of the keys (ErrInvalidToken otherwise,
//     naming it).
//   - The comparison is EqualToken: constant time, every key tried.
//
// Errors wrap ErrMissingToken or ErrInvalidToken with the header or
// query parameter concerned; they never contain a value of the request
// or a key.
type TokenSource struct {
	// Headers are the request headers that may carry the token, in order.
	Headers []string
	// Query is the query parameter that may carry the token.
	Query string
	// Bearer accepts an optional "Bearer " prefix (any case) in a header.
	Bearer bool
	// Basic reads a header as HTTP basic credentials, "Basic
	// base64(user:password)", and compares the decoded "user:password".
	Basic bool
}

// Check verifies that r carries one of keys, by the rules of TokenSource.
func (s TokenSource) Check(r *http.Request, keys [][]byte) error {
	for _, h := range s.Headers {
		if values := r.Header.Values(h); len(values) > 0 {
			if f, detail := checkToken(values, s.Bearer, s.Basic, keys); f != nil {
				return fmt.Errorf("%w: header %s%s", f, h, detail)
			}
			return nil
		}
	}
	if s.Query != "" {
		if values := r.URL.Query()[s.Query]; len(values) > 0 {
			if f, detail := checkToken(values, false, false, keys); f != nil {
				return fmt.Errorf("%w: query parameter %s%s", f, s.Query, detail)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrMissingToken, s.where())
}

// Remove deletes from r the source Check reads the token from: the first
// of Headers that is present, or else the Query parameter, which is taken
// out of r.URL.RawQuery (the other parameters are kept byte for byte) and
// out of r.RequestURI. Whatever else the request carries is left alone. It
// is the RemoveCredential of a token verifier (see CredentialRemover).
func (s TokenSource) Remove(r *http.Request) {
	for _, h := range s.Headers {
		if len(r.Header.Values(h)) > 0 {
			r.Header.Del(h)
			return
		}
	}
	if s.Query == "" || r.URL == nil {
		return
	}
	raw, removed := withoutQueryParam(r.URL.RawQuery, s.Query)
	if !removed {
		return
	}
	r.URL.RawQuery = raw
	r.URL.ForceQuery = false
	if r.RequestURI != "" {
		r.RequestURI = r.URL.RequestURI()
	}
}

// withoutQueryParam returns rawQuery without the pairs whose decoded name
// is name, the other pairs unchanged, and whether any was removed. A pair
// whose name does not decode is kept (url.Query drops it too, so Check
// never read it).
func withoutQueryParam(rawQuery, name string) (string, bool) {
	var kept []string
	removed := false
	for pair := range strings.SplitSeq(rawQuery, "&") {
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err == nil && k == name {
			removed = true
			continue
		}
		kept = append(kept, pair)
	}
	if !removed {
		return rawQuery, false
	}
	return strings.Join(kept, "&"), true
}

// checkToken checks the values of one source. It returns nil, or the
// failure and the end of its message.
func checkToken(values []string, bearer, basic bool, keys [][]byte) (*Failure, string) {
	if len(values) > 1 {
		return ErrInvalidToken, " is repeated"
	}
	tok := values[0]
	if bearer {
		tok = TrimBearer(tok)
	}
	if strings.Trim(tok, " \t") == "" {
		return ErrMissingToken, " is empty"
	}
	if basic {
		const scheme = "basic"
		if len(tok) <= len(scheme) || !strings.EqualFold(tok[:len(scheme)], scheme) || tok[len(scheme)] != ' ' {
			if strings.EqualFold(tok, scheme) {
				return ErrMissingToken, " is empty"
			}
			return ErrInvalidToken, " is not Basic credentials"
		}
		creds := strings.TrimLeft(tok[len(scheme):], " ")
		if creds == "" {
			return ErrMissingToken, " is empty"
		}
		decoded, err := base64.StdEncoding.DecodeString(creds)
		if err != nil {
			return ErrInvalidToken, " is not base64"
		}
		tok = string(decoded)
	}
	if !EqualToken(keys, []byte(tok)) {
		return ErrInvalidToken, ""
	}
	return nil, ""
}

// Set puts key in r where the first source says, as a provider sends it:
// the first header (as Basic credentials with Basic), or else the query
// parameter. It is the Sign of a token verifier.
func (s TokenSource) Set(r *http.Request, key []byte) {
	switch {
	case len(s.Headers) > 0 && s.Basic:
		r.Header.Set(s.Headers[0], "Basic "+base64.StdEncoding.EncodeToString(key))
	case len(s.Headers) > 0:
		r.Header.Set(s.Headers[0], string(key))
	case s.Query != "":
		q := r.URL.Query()
		q.Set(s.Query, string(key))
		r.URL.RawQuery = q.Encode()
	}
}

// where names the sources, for the message of a missing token.
func (s TokenSource) where() string {
	var parts []string
	switch len(s.Headers) {
	case 0:
	case 1:
		parts = append(parts, "header "+s.Headers[0])
	default:
		parts = append(parts, "headers "+strings.Join(s.Headers, ", "))
	}
	if s.Query != "" {
		parts = append(parts, "query parameter "+s.Query)
	}
	if len(parts) == 0 {
		return "no header or query parameter configured"
	}
	return strings.Join(parts, " or ")
}
