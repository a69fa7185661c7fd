package ledger

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/zkai-dev/zkai/internal/atomicfile"
)

// Files of a log directory, format version 1:
//
//	log.json          {"format":"zkai-ledger/1","origin":…,"verifier_key":…}
//	entries           the stored entries, each followed by "\n" (canonical
//	                  JSON has no raw newline)
//	offsets           8-byte big-endian end offset in entries of each entry
//	hashes            the tlog stored hashes, 32 bytes each, in
//	                  tlog.StoredHashIndex order (append-only)
//	checkpoint        the latest signed checkpoint
//	checkpoints/N     every published checkpoint, by tree size (20 digits),
//	                  created exclusively: never replaced
//	lock              flock'd by a writer
//
// Every file is public (mode 0644): the log's secret is its key, kept
// elsewhere. The latest checkpoint is the commit point: a writer appends to
// entries, offsets and hashes, fsyncs them, then publishes (and archives)
// the signed checkpoint by atomic rename. Anything past the checkpoint's
// size is an interrupted append; the next writer truncates it, and readers
// never look past the checkpoint. Temporary files (".NAME.tmp…") left by a
// killed writer are removed by the next one.
//
// A writer signs only a tree that extends the latest signed one: before
// appending it checks that no archived checkpoint is past the latest (a
// rolled-back or restored log, whose next append would rewrite history),
// that the stored hashes give the latest checkpoint's root, and that the
// last stored entry is included under it (so the offsets and entries it
// truncates to are the signed ones).
const (
	formatName     = "zkai-ledger/1"
	configFile     = "log.json"
	entriesFile    = "entries"
	offsetsFile    = "offsets"
	hashesFile     = "hashes"
	checkpointFile = "checkpoint"
	archiveDir     = "checkpoints"
	lockFile       = "lock"
)

type config struct {
	Format      string `json:"format"`
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
}

// A Log is an append-only Merkle log stored in a directory. It is safe for
// concurrent use by goroutines and, through a lock file, by processes.
type Log struct {
	dir      string
	origin   string
	vkey     string
	verifier note.Verifier
	signer   note.Signer // nil for a read-only log

	mu sync.Mutex
}

// Init creates a log in dir (which must not hold one), signed by key, with
// the given checkpoint origin (the key's name if empty), and publishes the
// checkpoint of the empty tree.
func Init(dir string, key *Key, origin string) (*Log, error) {
	if origin == "" {
		origin = key.Name()
	}
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, configFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a log", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, archiveDir), 0o755); err != nil {
		return nil, err
	}
	cfg, _ := json.MarshalIndent(config{formatName, origin, key.VerifierKey()}, "", "  ")
	if err := atomicfile.Write(filepath.Join(dir, configFile), append(cfg, '\n'), 0o644); err != nil {
		return nil, err
	}
	for _, f := range []string{entriesFile, offsetsFile, hashesFile, lockFile} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			return nil, err
		}
	}
	l, err := Open(dir, key)
	if err != nil {
		return nil, err
	}
	if err := l.publish(Checkpoint{Origin: origin, Size: 0, Hash: tlog.Hash(emptyRoot())}); err != nil {
		return nil, err
	}
	return l, nil
}

func checkOrigin(o string) error {
	if o == "" || len(o) > 256 {
		return errors.New("origin must be 1 to 256 bytes")
	}
	for _, r := range o {
		if r <= ' ' || r == 0x7f || r == '+' {
			return fmt.Errorf("origin %q: no spaces, control characters or '+'", o)
		}
	}
	return nil
}

// Open opens the log in dir. With a nil key it is read-only; otherwise key
// must be the log's key.
func Open(dir string, key *Key) (*Log, error) {
	b, err := os.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s holds no log (run 'zkai ledger init')", dir)
		}
		return nil, err
	}
	var cfg config
	if err := strictUnmarshal(b, &cfg); err != nil || cfg.Format != formatName {
		return nil, fmt.Errorf("%s: not a %s log configuration", filepath.Join(dir, configFile), formatName)
	}
	v, err := note.NewVerifier(cfg.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("log verifier key: %w", err)
	}
	l := &Log{dir: dir, origin: cfg.Origin, vkey: cfg.VerifierKey, verifier: v}
	if key != nil {
		if key.VerifierKey() != cfg.VerifierKey {
			return nil, fmt.Errorf("the key %s is not this log's key %s", key.VerifierKey(), cfg.VerifierKey)
		}
		l.signer = key.Signer()
	}
	return l, nil
}

