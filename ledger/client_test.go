package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestClient(t *testing.T) {
	l, key, _ := buildLog(t, 10) // checkpoints 0 1 3 6 10
	state := filepath.Join(t.TempDir(), "trusted")
	c, err := NewClient(l.Origin(), key.VerifierKey(), state)
	if err != nil {
		t.Fatal(err)
	}
	at := func(n int64) []byte { cp, _ := l.CheckpointAt(n); return cp.Note }
	proof := func(a, b int64) tlog.TreeProof { p, _ := l.ConsistencyProof(a, b); return p }
	if _, err := c.Update(at(3), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(at(6), proof(3, 6)); err != nil {
		t.Fatal(err)
	}
	// Restart: the state survives.
	c, err = NewClient(l.Origin(), key.VerifierKey(), state)
	if err != nil {
		t.Fatal(err)
	}
	if tr, ok := c.Trusted(); !ok || tr.Size != 6 {
		t.Fatalf("trusted after restart: %v %v", tr.Size, ok)
	}
	// Backwards.
	if _, err := c.Update(at(3), nil); !errors.Is(err, ErrRollback) {
		t.Errorf("older checkpoint: %v, want ErrRollback", err)
	}
	// Signed by another key.
	other := newTestKey(t, "test-log")
	root10, _ := l.TreeHash(10)
	forged, _ := SignCheckpoint(Checkpoint{Origin: l.Origin(), Size: 10, Hash: root10}, other.Signer())
	if _, err := c.Update(forged.Note, proof(6, 10)); err == nil {
		t.Error("checkpoint signed by another key accepted")
	}
	// Fork: same size, other root, signed by the log key.
	var fakeRoot tlog.Hash
	fakeRoot[0] = 1
	fork, _ := SignCheckpoint(Checkpoint{Origin: l.Origin(), Size: 6, Hash: fakeRoot}, key.Signer())
	var fe *ForkError
	if _, err := c.Update(fork.Note, nil); !errors.As(err, &fe) || fe.Trusted.Size != 6 {
		t.Errorf("fork at the trusted size: %v", err)
	}
	// Fork: a larger tree that does not extend the trusted one.
	fork10, _ := SignCheckpoint(Checkpoint{Origin: l.Origin(), Size: 10, Hash: fakeRoot}, key.Signer())
	if _, err := c.Update(fork10.Note, proof(6, 10)); !errors.As(err, &fe) {
		t.Errorf("inconsistent larger checkpoint: %v", err)
	}
	// Missing proof.
	if _, err := c.Update(at(10), nil); err == nil {
		t.Error("larger checkpoint accepted without a consistency proof")
	}
	if tr, _ := c.Trusted(); tr.Size != 6 {
		t.Fatalf("trusted changed on failure: %d", tr.Size)
	}
	if _, err := c.Update(at(10), proof(6, 10)); err != nil {
		t.Fatal(err)
	}
}

// TestFlippedProofBytes flips every bit-position byte of every hash of
// inclusion and consistency proofs (and the leaf hash) and requires failure.
func TestFlippedProofBytes(t *testing.T) {
	l, key, _ := buildLog(t, 21)
	for _, size := range []int64{1, 6, 15, 21} {
		for i := int64(0); i < size; i += 4 {
			p, err := l.ProveInclusion(i)
			if err != nil {
				t.Fatal(err)
			}
			// ProveInclusion uses the latest checkpoint; prove under size too.
			if size != p.TreeSize {
				cp, _ := l.CheckpointAt(size)
				rp, _ := l.InclusionProof(i, size)
				p.TreeSize, p.Hashes, p.Checkpoint = size, hashesBytes(rp), string(cp.Note)
			}
			if _, err := p.Verify(l.Origin(), key.Verifier()); err != nil {
				t.Fatalf("inclusion %d in %d: %v", i, size, err)
			}
			raw, _ := json.Marshal(p)
			for _, target := range append([][]byte{p.LeafHash}, p.Hashes...) {
				for k := range target {
					target[k] ^= 0x80
					if _, err := p.Verify(l.Origin(), key.Verifier()); err == nil {
						t.Errorf("inclusion %d in %d verified with a flipped byte", i, size)
					}
					target[k] ^= 0x80
				}
			}
			var back InclusionProof
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if _, err := back.Verify(l.Origin(), key.Verifier()); err != nil {
				t.Fatalf("proof does not survive JSON: %v", err)
			}
		}
	}
	sizes, _ := l.Checkpoints()
	for _, from := range sizes {
		p, err := l.ProveConsistency(from)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Verify(l.Origin(), key.Verifier()); err != nil {
			t.Fatalf("consistency from %d: %v", from, err)
		}
		for _, h := range p.Hashes {
			for k := range h {
				h[k] ^= 1
				if _, _, err := p.Verify(l.Origin(), key.Verifier()); err == nil {
					t.Errorf("consistency %d→21 verified with a flipped byte", from)
				}
				h[k] ^= 1
			}
		}
	}
}

// TestClientFollow: a client following a growing log advances with it, and
// refuses, leaving its state file as it was, a copy of the log from before
// (rollback), a log of the same key and origin that diverged (a fork, at the
// same size and larger), and a log signed by another key of the same name.
func TestClientFollow(t *testing.T) {
	l, key, dir := newTestLog(t)
	appendN(t, l, key, 0, 3)
	backup := filepath.Join(t.TempDir(), "backup")
	if err := os.CopyFS(backup, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, key, 3, 3) // size 6
	otherLog := func(k *Key, from, n int) *Log {
		o, err := Init(t.TempDir(), k, l.Origin())
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, o, k, from, n)
		return o
	}
	rolledBack, err := Open(backup, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fe *ForkError
	for _, c := range []struct {
		name    string
		log     *Log
		refused func(error) bool
	}{
		{"rollback", rolledBack, func(err error) bool { return errors.Is(err, ErrRollback) }},
		{"fork at the trusted size", otherLog(key, 100, 6), func(err error) bool { return errors.As(err, &fe) && fe.Err == nil }},
		{"fork larger than the trusted size", otherLog(key, 100, 9), func(err error) bool { return errors.As(err, &fe) && fe.Err != nil }},
		{"another key", otherLog(newTestKey(t, "test-log"), 0, 9), func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "signed by the trusted key")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "trusted")
			follow := func(from *Log) (SignedCheckpoint, error) {
				t.Helper()
				cl, err := NewClient(l.Origin(), key.VerifierKey(), state)
				if err != nil {
					t.Fatal(err)
				}
				return cl.Follow(from)
			}
			// Trusted on first use, then grown through a proof.
			if cp, err := follow(rolledBack); err != nil || cp.Size != 3 {
				t.Fatalf("first use: size %d, %v", cp.Size, err)
			}
			if cp, err := follow(l); err != nil || cp.Size != 6 {
				t.Fatalf("growing: size %d, %v", cp.Size, err)
			}
			before, _ := os.ReadFile(state)
			if _, err := follow(c.log); !c.refused(err) {
				t.Fatalf("accepted or wrong error: %v", err)
			}
			if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
				t.Fatal("state changed on a refused checkpoint")
			}
		})
	}
}

