// Package codec encrypts what amwaht's processes hand Temporal: every
// payload (workflow and child inputs and results, Update arguments and
// results, activity inputs and results, query results, signals, failure
// messages) is sealed with AES-256-GCM under a key ID carried in the
// payload's metadata, so keys can rotate: new payloads are encrypted with
// one key, old ones decrypt with whichever key sealed them. Anyone who
// reads the histories (the Web UI, `temporal workflow show`, a database
// backup) sees ciphertext; the worker, the staff CLI, the console and the
// tests decrypt through NewDataConverter, the one constructor they share.
//
// The Web UI's texts stay readable on purpose and carry no personal data:
// the static summary and details, timer and activity summaries (plain
// strings the SDK encodes with ToPayload) and the current details (the
// SDK's workflow metadata query). Search attributes never pass through a
// data converter. The Web UI shows the rest through the codec server
// (NewServer), behind the console's staff sign-in.
package codec

import (
	"crypto/rand"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Payload metadata of an encrypted payload.
const (
	// EncodingEncrypted is the metadata "encoding" of a sealed payload (the
	// name Temporal's encryption samples use).
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that sealed it.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the cipher, so another one can follow.
	MetadataCipher = "encryption-cipher"
	cipherAESGCM   = "AES256-GCM"
)

// Codec is a converter.PayloadCodec that seals payloads with the keyring's
// current key and opens them with whichever key sealed them. Payloads that
// are not sealed pass through Decode unchanged.
type Codec struct{ keys *Keyring }

// New is a codec over the keys.
func New(keys *Keyring) *Codec { return &Codec{keys: keys} }

// Encode seals each payload: the original, metadata and all, marshalled
// and encrypted, with the key ID as additional data so that a payload
// relabelled with another key fails to open.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.encrypt
	aead := c.keys.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
				MetadataCipher:             []byte(cipherAESGCM),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode opens sealed payloads and passes others through (the Web UI's
// summaries, and anything written before the codec).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		if c := string(p.GetMetadata()[MetadataCipher]); c != "" && c != cipherAESGCM {
			return nil, fmt.Errorf("decrypt payload: cipher %q is not supported", clip(c))
		}
		aead := c.keys.aeads[id]
		if aead == nil {
			return nil, fmt.Errorf("decrypt payload: it was encrypted with key %q, which is not among the configured keys (%s): add that key to %s or %s",
				clip(id), strings.Join(c.keys.ids, ", "), EnvKeys, EnvKeyFile)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return nil, fmt.Errorf("decrypt payload (key %s): too short", id)
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload (key %s): %w", id, err)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return nil, fmt.Errorf("decrypt payload (key %s): %w", id, err)
		}
		out[i] = &orig
	}
	return out, nil
}

// NewDataConverter is the data converter of every amwaht process: the SDK's
// default conversion, sealed by the codec, except the Web UI's texts (see
// the package comment).
func NewDataConverter(keys *Keyring) converter.DataConverter {
	plain := converter.GetDefaultDataConverter()
	return &dataConverter{
		DataConverter: converter.NewCodecDataConverter(plain, New(keys)),
		plain:         plain,
	}
}

// NewFailureConverter also seals failure messages and stack traces (an
// activity's error may quote an address): they travel as an encoded
// attribute, and the history shows "Encoded failure".
func NewFailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
}

// Configure sets a Temporal client's data and failure converters: the
// worker, the CLI and the console through internal/app, the tests through
// internal/testenv.
func Configure(opts *client.Options, keys *Keyring) {
	dc := NewDataConverter(keys)
	opts.DataConverter = dc
	opts.FailureConverter = NewFailureConverter(dc)
}

// dataConverter seals everything but the Web UI's texts. Decoding needs no
// exception: the codec passes unsealed payloads through.
type dataConverter struct {
	converter.DataConverter // sealing
	plain                   converter.DataConverter
}

// ToPayload leaves a bare string readable: the SDK converts the static
// summary and details, timer and activity summaries this way, one string
// at a time. Arguments, results and query answers go through ToPayloads.
func (d *dataConverter) ToPayload(v any) (*commonpb.Payload, error) {
	if _, ok := v.(string); ok || isMetadata(v) {
		return d.plain.ToPayload(v)
	}
	return d.DataConverter.ToPayload(v)
}

// ToPayloads seals every value but the answer to the SDK's workflow
// metadata query, which carries the current details the Web UI shows.
func (d *dataConverter) ToPayloads(vs ...any) (*commonpb.Payloads, error) {
	if len(vs) == 1 && isMetadata(vs[0]) {
		return d.plain.ToPayloads(vs...)
	}
	return d.DataConverter.ToPayloads(vs...)
}

// isMetadata recognises the SDK's workflow metadata: the SDK converts it
// itself and hands it over as a RawValue.
func isMetadata(v any) bool {
	switch x := v.(type) {
	case *sdk.WorkflowMetadata:
		return true
	case converter.RawValue:
		return string(x.Payload().GetMetadata()[converter.MetadataMessageType]) == metadataType
	}
	return false
}

var metadataType = string((&sdk.WorkflowMetadata{}).ProtoReflect().Descriptor().FullName())
