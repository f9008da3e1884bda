package demo

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/codec"
)

// TestCodecKeys: the first demo makes a key and keeps it; later ones use
// the same; keys the environment gives win.
func TestCodecKeys(t *testing.T) {
	state := t.TempDir()
	t.Setenv(codec.EnvKeys, "")
	t.Setenv(codec.EnvKeyFile, "")
	if err := codecKeys(state, io.Discard); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(state, "codec-keys")
	if os.Getenv(codec.EnvKeyFile) != file {
		t.Fatalf("%s = %q, want %s", codec.EnvKeyFile, os.Getenv(codec.EnvKeyFile), file)
	}
	first, err := codec.ReadKeyFile(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(codec.EnvKeyFile, "")
	if err := codecKeys(state, io.Discard); err != nil {
		t.Fatal(err)
	}
	again, err := codec.ReadKeyFile(file)
	if err != nil || again.Encrypting() != first.Encrypting() {
		t.Errorf("a second demo has key %v (%v), the first %s", again, err, first.Encrypting())
	}
	t.Setenv(codec.EnvKeyFile, "")
	t.Setenv(codec.EnvKeys, codec.TestKeys)
	other := t.TempDir()
	if err := codecKeys(other, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(other, "codec-keys")); err == nil || os.Getenv(codec.EnvKeyFile) != "" {
		t.Error("a demo with keys in the environment made a key file of its own")
	}
}
