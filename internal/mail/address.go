package mail

import "github.com/stichtingbmp/amwaht/internal/address"

// ValidateAddress accepts a plain e-mail address (no display name, a domain
// that does not mix writing systems), so that a typing error or a lookalike
// is caught when staff enter it, not when SendGrid refuses it.
func ValidateAddress(s string) error { return address.Validate(s) }
