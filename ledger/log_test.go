package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// buildLog appends 1, 2, 3, … entries per batch until it holds n entries.
func buildLog(t testing.TB, n int) (*Log, *Key, string) {
	l, key, dir := newTestLog(t)
	for i, b := 0, 1; i < n; i, b = i+b, b+1 {
		appendN(t, l, key, i, min(b, n-i))
	}
	return l, key, dir
}

func TestInteropInclusion(t *testing.T) {
	l, _, _ := buildLog(t, 23)
	sizes, err := l.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) < 7 || sizes[0] != 0 || sizes[len(sizes)-1] != 23 {
		t.Fatalf("archived checkpoints %v", sizes)
	}
	h := rfc6962.DefaultHasher
	for _, size := range sizes {
		cp, err := l.CheckpointAt(size)
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i < size; i++ {
			data, err := l.Entry(i, size)
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.InclusionProof(i, size)
			if err != nil {
				t.Fatal(err)
			}
			// sumdb/tlog
			if err := tlog.CheckRecord(p, size, cp.Hash, i, tlog.RecordHash(data)); err != nil {
				t.Errorf("tlog: inclusion of %d in %d: %v", i, size, err)
			}
			// transparency-dev/merkle
			if err := proof.VerifyInclusion(h, uint64(i), uint64(size), h.HashLeaf(data), hashesBytes(p), cp.Hash[:]); err != nil {
				t.Errorf("merkle: inclusion of %d in %d: %v", i, size, err)
			}
			if err := VerifyInclusion(cp.Checkpoint, i, data, p); err != nil {
				t.Errorf("ledger: %v", err)
			}
		}
	}
	// The RFC 6962 empty root.
	cp0, _ := l.CheckpointAt(0)
	if e := sha256.Sum256(nil); !bytes.Equal(cp0.Hash[:], e[:]) || !bytes.Equal(h.EmptyRoot(), e[:]) {
		t.Errorf("empty root %x", cp0.Hash)
	}
}