// Origin returns the log's checkpoint origin.
func (l *Log) Origin() string { return l.origin }

// VerifierKey returns the log's checkpoint verifier key.
func (l *Log) VerifierKey() string { return l.vkey }

// Verifier returns the log's checkpoint verifier.
func (l *Log) Verifier() note.Verifier { return l.verifier }

func (l *Log) path(name string) string { return filepath.Join(l.dir, name) }

// Checkpoint returns the latest published checkpoint, verified.
func (l *Log) Checkpoint() (SignedCheckpoint, error) {
	b, err := os.ReadFile(l.path(checkpointFile))
	if err != nil {
		return SignedCheckpoint{}, err
	}
	return OpenCheckpoint(b, l.origin, l.verifier)
}

// CheckpointAt returns the archived checkpoint of the given tree size.
func (l *Log) CheckpointAt(size int64) (SignedCheckpoint, error) {
	b, err := os.ReadFile(filepath.Join(l.dir, archiveDir, archiveName(size)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return SignedCheckpoint{}, fmt.Errorf("no checkpoint of size %d was published", size)
		}
		return SignedCheckpoint{}, err
	}
	c, err := OpenCheckpoint(b, l.origin, l.verifier)
	if err == nil && c.Size != size {
		err = fmt.Errorf("archived checkpoint %s has size %d", archiveName(size), c.Size)
	}
	return c, err
}

// Checkpoints lists the sizes of all archived checkpoints, ascending.
func (l *Log) Checkpoints() ([]int64, error) {
	des, err := os.ReadDir(filepath.Join(l.dir, archiveDir))
	if err != nil {
		return nil, err
	}
	var sizes []int64
	for _, de := range des {
		n, err := strconv.ParseInt(de.Name(), 10, 64)
		if err == nil && archiveName(n) == de.Name() {
			sizes = append(sizes, n)
		}
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	return sizes, nil
}

func archiveName(size int64) string { return fmt.Sprintf("%020d", size) }

// fileHashReader reads stored hashes from the hashes file, and those at or
// past len(file) from pending.
type fileHashReader struct {
	f       *os.File
	base    int64 // number of hashes in the file
	pending []tlog.Hash
}

func (r *fileHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= r.base {
			if x-r.base >= int64(len(r.pending)) {
				return nil, fmt.Errorf("stored hash %d not written", x)
			}
			out[i] = r.pending[x-r.base]
			continue
		}
		if _, err := r.f.ReadAt(out[i][:], x*tlog.HashSize); err != nil {
			return nil, fmt.Errorf("read stored hash %d: %w", x, err)
		}
	}
	return out, nil
}

// reader opens the hashes file for a tree of size n.
func (l *Log) reader(n int64) (*fileHashReader, func(), error) {
	f, err := os.Open(l.path(hashesFile))
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if need := tlog.StoredHashCount(n) * tlog.HashSize; st.Size() < need {
		f.Close()
		return nil, nil, fmt.Errorf("hashes file holds %d bytes, the tree of size %d needs %d", st.Size(), n, need)
	}
	return &fileHashReader{f: f, base: tlog.StoredHashCount(n)}, func() { f.Close() }, nil
}

// Append adds entries to the log, after parsing and verifying each with
// [ParseEntry], and returns once they are durable and covered by a newly
// published checkpoint: the index of the first and that checkpoint.
func (l *Log) Append(entries ...[]byte) (first int64, cp SignedCheckpoint, err error) {
	return l.appendAt(-1, entries)
}

// ErrSizeChanged reports that [Log.AppendAt] found the log grown past the
// size its caller checked.
var ErrSizeChanged = errors.New("the log grew since it was read")

// AppendAt is [Log.Append] only if the log still holds size entries, else
// ErrSizeChanged: a caller that checked the log before appending (a registry
// refusing a duplicate version) re-checks and retries instead of racing
// another writer.
func (l *Log) AppendAt(size int64, entries ...[]byte) (first int64, cp SignedCheckpoint, err error) {
	if size < 0 {
		return 0, SignedCheckpoint{}, fmt.Errorf("negative log size %d", size)
	}
	return l.appendAt(size, entries)
}

