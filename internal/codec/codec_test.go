package codec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// Two keys, made for these tests only.
const (
	keyA = "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	keyB = "b:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="
)

type person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

var fatma = person{Name: "Fatma Yilmaz", Email: "f.yilmaz@example.nl"}

func mustKeys(t *testing.T, s string) *Keyring {
	t.Helper()
	k, err := ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSealed: what the data converter writes holds no readable trace of
// the value, names the key, and reads back.
func TestSealed(t *testing.T) {
	dc := NewDataConverter(mustKeys(t, keyA))
	ps, err := dc.ToPayloads(fatma, 42, []string{"P01"}, "step-done: teacher")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps.Payloads {
		if got := string(p.Metadata[converter.MetadataEncoding]); got != EncodingEncrypted {
			t.Errorf("payload %d: encoding %q", i, got)
		}
		if got := string(p.Metadata[MetadataKeyID]); got != "a" {
			t.Errorf("payload %d: key ID %q", i, got)
		}
		for _, s := range []string{"Fatma", "yilmaz", "P01", "teacher", "json"} {
			if bytes.Contains(bytes.ToLower(p.Data), bytes.ToLower([]byte(s))) {
				t.Errorf("payload %d shows %q", i, s)
			}
		}
	}
	var back person
	var n int
	var ids []string
	var sig string
	if err := dc.FromPayloads(ps, &back, &n, &ids, &sig); err != nil {
		t.Fatal(err)
	}
	if back != fatma || n != 42 || len(ids) != 1 || sig != "step-done: teacher" {
		t.Errorf("read back %+v %d %v %q", back, n, ids, sig)
	}
	one, err := dc.ToPayload(fatma)
	if err != nil || string(one.Metadata[converter.MetadataEncoding]) != EncodingEncrypted {
		t.Errorf("ToPayload of a struct: %v %v", one, err)
	}
}

// TestWebUITextsStayReadable: the summaries (bare strings through
// ToPayload) and the workflow metadata query's answer (current details)
// are left as the SDK writes them.
func TestWebUITextsStayReadable(t *testing.T) {
	dc := NewDataConverter(mustKeys(t, keyA))
	p, err := dc.ToPayload("Utrecht (GM0344) · wave demo")
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Metadata[converter.MetadataEncoding]) != converter.MetadataEncodingJSON || !strings.Contains(string(p.Data), "Utrecht") {
		t.Errorf("summary payload: %v", p)
	}
	md := &sdk.WorkflowMetadata{CurrentDetails: "**Utrecht**: waiting on funding"}
	ps, err := dc.ToPayloads(md)
	if err != nil {
		t.Fatal(err)
	}
	if enc := string(ps.Payloads[0].Metadata[converter.MetadataEncoding]); enc == EncodingEncrypted {
		t.Errorf("the workflow metadata is sealed: the Web UI could not show the current details")
	}
	var back sdk.WorkflowMetadata
	if err := dc.FromPayloads(ps, &back); err != nil || back.CurrentDetails != md.CurrentDetails {
		t.Errorf("metadata read back %q, %v", back.CurrentDetails, err)
	}
	// As the SDK's metadata query hands it over: converted already, raw.
	pre, err := converter.GetDefaultDataConverter().ToPayload(md)
	if err != nil {
		t.Fatal(err)
	}
	ps, err = dc.ToPayloads(converter.NewRawValue(pre))
	if err != nil {
		t.Fatal(err)
	}
	if enc := string(ps.Payloads[0].Metadata[converter.MetadataEncoding]); enc == EncodingEncrypted || !strings.Contains(string(ps.Payloads[0].Data), "waiting on funding") {
		t.Errorf("the metadata query's raw answer is sealed: %v", ps.Payloads[0])
	}
	// Any other raw value is sealed.
	other, _ := converter.GetDefaultDataConverter().ToPayload(fatma)
	ps, _ = dc.ToPayloads(converter.NewRawValue(other))
	if enc := string(ps.Payloads[0].Metadata[converter.MetadataEncoding]); enc != EncodingEncrypted {
		t.Errorf("a raw value was left readable: %s", enc)
	}
}