func TestInteropConsistency(t *testing.T) {
	l, _, _ := buildLog(t, 30)
	sizes, _ := l.Checkpoints()
	h := rfc6962.DefaultHasher
	for _, a := range sizes {
		for _, b := range sizes {
			if a > b {
				continue
			}
			ca, _ := l.CheckpointAt(a)
			cb, _ := l.CheckpointAt(b)
			p, err := l.ConsistencyProof(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(h, uint64(a), uint64(b), hashesBytes(p), ca.Hash[:], cb.Hash[:]); err != nil {
				t.Errorf("merkle: consistency %d→%d: %v", a, b, err)
			}
			if a > 0 && a < b {
				if err := tlog.CheckTree(p, b, cb.Hash, a, ca.Hash); err != nil {
					t.Errorf("tlog: consistency %d→%d: %v", a, b, err)
				}
			}
			if err := VerifyConsistency(ca.Checkpoint, cb.Checkpoint, p); err != nil {
				t.Errorf("ledger: consistency %d→%d: %v", a, b, err)
			}
		}
	}
}

func TestCheckpointNote(t *testing.T) {
	l, key, dir := buildLog(t, 5)
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	// Plain sumdb/note, no zkai code.
	v, err := note.NewVerifier(key.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(n.Text, "\n")
	root, _ := l.TreeHash(5)
	// Batches of 1, 2 and 2 entries: the checkpoint before this one has size 3.
	if len(lines) != 5 || lines[0] != "example.com/zkai-test" || lines[1] != "5" || lines[2] != root.String() || lines[3] != "zkai-previous-size 3" || lines[4] != "" {
		t.Errorf("checkpoint text %q", n.Text)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != "test-log" {
		t.Errorf("signatures %+v", n.Sigs)
	}
	// Another key, another origin: rejected.
	other := newTestKey(t, "test-log")
	if _, err := OpenCheckpoint(msg, l.Origin(), other.Verifier()); err == nil {
		t.Error("checkpoint verified with another key of the same name")
	}
	forged, _ := SignCheckpoint(Checkpoint{Origin: l.Origin(), Size: 5, Hash: root}, other.Signer())
	if _, err := OpenCheckpoint(forged.Note, l.Origin(), l.Verifier()); err == nil {
		t.Error("checkpoint signed by another key accepted")
	}
	if _, err := OpenCheckpoint(msg, "example.com/other-log", l.Verifier()); err == nil || !strings.Contains(err.Error(), "origin") {
		t.Errorf("wrong origin: %v", err)
	}
}

func TestAuditDetectsTampering(t *testing.T) {
	const n = 12
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, dir string, l *Log)
		want   string
	}{
		{"edit entry", func(t *testing.T, dir string, l *Log) {
			b, _ := os.ReadFile(filepath.Join(dir, "entries"))
			i := bytes.Index(b, []byte(`"version":"4"`))
			b[i+len(`"version":"`)] = '7'
			os.WriteFile(filepath.Join(dir, "entries"), b, 0o644)
		}, "entry 4: entry: signature"},
		{"edit entry and re-sign with a submitter key", func(t *testing.T, dir string, l *Log) {
			e5 := modelEntry(t, newTestKey(t, "mallory"), 5)
			replaceEntry(t, dir, l, 5, e5)
		}, "entry 5: stored leaf hash differs"},
		{"delete entry", func(t *testing.T, dir string, l *Log) {
			e3, _ := l.Entry(3, n)
			b, _ := os.ReadFile(filepath.Join(dir, "entries"))
			b = bytes.Replace(b, append(e3, '\n'), nil, 1)
			os.WriteFile(filepath.Join(dir, "entries"), b, 0o644)
		}, "entry 3"},
		{"delete entry and fix offsets", func(t *testing.T, dir string, l *Log) {
			var es [][]byte
			for i := int64(0); i < n; i++ {
				if i != 6 {
					e, _ := l.Entry(i, n)
					es = append(es, e)
				}
			}
			es = append(es, modelEntry(t, newTestKey(t, "x"), 99))
			rewriteEntries(t, dir, es)
		}, "entry 6: stored leaf hash differs"},
		{"reorder entries", func(t *testing.T, dir string, l *Log) {
			var es [][]byte
			for i := int64(0); i < n; i++ {
				e, _ := l.Entry(i, n)
				es = append(es, e)
			}
			es[7], es[8] = es[8], es[7]
			rewriteEntries(t, dir, es)
		}, "entry 7: stored leaf hash differs"},
		{"edit stored hash", func(t *testing.T, dir string, l *Log) {
			b, _ := os.ReadFile(filepath.Join(dir, "hashes"))
			b[tlog.StoredHashIndex(0, 9)*32] ^= 1
			os.WriteFile(filepath.Join(dir, "hashes"), b, 0o644)
		}, "entry 9: stored leaf hash differs"},
		{"rewrite history and recompute hashes", func(t *testing.T, dir string, l *Log) {
			var es [][]byte
			for i := int64(0); i < n; i++ {
				e, _ := l.Entry(i, n)
				es = append(es, e)
			}
			es[2], es[3] = es[3], es[2]
			rewriteEntries(t, dir, es)
			var hs []tlog.Hash
			r := memHashes{}
			for i, e := range es {
				h, _ := tlog.StoredHashes(int64(i), e, &r)
				r = append(r, h...)
				hs = append(hs, h...)
			}
			var hb []byte
			for _, h := range hs {
				hb = append(hb, h[:]...)
			}
			os.WriteFile(filepath.Join(dir, "hashes"), hb, 0o644)
		}, "latest checkpoint's root"},
		{"archived checkpoint signed by another key", func(t *testing.T, dir string, l *Log) {
			h, _ := l.TreeHash(6)
			forged, _ := SignCheckpoint(Checkpoint{Origin: l.Origin(), Size: 6, Hash: h}, newTestKey(t, "test-log").Signer())
			os.WriteFile(filepath.Join(dir, "checkpoints", archiveName(6)), forged.Note, 0o644)
		}, "archived checkpoint 6"},
		{"latest checkpoint signed by another key", func(t *testing.T, dir string, l *Log) {
			cp, _ := l.Checkpoint()
			forged, _ := SignCheckpoint(cp.Checkpoint, newTestKey(t, "test-log").Signer())
			os.WriteFile(filepath.Join(dir, "checkpoint"), forged.Note, 0o644)
		}, "latest checkpoint"},
		{"rolled back checkpoint", func(t *testing.T, dir string, l *Log) {
			old, _ := os.ReadFile(filepath.Join(dir, "checkpoints", archiveName(6)))
			os.WriteFile(filepath.Join(dir, "checkpoint"), old, 0o644)
		}, "past the latest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, _, dir := buildLog(t, n)
			if _, err := l.Audit(); err != nil {
				t.Fatalf("audit before tampering: %v", err)
			}
			c.tamper(t, dir, l)
			_, err := l.Audit()
			var ae *AuditError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("audit = %v, want an *AuditError containing %q", err, c.want)
			}
		})
	}
}