// appendAt appends if the log holds expect entries, or whatever it holds
// if expect < 0.
func (l *Log) appendAt(expect int64, entries [][]byte) (first int64, cp SignedCheckpoint, err error) {
	if l.signer == nil {
		return 0, SignedCheckpoint{}, errors.New("log opened read-only: appending needs the log key")
	}
	if len(entries) == 0 {
		return 0, SignedCheckpoint{}, errors.New("nothing to append")
	}
	for i, e := range entries {
		if _, err := ParseEntry(e); err != nil {
			return 0, SignedCheckpoint{}, fmt.Errorf("entry %d: %w", i, err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	unlock, err := l.lock()
	if err != nil {
		return 0, SignedCheckpoint{}, err
	}
	defer unlock()
	l.removeTemps()

	cur, err := l.Checkpoint()
	if err != nil {
		return 0, SignedCheckpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	n := cur.Size
	if expect >= 0 && n != expect {
		return 0, SignedCheckpoint{}, fmt.Errorf("%w: %d entries, expected %d", ErrSizeChanged, n, expect)
	}
	if err := l.checkArchive(n); err != nil {
		return 0, SignedCheckpoint{}, err
	}
	ef, of, hf, closeAll, err := l.openForAppend(cur)
	if err != nil {
		return 0, SignedCheckpoint{}, err
	}
	defer closeAll()
	if err := l.archive(cur); err != nil {
		return 0, SignedCheckpoint{}, fmt.Errorf("archive the latest checkpoint: %w", err)
	}

	end, err := ef.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, SignedCheckpoint{}, err
	}
	r := &fileHashReader{f: hf, base: tlog.StoredHashCount(n)}
	var data, offs []byte
	for i, e := range entries {
		hs, err := tlog.StoredHashes(n+int64(i), e, r)
		if err != nil {
			return 0, SignedCheckpoint{}, err
		}
		r.pending = append(r.pending, hs...)
		data = append(append(data, e...), '\n')
		offs = binary.BigEndian.AppendUint64(offs, uint64(end)+uint64(len(data)))
	}
	var hb []byte
	for _, h := range r.pending {
		hb = append(hb, h[:]...)
	}
	for _, w := range []struct {
		f *os.File
		b []byte
	}{{ef, data}, {of, offs}, {hf, hb}} {
		if _, err := w.f.Write(w.b); err != nil {
			return 0, SignedCheckpoint{}, err
		}
		if err := w.f.Sync(); err != nil {
			return 0, SignedCheckpoint{}, err
		}
	}
	size := n + int64(len(entries))
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return 0, SignedCheckpoint{}, err
	}
	c := Checkpoint{Origin: l.origin, Size: size, Hash: root, Extensions: []string{previousLine(n)}}
	if err := l.publish(c); err != nil {
		return 0, SignedCheckpoint{}, err
	}
	cp, err = l.Checkpoint()
	return n, cp, err
}

// ErrRolledBack reports a log whose latest checkpoint is older than one it
// archived: rolled back, or restored from an older copy. Appending to it
// would sign a second history of the same sizes.
var ErrRolledBack = errors.New("the log was rolled back or restored from an older copy")

// checkArchive refuses a log with an archived checkpoint past the latest
// checkpoint's size n, and removes the temporary files a killed writer left
// in the archive (the caller holds the writers' lock). It reads the
// archive's names once, unsorted: archive names are fixed-width, so they
// compare as their sizes do.
func (l *Log) checkArchive(n int64) error {
	d, err := os.Open(filepath.Join(l.dir, archiveDir))
	if err != nil {
		return fmt.Errorf("checkpoint archive: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("checkpoint archive: %w", err)
	}
	latest, past := archiveName(n), int64(-1)
	for _, name := range names {
		if atomicfile.IsTemp(name) {
			os.Remove(filepath.Join(l.dir, archiveDir, name))
			continue
		}
		if len(name) == len(latest) && name > latest {
			if s, err := strconv.ParseInt(name, 10, 64); err == nil && archiveName(s) == name {
				past = max(past, s)
			}
		}
	}
	if past >= 0 {
		return fmt.Errorf("%w: archived checkpoint of size %d is past the latest checkpoint's %d; appending would rewrite history, so nothing was appended (run 'zkai ledger audit'; restore the latest checkpoint)", ErrRolledBack, past, n)
	}
	return nil
}

// ErrStorageMismatch reports stored hashes, offsets or entries that do not
// give the tree of the latest signed checkpoint: the writer refuses to sign
// anything on top of them.
var ErrStorageMismatch = errors.New("the log's storage does not match its latest signed checkpoint")

// openForAppend opens the data files for appending to the tree of cur,
// after checking that they hold that tree (see [ErrStorageMismatch]), and
// truncates what an interrupted append left past it.
func (l *Log) openForAppend(cur SignedCheckpoint) (ef, of, hf *os.File, closeAll func(), err error) {
	var files []*os.File
	closeAll = func() {
		for _, f := range files {
			f.Close()
		}
	}
	open := func(name string) *os.File {
		if err != nil {
			return nil
		}
		var f *os.File
		f, err = os.OpenFile(l.path(name), os.O_RDWR, 0)
		if f != nil {
			files = append(files, f)
		}
		return f
	}
	ef, of, hf = open(entriesFile), open(offsetsFile), open(hashesFile)
	if err == nil {
		err = checkTip(cur.Checkpoint, ef, of, hf)
	}
	if err != nil {
		closeAll()
		return nil, nil, nil, nil, err
	}
	n := cur.Size
	var entriesEnd int64
	if n > 0 {
		var b [8]byte
		if _, err := of.ReadAt(b[:], (n-1)*8); err != nil {
			closeAll()
			return nil, nil, nil, nil, err
		}
		entriesEnd = int64(binary.BigEndian.Uint64(b[:]))
	}
	for _, t := range []struct {
		f    *os.File
		size int64
	}{{ef, entriesEnd}, {of, n * 8}, {hf, tlog.StoredHashCount(n) * tlog.HashSize}} {
		st, err := t.f.Stat()
		if err == nil && st.Size() < t.size {
			err = fmt.Errorf("%s holds %d bytes, the checkpoint's tree needs %d", t.f.Name(), st.Size(), t.size)
		}
		if err == nil && st.Size() > t.size {
			err = t.f.Truncate(t.size)
		}
		if err == nil {
			_, err = t.f.Seek(t.size, io.SeekStart)
		}
		if err != nil {
			closeAll()
			return nil, nil, nil, nil, err
		}
	}
	return ef, of, hf, closeAll, nil
}

// checkTip checks, in O(log n) reads, that the stored hashes give the root
// of cp (so the tree an append computes from them extends the signed one)
// and that the last entry, framed by the offsets, is included under it (so
// what an append truncates to is the signed tree's end).
func checkTip(cp Checkpoint, ef, of, hf *os.File) error {
	n := cp.Size
	if n == 0 {
		return nil
	}
	mismatch := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s; nothing was appended (run 'zkai ledger audit')", ErrStorageMismatch, fmt.Sprintf(format, args...))
	}
	st, err := hf.Stat()
	if err != nil {
		return err
	}
	if need := tlog.StoredHashCount(n) * tlog.HashSize; st.Size() < need {
		return mismatch("the hashes file holds %d bytes, the tree of size %d needs %d", st.Size(), n, need)
	}
	r := &fileHashReader{f: hf, base: tlog.StoredHashCount(n)}
	root, err := tlog.TreeHash(n, r)
	if err != nil {
		return mismatch("%v", err)
	}
	if root != cp.Hash {
		return mismatch("the stored hashes give the root %s, the checkpoint of size %d says %s", root, n, cp.Hash)
	}
	var b [16]byte
	at, buf := (n-2)*8, b[:]
	if n == 1 {
		at, buf = 0, b[8:]
	}
	if _, err := of.ReadAt(buf, at); err != nil {
		return mismatch("the offsets file is shorter than %d entries", n)
	}
	start, end := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	if end <= start || end-start > MaxEntrySize+1 {
		return mismatch("corrupt offsets [%d, %d) of the last entry", start, end)
	}
	rec := make([]byte, end-start)
	if _, err := ef.ReadAt(rec, int64(start)); err != nil || rec[len(rec)-1] != '\n' {
		return mismatch("the last entry is not at offsets [%d, %d) of the entries file", start, end)
	}
	proof, err := tlog.ProveRecord(n, n-1, r)
	if err == nil {
		err = tlog.CheckRecord(proof, n, cp.Hash, n-1, tlog.RecordHash(rec[:len(rec)-1]))
	}
	if err != nil {
		return mismatch("the last stored entry is not entry %d of the signed tree: %v", n-1, err)
	}
	return nil
}

// previousPrefix starts the checkpoint extension line naming the size of
// the checkpoint published before it, so that an audit can tell which
// archived checkpoints are missing.
const previousPrefix = "zkai-previous-size "

func previousLine(size int64) string { return previousPrefix + strconv.FormatInt(size, 10) }

// previousSize returns the size of the checkpoint c names as published
// before it; ok is false for the empty tree's checkpoint and for those
// written before the extension existed.
func previousSize(c Checkpoint) (size int64, ok bool, err error) {
	for _, e := range c.Extensions {
		if v, found := strings.CutPrefix(e, previousPrefix); found {
			size, err = strconv.ParseInt(v, 10, 64)
			if err != nil || size < 0 || size >= c.Size || previousLine(size) != e {
				return 0, false, fmt.Errorf("checkpoint of size %d: malformed extension %q", c.Size, e)
			}
			return size, true, nil
		}
	}
	return 0, false, nil
}

// publish signs c, makes it the latest checkpoint, then archives it. The
// rename of the latest checkpoint is the one commit point: archiving first
// would let a writer killed in between leave a signed archived checkpoint
// past the latest, indistinguishable from a rolled-back log. Killed after
// the rename instead, it leaves the latest unarchived, which the next
// writer archives (see archive).
func (l *Log) publish(c Checkpoint) error {
	sc, err := SignCheckpoint(c, l.signer)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(l.path(checkpointFile), sc.Note, 0o644); err != nil {
		return err
	}
	return l.archive(sc)
}

// archive archives cp unless it already is. An archived checkpoint is never
// replaced: one of the same size with other content is an error (two signed
// trees of one size, or a forged archive).
func (l *Log) archive(cp SignedCheckpoint) error {
	path := filepath.Join(l.dir, archiveDir, archiveName(cp.Size))
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		err = atomicfile.Create(path, cp.Note, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		old, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(old, cp.Note) {
		return fmt.Errorf("%w: the archived checkpoint of size %d differs from the one being archived; nothing was appended (run 'zkai ledger audit')", ErrStorageMismatch, cp.Size)
	}
	return nil
}

// removeTemps removes the temporary files a killed writer left in the log
// directory (checkArchive does the archive's). The caller holds the
// writers' lock, so no writer of this log is using them.
func (l *Log) removeTemps() {
	des, _ := os.ReadDir(l.dir)
	for _, de := range des {
		if de.Type().IsRegular() && atomicfile.IsTemp(de.Name()) {
			os.Remove(l.path(de.Name()))
		}
	}
}

// lock takes the writers' lock file.
func (l *Log) lock() (func(), error) {
	f, err := os.OpenFile(l.path(lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func emptyRoot() tlog.Hash {
	h, _ := tlog.TreeHash(0, nil)
	return h
}

// Size returns the size of the tree of the latest checkpoint.
func (l *Log) Size() (int64, error) {
	c, err := l.Checkpoint()
	return c.Size, err
}

// Entry returns the stored bytes of entry i of a tree of the given size.
func (l *Log) Entry(i, size int64) ([]byte, error) {
	if i < 0 || i >= size {
		return nil, fmt.Errorf("index %d out of range for a tree of size %d", i, size)
	}
	of, err := os.Open(l.path(offsetsFile))
	if err != nil {
		return nil, err
	}
	defer of.Close()
	var b [16]byte
	start, endOff := int64(0), (i-1)*8
	buf := b[:16]
	if i == 0 {
		endOff, buf = 0, b[8:16]
	}
	if _, err := of.ReadAt(buf, endOff); err != nil {
		return nil, fmt.Errorf("offsets of entry %d: %w", i, err)
	}
	if i > 0 {
		start = int64(binary.BigEndian.Uint64(b[:8]))
	}
	end := int64(binary.BigEndian.Uint64(b[8:]))
	if end <= start || end-start > MaxEntrySize+1 {
		return nil, fmt.Errorf("entry %d: corrupt offsets [%d, %d)", i, start, end)
	}
	ef, err := os.Open(l.path(entriesFile))
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	data := make([]byte, end-start)
	if _, err := ef.ReadAt(data, start); err != nil {
		return nil, fmt.Errorf("entry %d: %w", i, err)
	}
	if data[len(data)-1] != '\n' {
		return nil, fmt.Errorf("entry %d: record not newline-terminated", i)
	}
	return data[:len(data)-1], nil
}

// InclusionProof proves that entry i is in the tree of the given size.
func (l *Log) InclusionProof(i, size int64) (tlog.RecordProof, error) {
	if i < 0 || i >= size {
		return nil, fmt.Errorf("index %d out of range for a tree of size %d", i, size)
	}
	r, done, err := l.reader(size)
	if err != nil {
		return nil, err
	}
	defer done()
	return tlog.ProveRecord(size, i, r)
}

// ConsistencyProof proves that the tree of size oldSize is a prefix of the
// tree of size newSize.
func (l *Log) ConsistencyProof(oldSize, newSize int64) (tlog.TreeProof, error) {
	if oldSize < 0 || oldSize > newSize {
		return nil, fmt.Errorf("cannot prove consistency from size %d to %d", oldSize, newSize)
	}
	if oldSize == 0 || oldSize == newSize {
		return tlog.TreeProof{}, nil
	}
	r, done, err := l.reader(newSize)
	if err != nil {
		return nil, err
	}
	defer done()
	return tlog.ProveTree(newSize, oldSize, r)
}

// TreeHash returns the root hash of the tree of the given size, from storage.
func (l *Log) TreeHash(size int64) (tlog.Hash, error) {
	r, done, err := l.reader(size)
	if err != nil {
		return tlog.Hash{}, err
	}
	defer done()
	return tlog.TreeHash(size, r)
}

// Scan calls fn with the index and stored bytes of entries [from, size) of
// the tree of the given size, in order, reading storage sequentially (one
// [Log.Entry] per entry would open and seek the files each time). It checks
// the framing but not the entries: fn parses or hashes what it needs. The
// entry slice is reused after fn returns.
func (l *Log) Scan(from, size int64, fn func(i int64, entry []byte) error) error {
	if from < 0 || from > size {
		return fmt.Errorf("cannot scan entries [%d, %d)", from, size)
	}
	if from == size {
		return nil
	}
	of, err := os.Open(l.path(offsetsFile))
	if err != nil {
		return err
	}
	defer of.Close()
	offs := make([]byte, (size-from+1)*8)
	if from == 0 {
		_, err = of.ReadAt(offs[8:], 0) // entry 0 starts at offset 0
	} else {
		_, err = of.ReadAt(offs, (from-1)*8)
	}
	if err != nil {
		return fmt.Errorf("offsets of entries [%d, %d): %w", from, size, err)
	}
	ef, err := os.Open(l.path(entriesFile))
	if err != nil {
		return err
	}
	defer ef.Close()
	start := binary.BigEndian.Uint64(offs)
	r := bufio.NewReaderSize(io.NewSectionReader(ef, int64(start), 1<<62), 1<<20)
	var buf []byte
	for i := from; i < size; i++ {
		end := binary.BigEndian.Uint64(offs[(i-from+1)*8:])
		if end <= start || end-start > MaxEntrySize+1 {
			return fmt.Errorf("entry %d: corrupt offsets [%d, %d)", i, start, end)
		}
		n := int(end - start)
		start = end
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		rec := buf[:n]
		if _, err := io.ReadFull(r, rec); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		if rec[n-1] != '\n' {
			return fmt.Errorf("entry %d: record not newline-terminated", i)
		}
		if err := fn(i, rec[:n-1]); err != nil {
			return err
		}
	}
	return nil
}

// ScanProven calls fn with the index and stored bytes of every entry of the
// tree of cp, in order (as [Log.Scan]), and returns nil only if those
// entries give cp's root hash, recomputed as it reads them (keeping O(log n)
// hashes). fn sees the entries before that check: act on what it collected
// only once ScanProven returned nil. A caller that must not trust a cache
// (an index that may hide entries) reads the log this way.
func (l *Log) ScanProven(cp Checkpoint, fn func(i int64, entry []byte) error) error {
	var stack []tlog.Hash // roots of the complete subtrees so far, largest first
	err := l.Scan(0, cp.Size, func(i int64, e []byte) error {
		h := tlog.RecordHash(e)
		for k := i; k&1 == 1; k >>= 1 { // leaf i completes one subtree per trailing 1 bit
			h = tlog.NodeHash(stack[len(stack)-1], h)
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, h)
		return fn(i, e)
	})
	if err != nil {
		return err
	}
	root := emptyRoot()
	if len(stack) > 0 {
		root = stack[len(stack)-1]
		for j := len(stack) - 2; j >= 0; j-- {
			root = tlog.NodeHash(stack[j], root)
		}
	}
	if root != cp.Hash {
		return fmt.Errorf("%w: its entries give the root %s, the checkpoint of size %d says %s (run 'zkai ledger audit')", ErrStorageMismatch, root, cp.Size, cp.Hash)
	}
	return nil
}