// The checkpoint signature check of InclusionProof.Verify (issue 8 item 7):
// an inclusion proof under a checkpoint signed by another key, with a
// tampered signature, or of another origin is refused for that reason,
// though its hashes are right.
func TestInclusionProofCheckpointSignature(t *testing.T) {
	l, key, _ := buildLog(t, 6)
	p, err := l.ProveInclusion(4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify(l.Origin(), key.Verifier()); err != nil {
		t.Fatal(err)
	}
	cp, _ := l.Checkpoint()
	other, _ := SignCheckpoint(cp.Checkpoint, newTestKey(t, "test-log").Signer())
	// Flip a bit of the Ed25519 signature, after the 4-byte key hash.
	note := strings.TrimSuffix(string(cp.Note), "\n")
	at := strings.LastIndex(note, " ") + 1
	raw, err := base64.StdEncoding.DecodeString(note[at:])
	if err != nil || len(raw) != 4+64 {
		t.Fatalf("signature line %q: %v", note[at:], err)
	}
	raw[4+10] ^= 1
	tampered := note[:at] + base64.StdEncoding.EncodeToString(raw) + "\n"
	otherOrigin, _ := SignCheckpoint(Checkpoint{Origin: "example.com/other", Size: cp.Size, Hash: cp.Hash}, key.Signer())
	for _, c := range []struct {
		name, note, want string
	}{
		{"signed by another key of the same name", string(other.Note), "checkpoint: note has no verifiable signatures"},
		{"tampered signature", tampered, "checkpoint: invalid signature for key test-log"},
		{"another origin", string(otherOrigin.Note), `checkpoint: origin "example.com/other", want "example.com/zkai-test"`},
	} {
		q := *p
		q.Checkpoint = c.note
		if _, err := q.Verify(l.Origin(), key.Verifier()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestProofFieldsMatchCheckpoints: a proof's stated sizes must be its
// checkpoints' — an inclusion proof claiming another tree_size, or a
// consistency proof whose sizes or either checkpoint's signature are off,
// is refused with its reason (each of these checks once had no test).
func TestProofFieldsMatchCheckpoints(t *testing.T) {
	l, key, _ := buildLog(t, 10)
	ip, err := l.ProveInclusion(3)
	if err != nil {
		t.Fatal(err)
	}
	bad := *ip
	bad.TreeSize++
	if _, err := bad.Verify(l.Origin(), key.Verifier()); err == nil || !strings.Contains(err.Error(), "tree_size") {
		t.Errorf("inclusion proof with tree_size+1: %v", err)
	}
	sizes, _ := l.Checkpoints()
	cp, err := l.ProveConsistency(sizes[len(sizes)-2])
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cp.Verify(l.Origin(), key.Verifier()); err != nil {
		t.Fatal(err)
	}
	other := newTestKey(t, "test-log").Signer()
	resign := func(note string) string {
		c, err := OpenCheckpoint([]byte(note), l.Origin(), key.Verifier())
		if err != nil {
			t.Fatal(err)
		}
		s, err := SignCheckpoint(c.Checkpoint, other)
		if err != nil {
			t.Fatal(err)
		}
		return string(s.Note)
	}
	for _, c := range []struct {
		name   string
		change func(*ConsistencyProof)
		want   string
	}{
		{"old size", func(p *ConsistencyProof) { p.OldSize++ }, "sizes differ"},
		{"new size", func(p *ConsistencyProof) { p.NewSize-- }, "sizes differ"},
		{"old checkpoint signed by another key", func(p *ConsistencyProof) { p.OldCheckpoint = resign(p.OldCheckpoint) }, "no verifiable signatures"},
		{"new checkpoint signed by another key", func(p *ConsistencyProof) { p.NewCheckpoint = resign(p.NewCheckpoint) }, "no verifiable signatures"},
	} {
		q := *cp
		c.change(&q)
		if _, _, err := q.Verify(l.Origin(), key.Verifier()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
}
