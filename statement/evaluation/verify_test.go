package evaluation

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/internal/jsonmut"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

const (
	irisModel     = "../../testdata/models/iris_logreg/model.onnx"
	irisPerturbed = "../../testdata/perturbed/iris_logreg.onnx"
)

// irisSet is the first 6 rows of the iris test split with row 0's label
// changed, so that the model gets at most 5 right.
func irisSet(t testing.TB) *dataset.Set {
	t.Helper()
	s, err := dataset.Load("../../testdata/models/iris_logreg/data.json", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.X, s.Y = s.X[:6], s.Y[:6]
	s.Y[0] = float64((int(s.Y[0]) + 1) % 3)
	return s
}

// irisFixture: 6 rows in leaves of 2, two leaves per shard — two shards,
// the second with one real leaf and a padding slot.
func irisFixture(t testing.TB, opt Options) *fixture {
	t.Helper()
	opt.Batch = 4
	return setUpSet(t, irisModel, irisSet(t), 2, opt)
}

// editFile decodes f's file, applies edit and encodes it again.
func editFile(t *testing.T, file []byte, edit func(ef *File)) []byte {
	t.Helper()
	var ef File
	if err := json.Unmarshal(file, &ef); err != nil {
		t.Fatal(err)
	}
	edit(&ef)
	b, err := json.Marshal(&ef)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// forgeShard proves shard k of f again, with edit applied to its
// assignment and public values first — what a dishonest prover holding the
// proving key can do — and puts the bundle into ef. The threshold form's
// count slots start as an honest chain from a stand-in predecessor salt.
func forgeShard(t *testing.T, f *fixture, ef *File, k int, edit func(a *Circuit, sp *ShardPublic)) {
	t.Helper()
	forgeShardOn(t, f, f.data, f.set, f.opening, ef, k, edit)
}

// forgeShardOn is forgeShard over the rows of another committed set (of
// the same shape).
func forgeShardOn(t *testing.T, f *fixture, c *datacommit.Commitment, set *dataset.Set, o *datacommit.Opening, ef *File, k int, edit func(a *Circuit, sp *ShardPublic)) {
	t.Helper()
	d, err := Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	data, salts, err := datacommit.Match(c, o, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(d.File(inference.ModelFile), engine.Options{SettingsFile: d.File(inference.SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	p := m.Program
	spec, err := d.Eval.spec(modelClaim(p, d.Info.Visibility.Weights))
	if err != nil {
		t.Fatal(err)
	}
	scores, err := scoreRows(p, data, &spec)
	if err != nil {
		t.Fatal(err)
	}
	a, sp, err := assignShard(p, data, salts, scores, &spec, &d.Eval, k)
	if err != nil {
		t.Fatal(err)
	}
	if spec.PrivateWeights {
		var mo inference.ModelOpening
		if err := inference.ReadJSON(d.File(inference.OpeningFile), &mo); err != nil {
			t.Fatal(err)
		}
		salt, err := inference.ParseField(mo.Salt)
		if err != nil {
			t.Fatal(err)
		}
		mw, err := newModelWitness(p, salt)
		if err != nil {
			t.Fatal(err)
		}
		mw.assign(a)
		sp.Model = mw.commitment.String()
	}
	if spec.Threshold {
		before := int64(0)
		for r := range k * d.Eval.RowsPerShard {
			before += scores[r].Int64()
		}
		if sp.Count, err = chainCount(a, k, d.Eval, before, sp.sum.Int64(), big.NewInt(5)); err != nil {
			t.Fatal(err)
		}
	} else {
		c := sp.sum.Int64()
		sp.Correct, a.Sum = &c, []frontend.Variable{c}
	}
	edit(a, sp)
	ccs, pk, err := d.ReadKeys()
	if err != nil {
		t.Fatal(err)
	}
	pb, _, err := proof.Prove(d.Info.Backend, ccs, pk, a)
	if err != nil {
		t.Fatalf("forging shard %d: %v", k, err)
	}
	if ef.Shards[k], err = proof.NewBundle(ShardStatement, d.Info.Backend, d.Setup.VKDigest, sp, pb, "test"); err != nil {
		t.Fatal(err)
	}
}

func shardPublic(t *testing.T, ef *File, k int, edit func(sp *ShardPublic)) {
	t.Helper()
	var sp ShardPublic
	if err := json.Unmarshal(ef.Shards[k].Public, &sp); err != nil {
		t.Fatal(err)
	}
	edit(&sp)
	b, err := json.Marshal(&sp)
	if err != nil {
		t.Fatal(err)
	}
	ef.Shards[k].Public = b
}

// forged is a file that passes every check but one, and the reason that
// check gives.
type forged struct {
	name, want string
	file, vk   []byte
	expect     Expect
}

func checkForged(t *testing.T, cases []forged) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Verify(c.file, c.vk, c.expect)
			if r.Valid || !strings.Contains(r.Reason, c.want) {
				t.Fatalf("valid %v, reason %q; want invalid: %q", r.Valid, r.Reason, c.want)
			}
		})
	}
}

// TestVerifyConsistencyChecks: for each consistency check of Verify
// between the claim and the proven shards, a forged file that passes
// everything else; Verify must give that check's reason (deleting the
// check lets the file through or changes the reason).
func TestVerifyConsistencyChecks(t *testing.T) {
	f := irisFixture(t, Options{Weights: circuit.Private})
	pub := f.proven.File.Public
	if len(f.proven.File.Shards) != 2 || *pub.Correct > pub.N-1 {
		t.Fatalf("fixture: %d shards, %d of %d correct; want 2 shards and a miss", len(f.proven.File.Shards), *pub.Correct, pub.N)
	}
	if r := Verify(f.file, f.vk, Expect{Data: f.data, Model: pub.Model.Commitment}); !r.Valid {
		t.Fatalf("honest file: %s", r.Reason)
	}
	other, _, err := datacommit.New(mustData(t, f.set), "other")
	if err != nil {
		t.Fatal(err)
	}
	renamed := *f.data
	renamed.Name = "renamed"
	thr := irisFixture(t, Options{Weights: circuit.Public, AtLeast: ptr(0.5)})
	// rows of the prover's choosing (row 0 with its true label), proven
	// under the committed layout, and the claim their count
	chosen := irisSet(t)
	chosen.Y[0] = float64((int(chosen.Y[0]) + 2) % 3)
	cd, err := datacommit.FromSet(chosen, datacommit.Options{Scale: -1, LabelScale: -1, RowsPerLeaf: 2})
	if err != nil {
		t.Fatal(err)
	}
	cc, co, err := datacommit.New(cd, "chosen")
	if err != nil {
		t.Fatal(err)
	}
	otherRows := editFile(t, f.file, func(ef *File) {
		forgeShardOn(t, f, cc, chosen, co, ef, 0, func(*Circuit, *ShardPublic) {})
		n := 0
		for k := range ef.Shards {
			shardPublic(t, ef, k, func(sp *ShardPublic) { n += int(*sp.Correct) })
		}
		acc := float64(n) / float64(ef.Public.N)
		ef.Public.Correct, ef.Public.Accuracy = &n, &acc
	})
	checkForged(t, []forged{
		{name: "rows not the committed ones", want: "the shards' rows are not the committed data set", vk: f.vk, file: otherRows},
		{name: "a count the shards do not prove", want: "the claimed figure does not match the proven one", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) {
				n := *ef.Public.Correct + 1
				acc := float64(n) / float64(ef.Public.N)
				ef.Public.Correct, ef.Public.Accuracy = &n, &acc
			})},
		// 5 of 6 shown as 5 of 5: the claim's n must be the committed row count
		{name: "n below the committed rows", want: "row count n = 5 is not its data commitment's 6 rows", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) {
				ef.Public.N--
				acc := float64(*ef.Public.Correct) / float64(ef.Public.N)
				ef.Public.Accuracy = &acc
			})},
		{name: "a claimed model no shard proves", want: "shard 0 is about model", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Model.Commitment = "12345" })},
		{name: "data root not the commitment's", want: "the claim's data root", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.DataRoot = other.Root })},
		{name: "another verifying key", want: "the verifying key's digest", vk: thr.vk, file: f.file},
		{name: "a shard under another vk digest", want: "shard 1: statement", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Shards[1].VKDigest = thr.proven.File.VKDigest })},
		{name: "shards swapped", want: "shard 0 claims to be shard 1", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Shards[0], ef.Shards[1] = ef.Shards[1], ef.Shards[0] })},
		{name: "a shard dropped", want: "1 shards; 6 rows in leaves of 2 at 2 leaves per shard make 2", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Shards = ef.Shards[:1] })},
		{name: "another expected root", want: "not the expected " + other.Root, vk: f.vk, file: f.file, expect: Expect{DataRoot: other.Root}},
		{name: "another expected commitment", want: "they differ in root", vk: f.vk, file: f.file, expect: Expect{Data: other}},
		{name: "expected commitment renamed", want: "they differ in name", vk: f.vk, file: f.file, expect: Expect{Data: &renamed}},
		{name: "another expected model", want: `not the expected "777"`, vk: f.vk, file: f.file, expect: Expect{Model: "777"}},
	})

	// The threshold form: the claim's threshold and the count chain.
	if r := Verify(thr.file, thr.vk, Expect{Data: thr.data}); !r.Valid {
		t.Fatalf("honest threshold file: %s", r.Reason)
	}
	forge := func(k int, edit func(a *Circuit, sp *ShardPublic)) []byte {
		return editFile(t, thr.file, func(ef *File) { forgeShard(t, thr, ef, k, edit) })
	}
	// a count started above zero, or restarted mid-chain, from a
	// commitment of the prover's choosing
	restart := func(a *Circuit, sp *ShardPublic) {
		salt := big.NewInt(99)
		in, err := CommitCount(4, salt)
		if err != nil {
			t.Fatal(err)
		}
		a.CountSalts[0], a.CountSalts[1], a.Count[countIn] = 4, salt, in
		out, err := CommitCount(4+sp.sum.Int64(), a.CountSalts[2].(*big.Int))
		if err != nil {
			t.Fatal(err)
		}
		a.Count[countOut], sp.Count.Out, sp.Count.In = out, out.String(), in.String()
		a.Count[countFirst], sp.Count.First = 0, false
	}
	checkForged(t, []forged{
		{name: "the last shard not final", want: "shard 1: the count chain's first/final flags or threshold are wrong", vk: thr.vk,
			file: forge(1, func(a *Circuit, sp *ShardPublic) { a.Count[countFinal], sp.Count.Final = 0, false })},
		{name: "the first shard not first", want: "shard 0: the count chain's first/final flags or threshold are wrong", vk: thr.vk,
			file: forge(0, func(a *Circuit, sp *ShardPublic) { restart(a, sp) })},
		{name: "the first shard continues a count", want: `shard 0 starts the count from commitment 7, not from "0"`, vk: thr.vk,
			file: forge(0, func(a *Circuit, sp *ShardPublic) { a.Count[countIn], sp.Count.In = 7, "7" })},
		{name: "a later shard restarts the count", want: "shard 1 does not continue the count committed by shard 0", vk: thr.vk,
			file: forge(1, func(a *Circuit, sp *ShardPublic) { restart(a, sp) })},
		{name: "a threshold above the proven one", want: "shard 0: the count chain's first/final flags or threshold are wrong", vk: thr.vk,
			file: editFile(t, thr.file, func(ef *File) {
				n := ef.Public.N
				acc := 1.0
				ef.Public.AtLeast, ef.Public.AccuracyAtLeast = &n, &acc
			})},
	})
}

