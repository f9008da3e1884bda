package secret

import (
	"bytes"
	"testing"
)

func TestNewTokensAreLongUniqueAndStoredOnlyAsHash(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New()
	if len(a) != 43 || a == b {
		t.Fatalf("tokens %q and %q: want 43 URL-safe characters (256 bits), each different", a, b)
	}
	if h := Hash(a); len(h) != 32 || bytes.Equal(h, Hash(b)) || bytes.Contains(h, []byte(a)) {
		t.Fatalf("Hash(%q) = %x: want a SHA-256 that differs per token and holds nothing of it", a, h)
	}
}