// TestRotation: a keyring with a new key reads payloads sealed with the
// old one and seals with the new; a pinned key keeps sealing with the old
// while processes learn the new one; a keyring without the sealing key
// says which it needs.
func TestRotation(t *testing.T) {
	old := NewDataConverter(mustKeys(t, keyA))
	ps, err := old.ToPayloads(fatma)
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustKeys(t, keyA+","+keyB)
	if rotated.Encrypting() != "b" {
		t.Fatalf("the last key should encrypt, got %s", rotated.Encrypting())
	}
	var back person
	if err := NewDataConverter(rotated).FromPayloads(ps, &back); err != nil || back != fatma {
		t.Fatalf("the rotated keyring cannot read the old payload: %v", err)
	}
	fresh, _ := NewDataConverter(rotated).ToPayloads(fatma)
	if id := string(fresh.Payloads[0].Metadata[MetadataKeyID]); id != "b" {
		t.Errorf("new payloads sealed with %s, want b", id)
	}
	pinned := mustKeys(t, keyA+"\n"+keyB)
	if err := pinned.EncryptWith("a"); err != nil {
		t.Fatal(err)
	}
	p2, _ := NewDataConverter(pinned).ToPayloads(fatma)
	if id := string(p2.Payloads[0].Metadata[MetadataKeyID]); id != "a" {
		t.Errorf("pinned keyring sealed with %s, want a", id)
	}
	if err := pinned.EncryptWith("c"); err == nil {
		t.Error("pinning an unknown key was accepted")
	}
	err = NewDataConverter(mustKeys(t, keyB)).FromPayloads(ps, &back)
	if err == nil || !strings.Contains(err.Error(), `key "a"`) {
		t.Errorf("missing key: %v", err)
	}
}

// TestTampering: a payload relabelled with another key ID, or altered, does
// not open.
func TestTampering(t *testing.T) {
	k := mustKeys(t, keyA+","+keyB)
	c := New(k)
	ps, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	if err != nil {
		t.Fatal(err)
	}
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{}, Data: ps[0].Data}
	for k, v := range ps[0].Metadata {
		relabelled.Metadata[k] = v
	}
	relabelled.Metadata[MetadataKeyID] = []byte("a")
	if _, err := c.Decode([]*commonpb.Payload{relabelled}); err == nil {
		t.Error("a relabelled payload opened")
	}
	flipped := &commonpb.Payload{Metadata: ps[0].Metadata, Data: append([]byte(nil), ps[0].Data...)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	if _, err := c.Decode([]*commonpb.Payload{flipped}); err == nil {
		t.Error("an altered payload opened")
	}
	if _, err := c.Decode([]*commonpb.Payload{{Metadata: ps[0].Metadata, Data: []byte("short")}}); err == nil {
		t.Error("a truncated payload opened")
	}
}

// TestFailureMessagesSealed: an error's message (an activity's may quote an
// address) travels encoded, and reads back whole.
func TestFailureMessagesSealed(t *testing.T) {
	dc := NewDataConverter(mustKeys(t, keyA))
	fc := NewFailureConverter(dc)
	f := fc.ErrorToFailure(temporal.NewNonRetryableApplicationError("e-mail to f.yilmaz@example.nl refused", "EmailRejected", nil))
	if strings.Contains(f.String(), "yilmaz") {
		t.Errorf("failure shows the address: %s", f.String())
	}
	if f.GetEncodedAttributes() == nil || string(f.GetEncodedAttributes().Metadata[converter.MetadataEncoding]) != EncodingEncrypted {
		t.Errorf("failure attributes not sealed: %v", f.GetEncodedAttributes())
	}
	err := fc.FailureToError(f)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !strings.Contains(err.Error(), "f.yilmaz@example.nl refused") || appErr.Type() != "EmailRejected" {
		t.Errorf("read back: %v", err)
	}
}

