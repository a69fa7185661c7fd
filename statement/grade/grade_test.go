package grade

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/logger"
	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/proof"
)

func init() { logger.Disable() }

// The test key: 10 questions in leaves of 4 (the last leaf padded by 2),
// labels 0..5 (4-bit lanes); the answers get 6 right.
var (
	testKey     = []int{0, 1, 2, 3, 4, 5, 0, 1, 2, 3}
	testAnswers = []int{0, 1, 2, 0, 4, 0, 0, 5, 2, 1}
)

const testCorrect = 6

// commitKey commits key in leaves of perLeaf rows (0: zkai commit's
// default, at most 256).
func commitKey(t testing.TB, key []int, perLeaf int) (*datacommit.Commitment, *datacommit.Opening) {
	t.Helper()
	d, err := datacommit.FromLabels(key, datacommit.Options{RowsPerLeaf: perLeaf})
	if err != nil {
		t.Fatal(err)
	}
	c, o, err := datacommit.New(d, "")
	if err != nil {
		t.Fatal(err)
	}
	return c, o
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// TestCircuit: the circuit accepts the honest witness and refuses each way a
// grader could cheat.
func TestCircuit(t *testing.T) {
	c, o := commitKey(t, testKey, 4)
	k, err := ShapeOf(c)
	if err != nil {
		t.Fatal(err)
	}
	d, salts, err := datacommit.Match(c, o, nil, testKey)
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := d.Leaves(salts)
	if err != nil {
		t.Fatal(err)
	}
	honest := func(edit func(a *Circuit)) *Circuit {
		a, _, correct, err := assign(k, d.Y, salts, leaves, ints64(testAnswers))
		if err != nil {
			t.Fatal(err)
		}
		if correct != testCorrect {
			t.Fatalf("plain count %d, want %d", correct, testCorrect)
		}
		if edit != nil {
			edit(a)
		}
		return a
	}
	opts := []test.TestingOption{test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16), test.NoFuzzing(),
		test.WithValidAssignment(honest(nil))}
	invalid := []struct {
		name string
		edit func(a *Circuit)
	}{
		{"key label changed", func(a *Circuit) { a.Key[3] = 0 }},
		{"key changed and the count with it", func(a *Circuit) { a.Key[3] = 0; a.Correct = testCorrect + 1 }},
		{"salt changed", func(a *Circuit) { a.Salts[1] = 12345 }},
		{"correct one too many", func(a *Circuit) { a.Correct = testCorrect + 1 }},
		{"correct one too few", func(a *Circuit) { a.Correct = testCorrect - 1 }},
		{"answer changed", func(a *Circuit) { a.Answers[0] = 1 }},
		{"answer out of the lane width", func(a *Circuit) { a.Answers[0] = 16 }},
		{"another leaf", func(a *Circuit) { a.Leaves[2] = new(big.Int).Add(leaves[2], big.NewInt(1)) }},
	}
	for _, tc := range invalid {
		opts = append(opts, test.WithInvalidAssignment(honest(tc.edit)))
	}
	circ, err := NewCircuit(k)
	if err != nil {
		t.Fatal(err)
	}
	test.NewAssert(t).CheckCircuit(circ, opts...)
}

