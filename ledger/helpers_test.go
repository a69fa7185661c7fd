package ledger

import (
	"fmt"
	"testing"
	"time"
)

var testTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newTestKey(t testing.TB, name string) *Key {
	t.Helper()
	skey, _, err := GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newTestLog(t testing.TB) (*Log, *Key, string) {
	t.Helper()
	key := newTestKey(t, "test-log")
	dir := t.TempDir()
	l, err := Init(dir, key, "example.com/zkai-test")
	if err != nil {
		t.Fatal(err)
	}
	return l, key, dir
}

func modelEntry(t testing.TB, key *Key, i int) []byte {
	t.Helper()
	b, err := NewEntry(&Model{Name: "mnist", Version: fmt.Sprint(i), WeightCommitment: fmt.Sprintf("0x%064x", i)}, key, testTime.Add(time.Duration(i)*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func appendN(t testing.TB, l *Log, key *Key, from, n int) SignedCheckpoint {
	t.Helper()
	var es [][]byte
	for i := from; i < from+n; i++ {
		es = append(es, modelEntry(t, key, i))
	}
	_, cp, err := l.Append(es...)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}
