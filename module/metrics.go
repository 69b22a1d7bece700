package webhookverify

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the handler's Prometheus collectors, registered on Caddy's
// registry so that they appear on the admin /metrics endpoint. Labels are
// bounded: provider, outcome and reason code, never a client address or id.
type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	dedup         *prometheus.CounterVec
	storeDuration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	requests, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "webhook_verify",
		Name:      "requests_total",
		Help:      "Webhook requests by provider and outcome (verified, unsigned: shape-checked, no credential; rejected, unverified_forwarded, challenge) and reason (the rejection reason; unsigned for a challenge answered unsigned).",
	}, []string{"provider", "outcome", "reason"}))
	if err != nil {
		return nil, err
	}
	duration, err := register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "caddy",
		Subsystem: "webhook_verify",
		Name:      "verification_duration_seconds",
		Help:      "Time spent checking a webhook's credential, by provider.",
		Buckets:   []float64{.000005, .00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01},
	}, []string{"provider"}))
	if err != nil {
		return nil, err
	}
	dedup, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "webhook_verify",
		Name:      "dedup_total",
		Help:      "Replay protection by provider and outcome: new, duplicate, in_flight, unchecked, store_unavailable, and commit_error, release_error, renew_error.",
	}, []string{"provider", "outcome"}))
	if err != nil {
		return nil, err
	}
	storeDuration, err := register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "caddy",
		Subsystem: "webhook_verify",
		Name:      "dedup_store_duration_seconds",
		Help:      "Time the dedup store took to answer, by store and operation (reserve, renew, commit, release).",
		Buckets:   []float64{.00001, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"store", "op"}))
	if err != nil {
		return nil, err
	}
	return &metrics{requests: requests, duration: duration, dedup: dedup, storeDuration: storeDuration}, nil
}

// register registers c, or returns the collector already registered under
// the same name (every webhook_verify handler in a config shares them).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