// setUp runs the grade setup for c into a temporary directory.
func setUp(t testing.TB, c *datacommit.Commitment) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := Setup(c, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readVK(t testing.TB, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, VKFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProveVerify proves a grade, checks it against the plain count, and
// tampers with everything a grader or a learner could change.
func TestProveVerify(t *testing.T) {
	c, o := commitKey(t, testKey, 4)
	dir := setUp(t, c)
	vk := readVK(t, dir)
	p, err := Prove(dir, c, o, testKey, testAnswers, "test")
	if err != nil {
		t.Fatal(err)
	}
	if p.Public.Correct != testCorrect || p.Public.Score != 0.6 || p.Public.N != len(testKey) {
		t.Fatalf("proved %d/%d (%v); want %d/%d", p.Public.Correct, p.Public.N, p.Public.Score, testCorrect, len(testKey))
	}
	good := marshal(t, p.Bundle)
	if r := Verify(good, vk, Expect{KeyRoot: c.Root}); !r.Valid {
		t.Fatalf("honest grade rejected: %s", r.Reason)
	}
	if r := Verify(good, vk, Expect{}); !r.Valid {
		t.Fatalf("honest grade rejected without an expected key: %s", r.Reason)
	}

	c2, o2 := commitKey(t, []int{5, 4, 3, 2, 1, 0, 5, 4, 3, 2}, 4)
	p2, err := Prove(dir, c2, o2, []int{5, 4, 3, 2, 1, 0, 5, 4, 3, 2}, testAnswers, "test")
	if err != nil {
		t.Fatal(err)
	}
	otherDir := setUp(t, c)

	withPublic := func(edit func(pub *Public)) []byte {
		var pub Public
		if err := json.Unmarshal(p.Bundle.Public, &pub); err != nil {
			t.Fatal(err)
		}
		edit(&pub)
		b := *p.Bundle
		b.Public = marshal(t, &pub)
		return marshal(t, &b)
	}
	withProof := func(edit func(pb []byte)) []byte {
		pb, err := p.Bundle.ProofBytes()
		if err != nil {
			t.Fatal(err)
		}
		pb = bytes.Clone(pb)
		edit(pb)
		b := *p.Bundle
		b.Proof = base64.StdEncoding.EncodeToString(pb)
		return marshal(t, &b)
	}
	flipped := bytes.Clone(vk)
	flipped[len(flipped)/2] ^= 1
	rejected := []struct {
		name   string
		bundle []byte
		vk     []byte
		expect string
		reason string
	}{
		{"score off by one", withPublic(func(pub *Public) { pub.Correct++; pub.Score = score(pub.Correct, pub.N) }), vk, c.Root, "does not verify"},
		{"score without its count", withPublic(func(pub *Public) { pub.Score = 0.7 }), vk, c.Root, "is not correct/n"},
		{"count above n", withPublic(func(pub *Public) { pub.Correct = 11; pub.Score = 1.1 }), vk, c.Root, "outside"},
		{"answer changed after proving", withPublic(func(pub *Public) { pub.Answers[3] = 3 }), vk, c.Root, "answers were changed"},
		{"answer and digest changed", withPublic(func(pub *Public) {
			pub.Answers[3] = 3
			d, _ := AnswersDigest(pub.Key, pub.Answers)
			pub.AnswersDigest = d.String()
		}), vk, c.Root, "does not verify"},
		{"answer outside the key's width", withPublic(func(pub *Public) { pub.Answers[0] = 8 }), vk, c.Root, "outside 0..7"},
		{"negative answer", withPublic(func(pub *Public) { pub.Answers[0] = -1 }), vk, c.Root, "outside 0..7"},
		{"one answer dropped", withPublic(func(pub *Public) { pub.Answers = pub.Answers[1:] }), vk, c.Root, "9 answers"},
		{"n changed", withPublic(func(pub *Public) { pub.N = 9 }), vk, c.Root, "n = 9"},
		{"key root of another key", withPublic(func(pub *Public) { pub.KeyRoot = c2.Root }), vk, "", "key_root"},
		{"leaves and root of another key", withPublic(func(pub *Public) { pub.KeyRoot, pub.Leaves = p2.Public.KeyRoot, p2.Public.Leaves }), vk, "", "does not verify"},
		{"grade against another key than expected", marshal(t, p2.Bundle), vk, c.Root, "not the expected"},
		{"leaf changed", withPublic(func(pub *Public) { pub.Leaves[0] = "1" }), vk, "", "key_root"},
		{"shape changed", withPublic(func(pub *Public) { pub.Key.RowsPerLeaf = 5; pub.Leaves = pub.Leaves[:2] }), vk, "", "key_root"},
		{"unknown public field", bytes.Replace(good, []byte(`"score`), []byte(`"bonus":1,"score`), 1), vk, "", "unknown field"},
		{"proof byte flipped", withProof(func(pb []byte) { pb[40] ^= 0x80 }), vk, c.Root, "proof"},
		{"proof truncated", withProof(func(pb []byte) { copy(pb, pb[1:]) }), vk, c.Root, "proof"},
		{"vk byte flipped", good, flipped, c.Root, "digest"},
		{"vk of another setup", withPublic(func(*Public) {}), readVK(t, otherDir), c.Root, "digest"},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			r := Verify(tc.bundle, tc.vk, Expect{KeyRoot: tc.expect})
			if r.Valid || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("valid=%v reason %q; want rejected with %q", r.Valid, r.Reason, tc.reason)
			}
		})
	}
	// A bundle that claims the other setup's vk digest still needs a proof
	// made with that setup's keys.
	t.Run("bundle relabelled for another setup", func(t *testing.T) {
		other := readVK(t, otherDir)
		b := *p.Bundle
		b.VKDigest = proof.Digest(other)
		if r := Verify(marshal(t, &b), other, Expect{KeyRoot: c.Root}); r.Valid || !strings.Contains(r.Reason, "does not verify") {
			t.Fatalf("valid=%v reason %q", r.Valid, r.Reason)
		}
	})
}