func ptr[T any](v T) *T { return &v }

// TestVerifyMSEErrorScale: the claim's error scale must be every shard's
// (a coarser scale would show the mse four times larger per step).
func TestVerifyMSEErrorScale(t *testing.T) {
	set, err := dataset.Load("../../testdata/models/credit_logreg/data.json", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	set.X, set.Y = set.X[:4], set.Y[:4]
	f := setUpSet(t, "../../testdata/models/credit_logreg/model.onnx", set, 2, Options{Batch: 2, Metric: MetricMSE, Weights: circuit.Public})
	if r := Verify(f.file, f.vk, Expect{Data: f.data}); !r.Valid {
		t.Fatalf("honest file: %s", r.Reason)
	}
	coarser := func(ef *File) {
		s := *ef.Public.ErrScale - 1
		m := *ef.Public.MSE * 4
		ef.Public.ErrScale, ef.Public.MSE = &s, &m
	}
	checkForged(t, []forged{
		{name: "claim coarser than the shards", want: "shard 0: its error scale is not the claim's", vk: f.vk, file: editFile(t, f.file, coarser)},
		// the layout digest binds the scale the circuit was compiled for
		{name: "claim and shards coarser", want: "shard 0: the proof does not verify", vk: f.vk, file: editFile(t, f.file, func(ef *File) {
			coarser(ef)
			for k := range ef.Shards {
				shardPublic(t, ef, k, func(sp *ShardPublic) { sp.ErrScale = ef.Public.ErrScale })
			}
		})},
	})
}

// TestPublicWeightsIdentity: with public weights the model is named by the
// digest of the weights the circuit was compiled with; a file naming
// another model, or a commitment, is invalid, and --expect-model takes the
// digest.
func TestPublicWeightsIdentity(t *testing.T) {
	f := irisFixture(t, Options{Weights: circuit.Public})
	m, err := engine.Open(irisModel, engine.Options{SettingsFile: filepath.Join(f.dir, inference.SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	own := inference.WeightsDigest(m.Program)
	pm, err := engine.Open(irisPerturbed, engine.Options{SettingsFile: filepath.Join(f.dir, inference.SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	perturbed := inference.WeightsDigest(pm.Program)
	if got := f.proven.File.Public.Model; got.WeightsDigest != own || got.Commitment != "" || own == perturbed {
		t.Fatalf("model %+v; want weights digest %s (perturbed model: %s)", got, own, perturbed)
	}
	r := Verify(f.file, f.vk, Expect{Model: own})
	if !r.Valid || r.Public.Model.Identity() != own {
		t.Fatalf("honest file with --expect-model its digest: %s", r.Reason)
	}
	checkForged(t, []forged{
		{name: "another model's digest", want: "shard 0: the proof does not verify", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Model.WeightsDigest = perturbed })},
		{name: "a commitment as well", want: "a model commitment in a public-weights evaluation", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Model.Commitment = "12345" })},
		{name: "a commitment instead", want: "a model commitment in a public-weights evaluation", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Model.Commitment, ef.Public.Model.WeightsDigest = "12345", "" })},
		{name: "no digest", want: "is not sha256:<64 hex digits>", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Model.WeightsDigest = "" })},
		{name: "private weights claimed", want: "a weights digest in a private-weights evaluation", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Model.Weights = circuit.Private })},
		{name: "the perturbed model expected", want: "not the expected", vk: f.vk, file: f.file, expect: Expect{Model: perturbed}},
	})
}

