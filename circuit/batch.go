package circuit

import (
	"errors"
	"fmt"
	"slices"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/multicommit"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// BuildBatch adds the constraints of p evaluated on B = len(inputs)
// samples: inputs[s] are the values of p.Inputs for sample s, and it
// returns the values of p.Outputs for each sample. The result is exactly
// Build applied to each sample — the same range checks, constants and
// gadgets, one set of lookup tables shared by all samples — except for
// the linear layers with private weights, which are checked for the whole
// batch at once.
//
// # Freivalds check of a batched linear layer
//
// A quant.Linear op whose second operand is a private weight tensor W and
// whose first operand A is computed at run time costs one constraint per
// term and sample in Build (a product of two witness values). BuildBatch
// instead takes the products
//
//	P_s[j] = Σ_{t ∈ terms(j)} A_s[IA[t]]·W[IB[t]]
//
// of every sample s < B and output j < n from one hint call
// (BatchLinearHint) and checks them all with one random linear
// combination. The bias, when present, is added to P_s[j] linearly
// afterwards, so it needs no check. With γ from
// multicommit.WithCommitment over W, every A_s and every P_s, and the
// weights u_s = γ^s, v_j = γ^(B·j), it asserts
//
//	Σ_j v_j · ( Σ_s u_s·P_s[j] − Σ_{t ∈ terms(j)} W[IB[t]]·Ā[IA[t]] ) = 0,   Ā[i] = Σ_s u_s·A_s[i],
//
// which expands to Σ_{s,j} γ^(s+B·j)·E_s[j] = 0 for the errors
// E_s[j] = P_s[j] − Σ_{t ∈ terms(j)} A_s[IA[t]]·W[IB[t]]. The exponents
// s + B·j are distinct and below B·n, so if any E_s[j] ≠ 0 the left side
// is a non-zero polynomial in γ of degree < B·n, which has fewer than B·n
// roots. The commitment fixes W, A_s and P_s (hence every E_s[j]) before γ
// is derived from them, so a wrong product passes with probability at most
// (B·n − 1)/p ≈ B·n·2^−254 on BN254. (multicommit hands its k-th callback
// γ = r^k for the root commitment r, which multiplies the degree in r by k,
// at most the number of commitment users in the circuit: still
// negligible.) What later ops compute from P_s is then computed from the
// true products, as in Build.
//
// Cost per op: (B−1)·n_in multiplications for Ā, (B−1)·n for Σ_s u_s·P_s[j],
// one per term for W·Ā, n for the v_j, and B + n for the powers of γ —
// O(B·(n_in + n) + terms) instead of B·terms. Ops that do not fit (a
// constant first operand makes every product free already; a second
// operand computed at run time has no shared factor), and every op when
// B = 1, use Build's gadgets per sample.
func BuildBatch(api frontend.API, p *quant.Program, inputs [][][]frontend.Variable, weights map[int][]frontend.Variable) ([][][]frontend.Variable, error) {
	return buildBatch(api, p, inputs, weights, true)
}

// BuildBatchBounded is BuildBatch for inputs the caller has already
// constrained to their declared widths (for instance committed data whose
// lanes a commitment range-checks): it does not range-check them again.
// Soundness rests on that promise — an input outside its width would make
// every later bound unsound.
func BuildBatchBounded(api frontend.API, p *quant.Program, inputs [][][]frontend.Variable, weights map[int][]frontend.Variable) ([][][]frontend.Variable, error) {
	return buildBatch(api, p, inputs, weights, false)
}

func buildBatch(api frontend.API, p *quant.Program, inputs [][][]frontend.Variable, weights map[int][]frontend.Variable, checkInputs bool) ([][][]frontend.Variable, error) {
	if len(inputs) == 0 {
		return nil, errors.New("circuit: a batch needs at least one sample")
	}
	first, err := newBuilder(api, p, weights)
	if err != nil {
		return nil, fmt.Errorf("circuit: %w", err)
	}
	bs := []*builder{first}
	for len(bs) < len(inputs) {
		bs = append(bs, first.sibling())
	}
	for s, b := range bs {
		if err := b.setInputs(inputs[s], checkInputs); err != nil {
			return nil, fmt.Errorf("circuit: sample %d: %w", s, err)
		}
	}
	for _, op := range p.Ops {
		if l, ok := op.(*quant.Linear); ok && len(bs) > 1 && batchable(p, l, weights) {
			outs, err := linearBatch(api, l, bs)
			for s, b := range bs {
				var out []frontend.Variable
				if err == nil {
					out = outs[s]
				}
				if err := b.store(op, out, err); err != nil {
					return nil, fmt.Errorf("circuit: batch of %d: %w", len(bs), err)
				}
			}
			continue
		}
		for s, b := range bs {
			out, err := b.op(op)
			if err := b.store(op, out, err); err != nil {
				return nil, fmt.Errorf("circuit: sample %d: %w", s, err)
			}
		}
	}
	outs := make([][][]frontend.Variable, len(bs))
	for s, b := range bs {
		outs[s] = b.outputs()
	}
	return outs, nil
}

// batchable reports whether a Linear op gets the Freivalds check: its
// second operand is a private weight tensor and its first is computed at
// run time.
func batchable(p *quant.Program, o *quant.Linear, weights map[int][]frontend.Variable) bool {
	in := o.Ins()
	_, constA := p.Consts[in[0]]
	_, constW := p.Consts[in[1]]
	_, private := weights[in[1]]
	return !constA && constW && private
}

// linearBatch evaluates o for every builder's sample: the products come
// from BatchLinearHint and are bound by the Freivalds check (see
// BuildBatch), the bias of each sample is added to them.
func linearBatch(api frontend.API, o *quant.Linear, bs []*builder) ([][]frontend.Variable, error) {
	in := o.Ins()
	tm := o.T
	w := bs[0].vals[in[1]]
	n := len(tm.Start) - 1
	as := make([][]frontend.Variable, len(bs))
	for s, b := range bs {
		as[s] = b.vals[in[0]]
	}
	nIn := len(as[0])
	hin := make([]frontend.Variable, 0, 4+n+2*len(tm.IA)+len(bs)*nIn+len(w))
	hin = append(hin, len(bs), nIn, len(w), n)
	for j := range n {
		hin = append(hin, tm.Start[j+1]-tm.Start[j])
	}
	for _, i := range tm.IA {
		hin = append(hin, i)
	}
	for _, i := range tm.IB {
		hin = append(hin, i)
	}
	for _, a := range as {
		hin = append(hin, a...)
	}
	hin = append(hin, w...)
	prods, err := api.Compiler().NewHint(BatchLinearHint, len(bs)*n, hin...)
	if err != nil {
		return nil, err
	}
	committed := append(slices.Concat(as...), w...)
	committed = append(committed, prods...)
	// The first WithCommitment call defers gnark's shared commitment, which
	// closes when it runs. rangecheck and logderivlookup register from
	// deferred functions of their own, so registering here directly would
	// put the commitment ahead of a lookup table that a later op creates,
	// and that table's registration would panic. Deferring ours keeps it
	// in line with theirs.
	api.Compiler().Defer(func(api frontend.API) error {
		multicommit.WithCommitment(api, func(api frontend.API, gamma frontend.Variable) error {
			freivalds(api, tm, w, as, prods, gamma)
			return nil
		}, committed...)
		return nil
	})
	outs := make([][]frontend.Variable, len(bs))
	for s, b := range bs {
		y := prods[s*n : (s+1)*n]
		if len(in) > 2 {
			c := b.vals[in[2]]
			y = make([]frontend.Variable, n)
			for j := range y {
				y[j] = api.Add(prods[s*n+j], c[tm.IC[j]])
			}
		}
		outs[s] = y
	}
	return outs, nil
}

// freivalds asserts Σ_j v_j·(Σ_s u_s·P_s[j] − Σ_t W[IB[t]]·Ā[IA[t]]) = 0
// with u_s = γ^s, v_j = γ^(B·j) and Ā = Σ_s u_s·A_s (see BuildBatch).
func freivalds(api frontend.API, tm *model.Terms, w []frontend.Variable, as [][]frontend.Variable, prods []frontend.Variable, gamma frontend.Variable) {
	batch, n := len(as), len(tm.Start)-1
	u := powers(api, gamma, batch+1) // u[batch] = γ^B
	v := powers(api, u[batch], n)
	abar := make([]frontend.Variable, len(as[0]))
	terms := make([]frontend.Variable, batch)
	for i := range abar {
		for s, a := range as {
			terms[s] = api.Mul(u[s], a[i])
		}
		abar[i] = sum(api, terms)
	}
	diffs := make([]frontend.Variable, n)
	for j := range n {
		claimed := make([]frontend.Variable, batch)
		for s := range batch {
			claimed[s] = api.Mul(u[s], prods[s*n+j])
		}
		actual := make([]frontend.Variable, 0, tm.Start[j+1]-tm.Start[j])
		for t := tm.Start[j]; t < tm.Start[j+1]; t++ {
			actual = append(actual, api.Mul(w[tm.IB[t]], abar[tm.IA[t]]))
		}
		diffs[j] = api.Mul(v[j], api.Sub(sum(api, claimed), sum(api, actual)))
	}
	api.AssertIsEqual(sum(api, diffs), 0)
}

// powers returns 1, x, x², …, x^(k−1).
func powers(api frontend.API, x frontend.Variable, k int) []frontend.Variable {
	out := make([]frontend.Variable, k)
	out[0] = 1
	for i := 1; i < k; i++ {
		out[i] = api.Mul(out[i-1], x)
	}
	return out
}