// replaceEntry replaces entry i in storage, fixing the offsets.
func replaceEntry(t *testing.T, dir string, l *Log, i int64, e []byte) {
	size, _ := l.Size()
	var es [][]byte
	for j := int64(0); j < size; j++ {
		ej, _ := l.Entry(j, size)
		es = append(es, ej)
	}
	es[i] = e
	rewriteEntries(t, dir, es)
}

func rewriteEntries(t *testing.T, dir string, es [][]byte) {
	var data, offs []byte
	for _, e := range es {
		data = append(append(data, e...), '\n')
		offs = binary.BigEndian.AppendUint64(offs, uint64(len(data)))
	}
	if err := os.WriteFile(filepath.Join(dir, "entries"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "offsets"), offs, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAppendRejectsBadEntries(t *testing.T) {
	l, key, _ := newTestLog(t)
	good := modelEntry(t, key, 1)
	bad := bytes.Replace(good, []byte(`"mnist"`), []byte(`"mnisT"`), 1)
	if _, _, err := l.Append(good, bad); err == nil || !strings.Contains(err.Error(), "entry 1") {
		t.Fatalf("Append(bad) = %v", err)
	}
	if n, _ := l.Size(); n != 0 {
		t.Fatalf("size %d after a rejected batch", n)
	}
	ro, _ := Open(l.dir, nil)
	if _, _, err := ro.Append(good); err == nil {
		t.Fatal("read-only log appended")
	}
	if _, err := Open(l.dir, newTestKey(t, "test-log")); err == nil {
		t.Fatal("opened for writing with another key")
	}
	if _, err := Init(l.dir, key, ""); err == nil {
		t.Fatal("Init over an existing log")
	}
}

func TestInterruptedAppendIsDiscarded(t *testing.T) {
	l, key, dir := buildLog(t, 6)
	// A writer that died after writing data but before publishing.
	for _, f := range []string{"entries", "offsets", "hashes"} {
		fh, _ := os.OpenFile(filepath.Join(dir, f), os.O_APPEND|os.O_WRONLY, 0)
		fh.Write([]byte("partial garbage"))
		fh.Close()
	}
	if _, err := l.Audit(); err != nil {
		t.Fatalf("audit with a torn tail: %v", err)
	}
	appendN(t, l, key, 6, 3)
	rep, err := l.Audit()
	if err != nil || rep.Size != 9 {
		t.Fatalf("audit after recovery: %v %+v", err, rep)
	}
}

func TestConcurrentAppenders(t *testing.T) {
	l, key, dir := newTestLog(t)
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			lw := l
			if w%2 == 1 { // a separate handle, as another process would have
				var err error
				if lw, err = Open(dir, key); err != nil {
					errs <- err
					return
				}
			}
			sub := newTestKey(t, "writer")
			for i := 0; i < each; i++ {
				first, cp, err := lw.Append(modelEntry(t, sub, w*1000+i))
				if err != nil {
					errs <- err
					return
				}
				if first >= cp.Size {
					errs <- errors.New("checkpoint does not cover the appended entry")
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep, err := l.Audit()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != writers*each || rep.Checkpoints != writers*each+1 {
		t.Fatalf("report %+v", rep)
	}
}

// snapshot reads every file of a log directory (the lock file aside).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "lock" {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed", p)
		}
	}
}

// Regression (issue 8 item 10): with the latest checkpoint rolled back to an
// archived one, an append used to truncate committed entries, overwrite
// archived checkpoints and sign a forked tree that audit then passed.
func TestAppendRefusesRolledBackLog(t *testing.T) {
	l, key, dir := buildLog(t, 12) // checkpoints 0 1 3 6 10 12
	old, err := os.ReadFile(filepath.Join(dir, "checkpoints", archiveName(6)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	_, _, err = l.Append(modelEntry(t, key, 100))
	if !errors.Is(err, ErrRolledBack) || !strings.Contains(err.Error(), "archived checkpoint of size 12 is past the latest checkpoint's 6") {
		t.Fatalf("append to a rolled-back log: %v, want ErrRolledBack naming sizes 12 and 6", err)
	}
	sameSnapshot(t, before, snapshot(t, dir))
	if _, err := l.Audit(); err == nil || !strings.Contains(err.Error(), "past the latest checkpoint's 6 (log rolled back?)") {
		t.Fatalf("audit of the rolled-back log: %v", err)
	}
}

// An archived checkpoint is never replaced: one of the latest's size with
// other content (a second signed tree of that size) stops the append.
func TestAppendRefusesConflictingArchive(t *testing.T) {
	l, key, dir := buildLog(t, 6)
	var other tlog.Hash
	other[0] = 7
	forged, err := SignCheckpoint(Checkpoint{Origin: l.Origin(), Size: 6, Hash: other}, key.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoints", archiveName(6)), forged.Note, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	if _, _, err := l.Append(modelEntry(t, key, 100)); !errors.Is(err, ErrStorageMismatch) || !strings.Contains(err.Error(), "archived checkpoint of size 6 differs") {
		t.Fatalf("append over a conflicting archive: %v", err)
	}
	sameSnapshot(t, before, snapshot(t, dir))
}

// Regression (issue 8 item 11): one flipped byte of the hashes file made
// the log key sign a root inconsistent with the checkpoint before; and an
// offset pointing into the last entry made an append truncate it.
func TestAppendChecksStorageAgainstCheckpoint(t *testing.T) {
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"flipped byte of the last stored hash", func(t *testing.T, dir string) {
			// For 12 entries the last stored hash is the node over entries
			// 8..11, which the next append's root is built on.
			flipByte(t, filepath.Join(dir, "hashes"), tlog.StoredHashCount(12)*32-1)
		}, "the stored hashes give the root"},
		{"last offset inside the last entry", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "offsets"), 12*8-1)
		}, "the last entry is not at offsets"},
		{"last entry edited", func(t *testing.T, dir string) {
			st, _ := os.Stat(filepath.Join(dir, "entries"))
			flipByte(t, filepath.Join(dir, "entries"), st.Size()-10)
		}, "the last stored entry is not entry 11 of the signed tree"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, key, dir := buildLog(t, 12)
			c.tamper(t, dir)
			before := snapshot(t, dir)
			_, _, err := l.Append(modelEntry(t, key, 100))
			if !errors.Is(err, ErrStorageMismatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("append = %v, want ErrStorageMismatch containing %q", err, c.want)
			}
			sameSnapshot(t, before, snapshot(t, dir))
		})
	}
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Regression (issue 8 item 14): audit did not notice an archived checkpoint
// deleted from the archive.
func TestAuditReportsMissingArchivedCheckpoints(t *testing.T) {
	for _, c := range []struct {
		size int64
		want string
	}{
		{6, "archived checkpoint of size 6, published before the one of size 10, is missing"},
		{10, "archived checkpoint of size 10, published before the one of size 15, is missing"},
		{0, "size 0) is missing"},
	} {
		l, _, dir := buildLog(t, 15) // checkpoints 0 1 3 6 10 15
		if err := os.Remove(filepath.Join(dir, "checkpoints", archiveName(c.size))); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Audit(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("audit without archived checkpoint %d: %v, want %q", c.size, err, c.want)
		}
	}
}

