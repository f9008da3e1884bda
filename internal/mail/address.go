package mail

import (
	"fmt"
	netmail "net/mail"
	"strings"
)

// ValidateAddress accepts a plain e-mail address (no display name), so that
// a typing error is caught when staff enter it, not when SendGrid refuses it.
func ValidateAddress(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return fmt.Errorf("no e-mail address given")
	}
	if len(s) > 254 {
		return fmt.Errorf("e-mail address %q is longer than 254 characters", s[:40]+"…")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fmt.Errorf("%q is not an e-mail address (expected the form name@example.nl)", s)
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return fmt.Errorf("%q has no valid domain after the @ (expected the form name@example.nl)", s)
	}
	return nil
}
