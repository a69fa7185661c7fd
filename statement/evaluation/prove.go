package evaluation

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/evaluate"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
	"github.com/zkai-dev/zkai/statement/inference"
)

// Dir is an opened evaluation directory.
type Dir struct {
	*inference.Dir
	Eval Info
}

// Open reads an evaluation directory.
func Open(dir string) (*Dir, error) {
	d, err := inference.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	if d.Info.Statement != Statement {
		return nil, fmt.Errorf("%s was compiled for the %q statement, not %q (zkai compile --statement evaluation)", dir, d.Info.Statement, Statement)
	}
	out := &Dir{Dir: d}
	if err := json.Unmarshal(d.Settings.Extra[Statement], &out.Eval); err != nil {
		return nil, fmt.Errorf("%s: evaluation section: %v", dir, err)
	}
	return out, nil
}

// Proven is the result of Prove.
type Proven struct {
	File *File
	// Backend is the time spent in the backend's prover, over all shards.
	Backend time.Duration
}

// Prove evaluates the model over the committed data set, shard by shard,
// and proves each shard. The data and opening must match the directory's
// data commitment. progress, when non-nil, is told before each shard.
func Prove(dir string, set *dataset.Set, opening *datacommit.Opening, zkaiVersion string, progress func(shard, shards int)) (*Proven, error) {
	d, err := Open(dir)
	if err != nil {
		return nil, err
	}
	if d.Setup == nil {
		return nil, fmt.Errorf("%s has no keys; run zkai setup %s first", dir, dir)
	}
	data, salts, err := datacommit.Match(&d.Eval.Data, opening, set, nil)
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(d.File(inference.ModelFile)); err != nil || proof.Digest(b) != d.Info.ModelDigest {
		return nil, fmt.Errorf("%s is missing or does not match the digest in settings.json", d.File(inference.ModelFile))
	}
	m, err := engine.Open(d.File(inference.ModelFile), engine.Options{SettingsFile: d.File(inference.SettingsFile)})
	if err != nil {
		return nil, err
	}
	p := m.Program
	model := modelClaim(p, d.Info.Visibility.Weights)
	spec, err := d.Eval.spec(model)
	if err != nil {
		return nil, err
	}
	if !spec.MSE { // regression targets are any committed values
		if err := checkLabels(data.Y, max(p.Tensors[p.Outputs[0]].Len(), 2)); err != nil {
			return nil, err
		}
	}
	var mw *modelWitness
	if spec.PrivateWeights {
		var o inference.ModelOpening
		if err := inference.ReadJSON(d.File(inference.OpeningFile), &o); err != nil {
			return nil, err
		}
		salt, err := inference.ParseField(o.Salt)
		if err != nil {
			return nil, fmt.Errorf("%s: salt: %v", d.File(inference.OpeningFile), err)
		}
		if mw, err = newModelWitness(p, salt); err != nil {
			return nil, err
		}
	}
	ccs, pk, err := d.ReadKeys()
	if err != nil {
		return nil, err
	}
	scores, err := scoreRows(p, data, &spec)
	if err != nil {
		return nil, err
	}
	if d.Eval.AtLeast != nil {
		// refuse before minutes of proving: the last shard could not
		// prove the threshold
		hits := new(big.Int)
		for _, v := range scores {
			hits.Add(hits, v)
		}
		if hits.Int64() < int64(*d.Eval.AtLeast) {
			return nil, fmt.Errorf("the model classifies %d of %d rows correctly, below the --at-least threshold of %d: nothing to prove", hits, len(data.Y), *d.Eval.AtLeast)
		}
	}
	f := &File{Format: Format, Statement: Statement, VKDigest: d.Setup.VKDigest}
	f.Public = Aggregate{Metric: d.Eval.Metric, N: data.Shape.Rows, DataRoot: d.Eval.Data.Root, Data: d.Eval.Data,
		Circuit: d.Eval.Form, Model: model}
	total := new(big.Int)
	var countSalt *big.Int // the previous shard's count commitment salt
	var backend time.Duration
	for k := range d.Eval.Shards {
		if progress != nil {
			progress(k, d.Eval.Shards)
		}
		a, sp, err := assignShard(p, data, salts, scores, &spec, &d.Eval, k)
		if err != nil {
			return nil, err
		}
		if mw != nil {
			mw.assign(a)
			sp.Model = mw.commitment.String()
			f.Public.Model.Commitment = sp.Model
		}
		switch {
		case spec.Threshold:
			if sp.Count, err = chainCount(a, k, d.Eval, total.Int64(), sp.sum.Int64(), countSalt); err != nil {
				return nil, err
			}
			countSalt = a.CountSalts[2].(*big.Int)
		case spec.MSE:
			sp.SSE, sp.ErrScale = sp.sum.String(), &spec.ErrScale
			a.Sum, a.ErrScale = []frontend.Variable{sp.sum}, []frontend.Variable{spec.ErrScale}
		default:
			c := sp.sum.Int64()
			sp.Correct = &c
			a.Sum = []frontend.Variable{c}
		}
		total.Add(total, sp.sum)
		start := time.Now()
		proofBytes, _, err := proof.Prove(d.Info.Backend, ccs, pk, a)
		if err != nil {
			return nil, fmt.Errorf("shard %d: %w", k, err)
		}
		backend += time.Since(start)
		b, err := proof.NewBundle(ShardStatement, d.Info.Backend, d.Setup.VKDigest, sp, proofBytes, zkaiVersion)
		if err != nil {
			return nil, err
		}
		f.Shards = append(f.Shards, b)
	}
	if err := f.Public.setFigure(total, d.Eval.AtLeast, spec.ErrScale); err != nil {
		return nil, err
	}
	return &Proven{File: f, Backend: backend}, nil
}

