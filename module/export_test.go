package webhookverify

import "go.uber.org/zap"

// SetLogger replaces h's logger, for tests that read what it logs.
func SetLogger(h *Handler, l *zap.Logger) { h.logger = l }
