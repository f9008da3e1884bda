package activities

// Metrics receives what the activities did, for the worker's Prometheus
// endpoint. It is an interface, and optional on Activities (nil means none),
// so that this package does not depend on a metrics library and its tests and
// tools run without one.
type Metrics interface {
	// EmailDone counts an e-mail's outcome as the outbox records it:
	// StatusSent, StatusLogged (no API key), or StatusFailed (refused for good,
	// or not sendable at all). An attempt that finds the e-mail already
	// handled is not counted again, so the counts are e-mails, not attempts.
	EmailDone(template, status string)
	// EmailAttemptFailed counts a send attempt that failed for a reason that
	// may pass (throttling, 5xx, timeout); Temporal retries it.
	EmailAttemptFailed(template string)
	// PremiumPaid counts a stimulus premium recorded for the first time (a
	// retried activity that finds the payment is not counted).
	PremiumPaid(wave string)
}

func (a *Activities) countEmail(template, status string) {
	if a.Metrics != nil {
		a.Metrics.EmailDone(template, status)
	}
}

func (a *Activities) countEmailAttemptFailed(template string) {
	if a.Metrics != nil {
		a.Metrics.EmailAttemptFailed(template)
	}
}

func (a *Activities) countPremium(wave string) {
	if a.Metrics != nil {
		a.Metrics.PremiumPaid(wave)
	}
}
