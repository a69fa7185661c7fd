package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A Checkpoint is the signed statement of a log's size and root hash, in the
// C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint), version 1:
//
//	<origin>\n
//	<tree size, decimal>\n
//	<root hash, base64 standard encoding>\n
//	[extension lines\n …]
//
// wrapped in a C2SP signed note (https://c2sp.org/signed-note): a blank line
// and one "— <key name> <base64(key hash ‖ Ed25519 signature)>" line per
// signature, as golang.org/x/mod/sumdb/note writes and reads it. The origin
// names the log; a verifier checks it against the origin it expects, so a
// checkpoint of one log cannot be passed off as another's. zkai writes one
// extension line, "zkai-previous-size N", the size of the checkpoint its log
// published before this one (none in the empty tree's), so that an audit
// finds archived checkpoints gone missing; it keeps the extension lines it
// reads, and other verifiers ignore them.
type Checkpoint struct {
	Origin     string
	Size       int64
	Hash       tlog.Hash
	Extensions []string
}

// maxCheckpointSize bounds a signed checkpoint read from anywhere.
const maxCheckpointSize = 64 << 10

// Body returns the checkpoint text that is signed.
func (c Checkpoint) Body() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]))
	for _, e := range c.Extensions {
		b.WriteString(e + "\n")
	}
	return []byte(b.String())
}

// ParseCheckpointBody parses the (unsigned) text of a checkpoint.
func ParseCheckpointBody(text []byte) (Checkpoint, error) {
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return Checkpoint{}, errors.New("checkpoint: text must end in a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, errors.New("checkpoint: want origin, size and root hash lines")
	}
	var c Checkpoint
	c.Origin = lines[0]
	if c.Origin == "" || strings.TrimSpace(c.Origin) != c.Origin {
		return Checkpoint{}, errors.New("checkpoint: empty or padded origin line")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("checkpoint: malformed tree size %q", lines[1])
	}
	c.Size = n
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("checkpoint: malformed root hash %q", lines[2])
	}
	copy(c.Hash[:], h)
	for _, e := range lines[3:] {
		if e == "" {
			return Checkpoint{}, errors.New("checkpoint: empty extension line")
		}
		c.Extensions = append(c.Extensions, e)
	}
	return c, nil
}

// SignedCheckpoint is a checkpoint with the signed note that carries it.
type SignedCheckpoint struct {
	Checkpoint
	Note []byte // the signed note text, as published
}

// SignCheckpoint signs c with the log's key.
func SignCheckpoint(c Checkpoint, signer note.Signer) (SignedCheckpoint, error) {
	msg, err := note.Sign(&note.Note{Text: string(c.Body())}, signer)
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("sign checkpoint: %w", err)
	}
	return SignedCheckpoint{Checkpoint: c, Note: msg}, nil
}

// OpenCheckpoint verifies a signed checkpoint: a signature by v, and the
// origin line equal to origin. Signatures by other keys are ignored, as the
// signed-note format allows (witness cosignatures).
func OpenCheckpoint(msg []byte, origin string, v note.Verifier) (SignedCheckpoint, error) {
	if len(msg) > maxCheckpointSize {
		return SignedCheckpoint{}, errors.New("checkpoint: too large")
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	c, err := ParseCheckpointBody([]byte(n.Text))
	if err != nil {
		return SignedCheckpoint{}, err
	}
	if c.Origin != origin {
		return SignedCheckpoint{}, fmt.Errorf("checkpoint: origin %q, want %q", c.Origin, origin)
	}
	return SignedCheckpoint{Checkpoint: c, Note: bytes.Clone(msg)}, nil
}