// TestVerifyFormat: zkai-evaluation/1 is refused with a hint, and a
// prover's "insecure_setup" word is no field of /2; the setup's trust is
// the verifier's judgement.
func TestVerifyFormat(t *testing.T) {
	f := irisFixture(t, Options{Weights: circuit.Public})
	v1 := bytes.Replace(f.file, []byte(`"format":"zkai-evaluation/2"`), []byte(`"format":"zkai-evaluation/1","insecure_setup":""`), 1)
	withWord := bytes.Replace(f.file, []byte(`"format":"zkai-evaluation/2"`), []byte(`"format":"zkai-evaluation/2","insecure_setup":"no"`), 1)
	checkForged(t, []forged{
		{name: "format 1", want: "zkai-evaluation/1 is no longer accepted", vk: f.vk, file: v1},
		{name: "insecure_setup", want: `unknown field "insecure_setup"`, vk: f.vk, file: withWord},
		{name: "no leaves per shard", want: "0 leaves per shard; the data set has 3 leaves", vk: f.vk,
			file: editFile(t, f.file, func(ef *File) { ef.Public.Circuit.LeavesPerShard = 0 })},
		{name: "trailing data", want: "trailing data", vk: f.vk, file: append(append([]byte(nil), f.file...), []byte(` {}`)...)},
	})
	if r := Verify(f.file, f.vk, Expect{}); !r.Valid || r.Insecure != "" {
		t.Fatalf("groth16 file: valid %v, insecure %q (%s)", r.Valid, r.Insecure, r.Reason)
	}
	// a PLONK setup from a locally made SRS is judged from the vk alone
	pf := irisFixture(t, Options{Weights: circuit.Public, Backend: proof.Plonk})
	if r := Verify(pf.file, pf.vk, Expect{}); !r.Valid || r.Insecure != proof.UntrustedPlonkSRS {
		t.Fatalf("plonk file, local SRS: valid %v, insecure %q (%s)", r.Valid, r.Insecure, r.Reason)
	}
}

