package webhookverify

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// CheckMethods validates a verifier's methods setting: HTTP methods in
// capitals. An empty list is allowed (see AllowMethod).
func CheckMethods(methods []string) error {
	for _, m := range methods {
		if m == "" || strings.ToUpper(m) != m {
			return fmt.Errorf("method %q: write HTTP methods in capitals, e.g. POST", m)
		}
	}
	return nil
}

// AllowMethod returns an error wrapping ErrMethodNotAllowed (405) unless
// r's method is one of methods; an empty list means POST only.
func AllowMethod(r *http.Request, methods []string) error {
	if len(methods) == 0 {
		methods = postOnly
	}
	return MethodIn(r, methods)
}

// MethodIn returns an error wrapping ErrMethodNotAllowed (405) unless
// methods is empty (any method) or holds r's method.
func MethodIn(r *http.Request, methods []string) error {
	if len(methods) == 0 || slices.Contains(methods, r.Method) {
		return nil
	}
	return fmt.Errorf("%w: %s, the provider sends %s", ErrMethodNotAllowed, r.Method, strings.Join(methods, " or "))
}

var postOnly = []string{http.MethodPost}
