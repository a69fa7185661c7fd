package ledger

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash tests re-run this test binary as writer processes: with
// crashDirEnv set, TestCrashWriter appends to that log until killed or done.
const (
	crashDirEnv   = "ZKAI_LEDGER_CRASH_DIR"
	crashCountEnv = "ZKAI_LEDGER_CRASH_COUNT" // appends before exiting; 0: until killed
	crashKeyFile  = "test.key"
)

// TestCrashWriter is the writer process, not a test of its own: it appends
// batches of 1 to 3 entries and prints "ack INDEX LEAFHASH" for each entry
// once Append has returned, i.e. once the entry is acknowledged.
func TestCrashWriter(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as a writer process of the crash tests")
	}
	skey, err := os.ReadFile(filepath.Join(dir, crashKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseKey(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	count, _ := strconv.Atoi(os.Getenv(crashCountEnv))
	for i := 0; count == 0 || i < count; {
		var batch [][]byte
		for range 1 + i%3 {
			batch = append(batch, modelEntry(t, key, os.Getpid()*100000+i))
			i++
		}
		first, _, err := l.Append(batch...)
		if err != nil {
			t.Fatal(err)
		}
		for k, e := range batch {
			fmt.Printf("ack %d %s\n", first+int64(k), base64.StdEncoding.EncodeToString(LeafHash(e)))
		}
	}
}

// writer is a running writer process and the entries it acknowledged.
type writer struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	acks map[int64]string // index → base64 leaf hash
	done chan struct{}    // closed when its output ends
	n    chan struct{}    // one token per ack
}

func startWriter(t *testing.T, dir string, count int) *writer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashCountEnv+"="+strconv.Itoa(count))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &writer{cmd: cmd, acks: map[int64]string{}, done: make(chan struct{}), n: make(chan struct{}, 1<<16)}
	go func() {
		defer close(w.done)
		s := bufio.NewScanner(out)
		for s.Scan() {
			f := strings.Fields(s.Text())
			if len(f) != 3 || f[0] != "ack" {
				continue
			}
			i, _ := strconv.ParseInt(f[1], 10, 64)
			w.mu.Lock()
			w.acks[i] = f[2]
			w.mu.Unlock()
			w.n <- struct{}{}
		}
		io.Copy(io.Discard, out)
	}()
	return w
}

// waitAcks waits for n acknowledgements.
func (w *writer) waitAcks(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for range n {
		select {
		case <-w.n:
		case <-timeout:
			t.Fatalf("writer acknowledged fewer than %d entries in 30 s", n)
		}
	}
}

func (w *writer) kill(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.done
	w.cmd.Wait()
}

// checkAcked checks that every acknowledged entry is in the log, at its
// index, and that the log audits.
func checkAcked(t *testing.T, l *Log, ws ...*writer) {
	t.Helper()
	rep, err := l.Audit()
	if err != nil {
		t.Fatalf("audit after the crash: %v", err)
	}
	seen := map[int64]bool{}
	for _, w := range ws {
		for i, leaf := range w.acks {
			if seen[i] {
				t.Errorf("index %d acknowledged to two writers", i)
			}
			seen[i] = true
			e, err := l.Entry(i, rep.Size)
			if err != nil {
				t.Fatalf("acknowledged entry %d lost: %v", i, err)
			}
			if got := base64.StdEncoding.EncodeToString(LeafHash(e)); got != leaf {
				t.Fatalf("entry %d is not the acknowledged one", i)
			}
		}
	}
}

// crashLog makes a log whose key the writer processes read from a file.
func crashLog(t *testing.T) (*Log, string) {
	t.Helper()
	skey, _, err := GenerateKey("test-log")
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := Init(dir, key, "example.com/zkai-crash-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, crashKeyFile), []byte(skey), 0o600); err != nil {
		t.Fatal(err)
	}
	return l, dir
}

// TestCrashSafety kills a writer with SIGKILL at random points of its
// append loop, three times over: no acknowledged entry may be lost, the
// log must audit, and the next writer must carry on from it.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	l, dir := crashLog(t)
	var ws []*writer
	for round := range 3 {
		w := startWriter(t, dir, 0)
		ws = append(ws, w)
		w.waitAcks(t, 10)
		// Land the kill anywhere in an append (a few fsyncs long).
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		w.kill(t)
		checkAcked(t, l, ws...)
		if len(w.acks) < 10 {
			t.Fatalf("round %d: %d acknowledgements", round, len(w.acks))
		}
	}
}

// TestConcurrentProcesses runs writer processes side by side, one of them
// killed midway: the log stays consistent and holds every acknowledged
// entry exactly once.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	const each = 30
	l, dir := crashLog(t)
	ws := []*writer{startWriter(t, dir, each), startWriter(t, dir, each), startWriter(t, dir, 0)}
	ws[2].waitAcks(t, 5)
	ws[2].kill(t)
	for _, w := range ws[:2] {
		<-w.done
		if err := w.cmd.Wait(); err != nil {
			t.Fatalf("writer: %v", err)
		}
		if len(w.acks) < each {
			t.Fatalf("writer acknowledged %d entries, want at least %d", len(w.acks), each)
		}
	}
	checkAcked(t, l, ws...)
	if n, _ := l.Size(); n < 2*each+5 {
		t.Fatalf("log holds %d entries", n)
	}
}

// A writer killed between publishing a checkpoint and archiving it: the log
// audits, and the next append archives the checkpoint.
func TestUnarchivedLatestCheckpoint(t *testing.T) {
	l, key, dir := buildLog(t, 4)
	if err := os.Remove(filepath.Join(dir, archiveDir, archiveName(4))); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Audit(); err != nil {
		t.Fatalf("audit: %v", err)
	}
	appendN(t, l, key, 4, 1)
	if _, err := l.CheckpointAt(4); err != nil {
		t.Fatalf("checkpoint 4 not archived by the next append: %v", err)
	}
	if _, err := l.ProveConsistency(4); err != nil {
		t.Fatal(err)
	}
}
