// Package evaluate measures a model over a labelled data set with both the
// float64 reference and the fixed-point program, and defines how an output
// becomes a predicted class.
//
// Prediction rule: a model with several output values predicts the index of
// the largest (first on ties, as the circuits do); a model with one output
// value is a binary classifier predicting class 1 when the output is at
// least the threshold — 0.5 when the graph ends in Sigmoid (a probability),
// 0 otherwise (a logit).
package evaluate

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// Threshold is the binary decision threshold for a graph (see package doc).
func Threshold(g *model.Graph) float64 {
	out := g.Outputs[0].Name
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == out {
				if u, ok := n.Op.(*model.Unary); ok && u.Fn == model.Sigmoid {
					return 0.5
				}
			}
		}
	}
	return 0
}

// Predict applies the prediction rule to one output.
func Predict[T int64 | float64](out []T, threshold T) int {
	if len(out) == 1 {
		if out[0] >= threshold {
			return 1
		}
		return 0
	}
	best := 0
	for i, v := range out {
		if v > out[best] {
			best = i
		}
	}
	return best
}

// Report is the result of an evaluation.
type Report struct {
	N             int     `json:"n"`
	FloatAccuracy float64 `json:"float_accuracy"`
	FixedAccuracy float64 `json:"fixed_accuracy"`
	// Agreement is the share of rows where both predict the same class.
	Agreement float64 `json:"agreement"`
	// MaxAbsError is the largest |fixed − float| over all output values.
	MaxAbsError float64 `json:"max_abs_error"`
}

// Run evaluates every row of set (each row is the model's first input,
// flattened). progress, when non-nil, is called after each row.
func Run(g *model.Graph, p *quant.Program, set *dataset.Set, progress func(done int)) (*Report, error) {
	labels, err := set.IntLabels()
	if err != nil {
		return nil, err
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("evaluate: the data set has no labels")
	}
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("evaluate: the model takes %d run-time inputs; evaluation feeds one row to one input", len(g.Inputs))
	}
	thr := Threshold(g)
	r := &Report{N: set.Len()}
	var fl, fx, agree int
	for i, row := range set.X {
		in, err := model.TensorFromFloats(g.Inputs[0], row)
		if err != nil {
			return nil, fmt.Errorf("evaluate: row %d: %w", i, err)
		}
		env, err := g.Eval([]*model.Tensor{in})
		if err != nil {
			return nil, fmt.Errorf("evaluate: row %d: %w", i, err)
		}
		want := g.OutputsOf(env)[0].Floats()
		w, err := p.Eval([]*model.Tensor{in})
		if err != nil {
			return nil, fmt.Errorf("evaluate: row %d: %w", i, err)
		}
		got := p.Decode(w)[0].Floats()
		for j := range got {
			r.MaxAbsError = math.Max(r.MaxAbsError, math.Abs(got[j]-want[j]))
		}
		pf, px := Predict(want, thr), Predict(got, thr)
		if pf == labels[i] {
			fl++
		}
		if px == labels[i] {
			fx++
		}
		if pf == px {
			agree++
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	n := float64(r.N)
	r.FloatAccuracy, r.FixedAccuracy, r.Agreement = float64(fl)/n, float64(fx)/n, float64(agree)/n
	return r, nil
}