// Regression (issue 8 item 14): temporary files of a killed writer were
// never removed, and the public files were written 0600.
func TestTempFilesRemovedAndPublicModes(t *testing.T) {
	l, key, dir := buildLog(t, 3)
	left := []string{filepath.Join(dir, ".checkpoint.tmp123"), filepath.Join(dir, "checkpoints", "."+archiveName(4)+".tmp9")}
	for _, p := range left {
		if err := os.WriteFile(p, []byte("torn"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	appendN(t, l, key, 3, 1)
	for _, p := range left {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after an append: %v", p, err)
		}
	}
	for _, f := range []string{"log.json", "checkpoint", filepath.Join("checkpoints", archiveName(0)), filepath.Join("checkpoints", archiveName(4))} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644 (public)", f, st.Mode().Perm())
		}
	}
}

func TestScanProven(t *testing.T) {
	l, _, dir := buildLog(t, 23)
	sizes, _ := l.Checkpoints()
	for _, size := range sizes {
		cp, _ := l.CheckpointAt(size)
		var seen int64
		if err := l.ScanProven(cp.Checkpoint, func(i int64, _ []byte) error { seen++; return nil }); err != nil || seen != size {
			t.Fatalf("ScanProven of size %d: %v after %d entries", size, err, seen)
		}
	}
	// An entry edited in storage (offsets fixed) no longer gives the root.
	replaceEntry(t, dir, l, 17, modelEntry(t, newTestKey(t, "mallory"), 17))
	cp, _ := l.Checkpoint()
	if err := l.ScanProven(cp.Checkpoint, func(int64, []byte) error { return nil }); !errors.Is(err, ErrStorageMismatch) || !strings.Contains(err.Error(), "its entries give the root") {
		t.Fatalf("ScanProven of an edited log: %v", err)
	}
}
