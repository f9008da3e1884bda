package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The environment the keys come from.
const (
	// EnvKeys holds the keys themselves: "id:base64key" entries separated by
	// commas or newlines, oldest first.
	EnvKeys = "AMWAHT_CODEC_KEYS"
	// EnvKeyFile names a file with the same entries, one per line (# starts
	// a comment); used when EnvKeys is empty.
	EnvKeyFile = "AMWAHT_CODEC_KEY_FILE"
	// EnvEncryptWith pins the key new payloads are encrypted with; by
	// default the last one. A rotation first hands every process the new
	// key with the old one pinned, then unpins it (see the README).
	EnvEncryptWith = "AMWAHT_CODEC_ENCRYPT_WITH"
)

// DemoKeyFile is where `make demo` keeps its generated key, relative to the
// repository root. With neither variable set, a process started there uses
// it, so the README's commands work beside a running demo; anywhere else
// (a container, a server) the keys must be given.
const DemoKeyFile = ".amwaht/codec-keys"

// KeySize is AES-256's key length in bytes.
const KeySize = 32

// ErrNoKeys: no keys are configured. Nothing runs unencrypted: every
// process refuses to start instead.
var ErrNoKeys = errors.New("no payload codec keys: set " + EnvKeys + " (id:base64key, …) or " + EnvKeyFile +
	" (a file with one id:base64key per line); generate a key with `openssl rand -base64 32`")

// TestKeys is the key every test encrypts with, and the recorded histories
// in workflows/testdata are encrypted with: a test fixture, published in the
// source, never a secret. A worker that encrypts with it says so in its log.
const TestKeys = "test-1:VEGO6tdC1AhmLWGQ4VeiknWWLWTfK6Tqr9FdcQnelkc="

// testKeyID is TestKeys' key ID.
const testKeyID = "test-1"

var keyID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Keyring holds the keys a process can decrypt with, and the one it
// encrypts with.
type Keyring struct {
	ids     []string // oldest first
	aeads   map[string]cipher.AEAD
	encrypt string
	source  string
}

// ParseKeys reads "id:base64key" entries separated by commas or newlines
// (blank lines and # comments are skipped), oldest first; the last one
// encrypts. Every key must be 32 bytes (AES-256) in standard or URL-safe
// base64, every ID unique.
func ParseKeys(s string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	var entries []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		entries = append(entries, strings.Split(line, ",")...)
	}
	for n, line := range entries {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, b64, ok := strings.Cut(line, ":")
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		// Never echo the entry: it holds the key.
		switch {
		case !ok:
			return nil, fmt.Errorf("codec key entry %d: expected id:base64key", n+1)
		case !keyID.MatchString(id):
			return nil, fmt.Errorf("codec key entry %d: key ID %q: use 1 to 64 letters, digits, dots, hyphens or underscores", n+1, clip(id))
		case k.aeads[id] != nil:
			return nil, fmt.Errorf("codec key %s is given twice", id)
		}
		raw, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("codec key %s: %w", id, err)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("codec key %s: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("codec key %s: %w", id, err)
		}
		k.ids = append(k.ids, id)
		k.aeads[id] = aead
	}
	if len(k.ids) == 0 {
		return nil, ErrNoKeys
	}
	k.encrypt = k.ids[len(k.ids)-1]
	return k, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes, AES-256 needs %d (openssl rand -base64 32)", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("the key is not base64 (openssl rand -base64 32 makes one)")
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// EncryptWith pins the key new payloads are encrypted with.
func (k *Keyring) EncryptWith(id string) error {
	if k.aeads[id] == nil {
		return fmt.Errorf("%s=%s: no such key among %s", EnvEncryptWith, clip(id), strings.Join(k.ids, ", "))
	}
	k.encrypt = id
	return nil
}

// IDs lists the key IDs, oldest first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// Encrypting is the ID of the key new payloads are encrypted with.
func (k *Keyring) Encrypting() string { return k.encrypt }

// Source says where the keys came from, for the log (never the keys).
func (k *Keyring) Source() string { return k.source }

// IsTestKey tells whether the keyring encrypts with the published test key.
func (k *Keyring) IsTestKey() bool { return k.encrypt == testKeyID }

// TestKeyring is TestKeys, for tests and the replay of recorded histories.
func TestKeyring() *Keyring {
	k, err := ParseKeys(TestKeys)
	if err != nil {
		panic(err)
	}
	k.source = "the test key"
	return k
}

// ReadKeyFile reads a key file.
func ReadKeyFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read codec key file: %w", err)
	}
	k, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k.source = "key file " + path
	return k, nil
}

// Load reads the keys from the environment: EnvKeys, else the file
// EnvKeyFile, else the demo's key file in the working directory; nothing
// is ErrNoKeys.
func Load() (*Keyring, error) {
	var k *Keyring
	var err error
	switch {
	case strings.TrimSpace(os.Getenv(EnvKeys)) != "":
		if k, err = ParseKeys(os.Getenv(EnvKeys)); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKeys, err)
		}
		k.source = EnvKeys
	case strings.TrimSpace(os.Getenv(EnvKeyFile)) != "":
		if k, err = ReadKeyFile(strings.TrimSpace(os.Getenv(EnvKeyFile))); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKeyFile, err)
		}
	default:
		if _, serr := os.Stat(DemoKeyFile); serr != nil {
			return nil, ErrNoKeys
		}
		if k, err = ReadKeyFile(DemoKeyFile); err != nil {
			return nil, err
		}
		k.source = "the demo's key file " + DemoKeyFile
	}
	if id := strings.TrimSpace(os.Getenv(EnvEncryptWith)); id != "" {
		if err := k.EncryptWith(id); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// NewKeyEntry makes a fresh random key as an "id:base64key" entry, its ID
// the prefix and today's date.
func NewKeyEntry(prefix string, now time.Time) (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a codec key: %w", err)
	}
	return fmt.Sprintf("%s-%s:%s", prefix, now.Format("20060102"), base64.StdEncoding.EncodeToString(b)), nil
}

// EnsureKeyFile creates path with one fresh key, readable by its owner
// only, unless it exists; it reports whether it created it. `make demo`
// uses it on its first run.
func EnsureKeyFile(path, prefix string, now time.Time) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	}
	entry, err := NewKeyEntry(prefix, now)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	body := "# amwaht payload codec keys: one id:base64key per line, oldest first; the last encrypts.\n" +
		"# Made by make demo on " + now.Format(time.DateOnly) + ". Keep this file: the demo's histories cannot be read without it.\n" +
		entry + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("create codec key file: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return false, fmt.Errorf("write codec key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("write codec key file %s: %w", path, err)
	}
	return true, nil
}
