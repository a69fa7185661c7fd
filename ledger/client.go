package ledger

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/zkai-dev/zkai/internal/atomicfile"
)

// ErrRollback reports a checkpoint older than the one a client trusts.
var ErrRollback = errors.New("rollback: checkpoint is smaller than the trusted one (the log was rolled back or replaced by an older copy)")

// A ForkError reports two checkpoints, both validly signed, that cannot
// describe the same append-only log: the same size with different roots, or
// a consistency proof between them that fails. Both are kept as evidence.
type ForkError struct {
	Trusted, Presented SignedCheckpoint
	Err                error // the failed consistency check, if any
}

func (e *ForkError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("fork: checkpoint of size %d is not consistent with the trusted one of size %d: %v", e.Presented.Size, e.Trusted.Size, e.Err)
	}
	return fmt.Sprintf("fork: two checkpoints of size %d with different roots %s and %s", e.Trusted.Size, e.Trusted.Hash, e.Presented.Hash)
}

func (e *ForkError) Unwrap() error { return e.Err }

// A Client follows one log: it remembers the last checkpoint it trusted in a
// state file (the signed note itself, re-verified on load) and accepts a new
// checkpoint only with a consistency proof from it, so it never goes
// backwards and never accepts a fork.
type Client struct {
	origin   string
	verifier note.Verifier
	state    string
	trusted  *SignedCheckpoint
}

// NewClient returns a client of the log with the given origin and checkpoint
// verifier key, keeping its state in statePath (created on first update).
func NewClient(origin, vkey, statePath string) (*Client, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	c := &Client{origin: origin, verifier: v, state: statePath}
	b, err := os.ReadFile(statePath)
	if err == nil {
		cp, err := OpenCheckpoint(b, origin, v)
		if err != nil {
			return nil, fmt.Errorf("client state %s: %w", statePath, err)
		}
		c.trusted = &cp
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return c, nil
}

// Trusted returns the last trusted checkpoint, if any.
func (c *Client) Trusted() (SignedCheckpoint, bool) {
	if c.trusted == nil {
		return SignedCheckpoint{}, false
	}
	return *c.trusted, true
}

// Update verifies a signed checkpoint and, given a consistency proof from
// the trusted checkpoint to it, makes it the trusted one. The first
// checkpoint is trusted on first use.
func (c *Client) Update(msg []byte, proof tlog.TreeProof) (SignedCheckpoint, error) {
	cp, err := OpenCheckpoint(msg, c.origin, c.verifier)
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("not a checkpoint of log %q signed by the trusted key %s+%08x: %w", c.origin, c.verifier.Name(), c.verifier.KeyHash(), err)
	}
	if t := c.trusted; t != nil {
		switch {
		case cp.Size < t.Size:
			return SignedCheckpoint{}, fmt.Errorf("%w: size %d, trusted %d", ErrRollback, cp.Size, t.Size)
		case cp.Size == t.Size:
			if cp.Hash != t.Hash {
				return SignedCheckpoint{}, &ForkError{Trusted: *t, Presented: cp}
			}
			return cp, nil
		}
		if err := VerifyConsistency(t.Checkpoint, cp.Checkpoint, proof); err != nil {
			return SignedCheckpoint{}, &ForkError{Trusted: *t, Presented: cp, Err: err}
		}
	}
	if err := atomicfile.Write(c.state, cp.Note, 0o644); err != nil {
		return SignedCheckpoint{}, fmt.Errorf("client state: %w", err)
	}
	c.trusted = &cp
	return cp, nil
}

// Follow updates the client to l's latest checkpoint, taking the
// consistency proof from l. The log is not trusted for it: Update checks the
// signature against the client's key and the proof against the trusted
// root, so a log rolled back, forked or signed by another key is refused.
func (c *Client) Follow(l *Log) (SignedCheckpoint, error) {
	cp, err := l.Checkpoint()
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("the log's latest checkpoint: %w", err)
	}
	var proof tlog.TreeProof
	// Only a larger tree needs a proof; a smaller one is a rollback that
	// Update reports, and the log could not prove it anyway.
	if t := c.trusted; t != nil && t.Size < cp.Size {
		if proof, err = l.ConsistencyProof(t.Size, cp.Size); err != nil {
			return SignedCheckpoint{}, fmt.Errorf("consistency proof from the trusted size %d to %d: %w", t.Size, cp.Size, err)
		}
	}
	return c.Update(cp.Note, proof)
}

// VerifyConsistency checks that old is a prefix of new.
func VerifyConsistency(old, new Checkpoint, proof tlog.TreeProof) error {
	if old.Origin != new.Origin {
		return fmt.Errorf("origins differ: %q, %q", old.Origin, new.Origin)
	}
	if old.Size > new.Size {
		return ErrRollback
	}
	if old.Size == 0 || old.Size == new.Size {
		if len(proof) != 0 {
			return errors.New("consistency proof should be empty")
		}
		if old.Size == new.Size && old.Hash != new.Hash {
			return errors.New("same size, different roots")
		}
		return nil
	}
	return tlog.CheckTree(proof, new.Size, new.Hash, old.Size, old.Hash)
}

// VerifyInclusion checks that the entry with the given stored bytes is entry
// index of the tree of cp.
func VerifyInclusion(cp Checkpoint, index int64, entry []byte, proof tlog.RecordProof) error {
	return VerifyInclusionHash(cp, index, tlog.RecordHash(entry), proof)
}

// VerifyInclusionHash is [VerifyInclusion] given the entry's leaf hash.
func VerifyInclusionHash(cp Checkpoint, index int64, leaf tlog.Hash, proof tlog.RecordProof) error {
	if index < 0 || index >= cp.Size {
		return fmt.Errorf("index %d out of range for a tree of size %d", index, cp.Size)
	}
	return tlog.CheckRecord(proof, cp.Size, cp.Hash, index, leaf)
}