// TestProveRefuses: the grader's inputs are checked before proving, each
// with an error that says what to fix.
func TestProveRefuses(t *testing.T) {
	c, o := commitKey(t, testKey, 4)
	dir := t.TempDir() // no setup needed: every case fails before the keys are read
	tamperedKey := append([]int(nil), testKey...)
	tamperedKey[9] = 4
	var badOpening datacommit.Opening
	if err := json.Unmarshal(marshal(t, o), &badOpening); err != nil {
		t.Fatal(err)
	}
	badOpening.Salts[1] = "42"
	c2, o2 := commitKey(t, []int{0, 1, 2}, 4)
	cases := []struct {
		name    string
		c       *datacommit.Commitment
		o       *datacommit.Opening
		key     []int
		answers []int
		want    string
	}{
		{"key label tampered", c, o, tamperedKey, testAnswers, "not the committed data set"},
		{"opening salt tampered", c, &badOpening, testKey, testAnswers, "not the committed data set"},
		{"opening of another key", c, o2, testKey, testAnswers, "another data set"},
		{"too few answers", c, o, testKey, testAnswers[:9], "9 answers for a key of 10"},
		{"answer outside the width", c, o, testKey, append(append([]int(nil), testAnswers[:9]...), 8), "answers[9] = 8 is outside 0..7"},
		{"negative answer", c, o, testKey, append([]int{-1}, testAnswers[1:]...), "answers[0] = -1"},
		{"no setup", c, o, testKey, testAnswers, "zkai grade setup"},
		{"setup for another shape", c2, o2, []int{0, 1, 2}, []int{0, 1, 2}, "zkai grade setup"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prove(dir, tc.c, tc.o, tc.key, tc.answers, "test")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
		})
	}
	t.Run("directory of another key shape", func(t *testing.T) {
		d := setUp(t, c2)
		if _, err := Prove(d, c, o, testKey, testAnswers, "test"); err == nil || !strings.Contains(err.Error(), "was set up for a key of 3 rows") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestShapeOfRefusesFractionalKeys(t *testing.T) {
	d, err := datacommit.FromLabels([]int{1, 2, 3}, datacommit.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := datacommit.New(d, "key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ShapeOf(c); err != nil {
		t.Fatalf("an integer key refused: %v", err)
	}
	c.LabelScale = 2
	if _, err := ShapeOf(c); err == nil || !strings.Contains(err.Error(), "fractional") {
		t.Fatalf("a fractional key: %v", err)
	}
}