func TestParseKeys(t *testing.T) {
	k, err := ParseKeys("# rotated 2026-12-01\n" + keyA + "\n\n  " + keyB + "  # current\n")
	if err != nil {
		t.Fatal(err)
	}
	if ids := strings.Join(k.IDs(), ","); ids != "a,b" {
		t.Errorf("IDs %s", ids)
	}
	secret := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	for in, want := range map[string]string{
		"":                             "no payload codec keys",
		"nocolon" + secret:             "expected id:base64key",
		"bad id:" + secret:             "key ID",
		"a:" + secret + ",a:" + secret: "given twice",
		"a:AAEC":                       "3 bytes",
		"a:not*base64":                 "not base64",
	} {
		_, err := ParseKeys(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeys(%q) = %v, want %q", in, err, want)
			continue
		}
		if strings.Contains(err.Error(), secret[:10]) {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
	if !TestKeyring().IsTestKey() || mustKeys(t, keyA).IsTestKey() {
		t.Error("IsTestKey")
	}
}

// TestLoad: the variable, else the file, else the demo's file in the
// working directory, else ErrNoKeys.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(EnvKeys, "")
	t.Setenv(EnvKeyFile, "")
	t.Setenv(EnvEncryptWith, "")
	if _, err := Load(); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("nothing configured: %v", err)
	}
	created, err := EnsureKeyFile(DemoKeyFile, "demo", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || !created {
		t.Fatalf("EnsureKeyFile: %v %v", created, err)
	}
	if fi, err := os.Stat(DemoKeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", fi.Mode(), err)
	}
	before, _ := os.ReadFile(DemoKeyFile)
	if again, err := EnsureKeyFile(DemoKeyFile, "demo", time.Now()); err != nil || again {
		t.Errorf("a second EnsureKeyFile: %v %v", again, err)
	}
	if after, _ := os.ReadFile(DemoKeyFile); !bytes.Equal(before, after) {
		t.Error("a second EnsureKeyFile replaced the key")
	}
	k, err := Load()
	if err != nil || k.Encrypting() != "demo-20261201" || !strings.Contains(k.Source(), DemoKeyFile) {
		t.Fatalf("demo file: %v %v", k, err)
	}
	other := filepath.Join(dir, "keys")
	if err := os.WriteFile(other, []byte(keyA+"\n"+keyB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvKeyFile, other)
	if k, err := Load(); err != nil || k.Encrypting() != "b" || k.Source() != "key file "+other {
		t.Errorf("key file: %v %v", k, err)
	}
	t.Setenv(EnvKeys, keyA)
	if k, err := Load(); err != nil || k.Encrypting() != "a" || k.Source() != EnvKeys {
		t.Errorf("variable: %v %v", k, err)
	}
	t.Setenv(EnvKeys, keyA+","+keyB)
	t.Setenv(EnvEncryptWith, "a")
	if k, err := Load(); err != nil || k.Encrypting() != "a" {
		t.Errorf("pinned: %v %v", k, err)
	}
	t.Setenv(EnvEncryptWith, "zz")
	if _, err := Load(); err == nil {
		t.Error("an unknown pinned key was accepted")
	}
}

// BenchmarkSeal is the codec's cost per payload of a rollout's typical size
// (an input with its plan is about 10 KiB), converted and read back, beside
// the SDK's default converter alone.
func BenchmarkSeal(b *testing.B) {
	v := map[string]string{"plan": strings.Repeat("step-due-party ", 700)}
	for name, dc := range map[string]converter.DataConverter{"sealed": NewDataConverter(mustKeysB(b, keyA)), "plain": converter.GetDefaultDataConverter()} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(v["plan"])))
			for b.Loop() {
				ps, err := dc.ToPayloads(v)
				if err != nil {
					b.Fatal(err)
				}
				var back map[string]string
				if err := dc.FromPayloads(ps, &back); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustKeysB(b *testing.B, s string) *Keyring {
	k, err := ParseKeys(s)
	if err != nil {
		b.Fatal(err)
	}
	return k
}