// informational lists the leaves of an evaluation file that nothing binds
// and the verifier never shows.
var informational = []string{"shards.*.zkai_version", "shards.*.gnark_version"}

// layoutBound lists leaves only the layout digest binds: a forger's
// well-formed change must be caught by the proof itself.
var layoutBound = []string{"public.circuit.binary_threshold", "public.circuit.input_shift", "public.data.name", "public.model.weights_digest"}

// TestMutations changes every leaf of valid evaluation files (exact with
// private weights, threshold with public weights), one at a time: each
// change is rejected or leaves the verdict unchanged (jsonmut.Check). The
// same for the data commitment a verifier passes as --expect-data.
func TestMutations(t *testing.T) {
	for _, f := range []*fixture{
		irisFixture(t, Options{Weights: circuit.Private}),
		irisFixture(t, Options{Weights: circuit.Public, AtLeast: ptr(0.5)}),
	} {
		ms := jsonmut.Check(t, f.file, informational, func(doc []byte) (string, bool) {
			r := Verify(doc, f.vk, Expect{})
			shown, _ := json.Marshal(r)
			return string(shown), r.Valid
		})
		for _, m := range ms {
			if m.Minimal && matchAny(layoutBound, m.Path) {
				if r := Verify(m.Doc, f.vk, Expect{}); !strings.Contains(r.Reason, "the proof does not verify") {
					t.Errorf("%s (%s): rejected by %q, not by the proof", m.Path, m.What, r.Reason)
				}
			}
		}
		t.Logf("%d mutations of a %d-shard file", len(ms), len(f.proven.File.Shards))

		// the data commitment a verifier trusts: every field counts
		cb, err := json.Marshal(f.data)
		if err != nil {
			t.Fatal(err)
		}
		jsonmut.Check(t, cb, nil, func(doc []byte) (string, bool) {
			path := filepath.Join(t.TempDir(), "c.json")
			if err := os.WriteFile(path, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := datacommit.ReadCommitment(path)
			if err != nil {
				return err.Error(), false // refused as a file
			}
			r := Verify(f.file, f.vk, Expect{Data: c})
			shown, _ := json.Marshal(r)
			return string(shown), r.Valid
		})
	}
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if jsonmut.Match(p, path) {
			return true
		}
	}
	return false
}