// modelWitness is the private-weights part of every shard's assignment,
// computed once.
type modelWitness struct {
	weights          [][]frontend.Variable
	salt, commitment *big.Int
}

func newModelWitness(p *quant.Program, salt *big.Int) (*modelWitness, error) {
	h, err := commit.Commit(commit.DomainWeights, inference.WeightTensors(p), salt)
	if err != nil {
		return nil, err
	}
	mw := &modelWitness{salt: salt, commitment: h}
	for _, id := range p.Weights {
		mw.weights = append(mw.weights, vars(p.Consts[id]))
	}
	return mw, nil
}

func (mw *modelWitness) assign(a *Circuit) {
	a.Weights, a.Model, a.ModelSalt = mw.weights, []frontend.Variable{mw.commitment}, []frontend.Variable{mw.salt}
}

// scoreRows scores every committed row natively, once (see score).
func scoreRows(p *quant.Program, data *datacommit.Data, spec *Spec) ([]*big.Int, error) {
	out := make([]*big.Int, len(data.Y))
	for r := range out {
		v, err := score(p, data.X[r], data.Y[r], spec)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", r, err)
		}
		out[r] = v
	}
	return out, nil
}

// assignShard fills the rows, salts and leaves of shard k and adds up its
// rows' scores (the circuit must agree).
func assignShard(p *quant.Program, data *datacommit.Data, salts, scores []*big.Int, spec *Spec, in *Info, k int) (*Circuit, *ShardPublic, error) {
	R, F := spec.Data.RowsPerLeaf, spec.Data.Features
	rows, leaves := in.shardRange(k)
	a := &Circuit{Program: p, Spec: *spec, Layout: spec.Layout, Rows: rows}
	sp := &ShardPublic{Shard: k, Rows: rows}
	a.X = make([]frontend.Variable, spec.Rows()*F)
	a.Y = make([]frontend.Variable, spec.Rows())
	for i := range a.X {
		a.X[i] = 0
	}
	for i := range a.Y {
		a.Y[i] = 0
	}
	for l := range spec.LeavesPerShard {
		leaf := k*spec.LeavesPerShard + l
		salt := new(big.Int)
		var x [][]int64
		var y []int64
		if l < leaves {
			salt = salts[leaf]
			x, y = data.LeafRows(leaf)
		} else {
			y = []int64{0} // a padding leaf slot: zeros, ignored by the verifier
			x = [][]int64{make([]int64, F)}
		}
		h, err := spec.Data.Leaf(x, y, salt)
		if err != nil {
			return nil, nil, err
		}
		a.Salts = append(a.Salts, salt)
		a.Leaves = append(a.Leaves, h)
		sp.Leaves = append(sp.Leaves, h.String())
		for r := range y {
			slot := l*R + r
			a.Y[slot] = y[r]
			for j := range F {
				a.X[slot*F+j] = x[r][j]
			}
		}
	}
	sp.sum = new(big.Int)
	for r := range rows {
		sp.sum.Add(sp.sum, scores[k*in.RowsPerShard+r])
	}
	return a, sp, nil
}

// score is one row's term of the shard's sum: 1 for a correct
// prediction, else 0; with MSE, the squared error.
func score(p *quant.Program, x []int64, y int64, spec *Spec) (*big.Int, error) {
	out, err := run(p, x, spec)
	if err != nil {
		return nil, err
	}
	if spec.MSE {
		e := new(big.Int).Lsh(big.NewInt(out[0]), uint(spec.OutShift))
		e.Sub(e, new(big.Int).Lsh(big.NewInt(y), uint(spec.LabelShift)))
		return e.Mul(e, e), nil
	}
	if int64(evaluate.Predict(out, spec.Binary)) == y {
		return big.NewInt(1), nil
	}
	return new(big.Int), nil
}

// run evaluates the program on one committed row, brought to the model
// input's scale as the circuit does.
func run(p *quant.Program, x []int64, spec *Spec) ([]int64, error) {
	in := make([]int64, len(x))
	for j, v := range x {
		switch {
		case spec.InputShift >= 0:
			in[j] = v << spec.InputShift
		default:
			k := -spec.InputShift
			in[j] = floorDiv(v+(int64(1)<<(k-1)), int64(1)<<k)
		}
	}
	w, err := p.EvalInts([][]int64{in})
	if err != nil {
		return nil, err
	}
	return w.Values[p.Outputs[0]], nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}

// chainCount fills the threshold form's count slots of shard k.
func chainCount(a *Circuit, k int, in Info, before, correct int64, prevSalt *big.Int) (*CountPublic, error) {
	first, final := k == 0, k == in.Shards-1
	cin, saltIn := new(big.Int), new(big.Int)
	if !first {
		var err error
		saltIn = prevSalt
		if cin, err = CommitCount(before, saltIn); err != nil {
			return nil, err
		}
	}
	saltOut, err := commit.NewSalt()
	if err != nil {
		return nil, err
	}
	cout, err := CommitCount(before+correct, saltOut)
	if err != nil {
		return nil, err
	}
	a.Count = []frontend.Variable{cin, cout, boolInt(first), boolInt(final), *in.AtLeast}
	a.CountSalts = []frontend.Variable{before, saltIn, saltOut}
	return &CountPublic{In: cin.String(), Out: cout.String(), First: first, Final: final, AtLeast: *in.AtLeast}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func vars(v []int64) []frontend.Variable {
	out := make([]frontend.Variable, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
