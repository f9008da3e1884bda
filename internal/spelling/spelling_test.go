package spelling

import (
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"utrecht", "utrecht", 0},
		{"utrecth", "utrecht", 1}, // transposition counts once
		{"amsterdm", "amsterdam", 1},
		{"0434", "0344", 1},
		{"kitten", "sitting", 3},
		{"日本", "日本語", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}
