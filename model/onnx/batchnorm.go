package onnx

import (
	"fmt"
	"slices"

	"github.com/zkai-dev/zkai/model"
)

// foldBatchNorm merges each inference BatchNormalization (an Affine op) into
// the Conv or Gemm that feeds it when that producer has constant weights and
// no other consumer: W'[c] = a[c]·W[c], b'[c] = a[c]·b[c] + β[c]. The rest
// stay per-channel affine ops.
func foldBatchNorm(g *model.Graph) {
	uses := map[string]int{}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			uses[in]++
		}
	}
	for _, o := range g.Outputs {
		uses[o.Name]++
	}
	producer := map[string]*model.Node{}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			producer[o] = n
		}
	}
	var kept []*model.Node
	removed := map[*model.Node]bool{}
	for _, n := range g.Nodes {
		a, ok := n.Op.(*model.Affine)
		if !ok {
			continue
		}
		p := producer[n.Inputs[0]]
		if p == nil || uses[n.Inputs[0]] != 1 || len(p.Outputs) != 1 {
			continue
		}
		if foldInto(g, p, a) {
			delete(g.Values, p.Outputs[0])
			p.Outputs[0] = n.Outputs[0]
			removed[n] = true
		}
	}
	for _, n := range g.Nodes {
		if !removed[n] {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

func foldInto(g *model.Graph, p *model.Node, a *model.Affine) bool {
	switch p.Op.(type) {
	case *model.Conv, *model.Gemm:
		if len(p.Inputs) < 2 {
			return false
		}
	default:
		return false
	}
	w := g.Constants[p.Inputs[1]]
	if w == nil || w.DType != model.Float {
		return false
	}
	var bias *model.Tensor
	if len(p.Inputs) > 2 {
		if bias = g.Constants[p.Inputs[2]]; bias == nil {
			return false
		}
	}
	m := len(a.Scale)
	nw := &model.Tensor{DType: model.Float, Shape: slices.Clone(w.Shape), F: slices.Clone(w.F)}
	// channel of each weight element, and how the bias is laid out
	var channel func(i int) int
	alpha, beta := 1.0, 1.0
	switch op := p.Op.(type) {
	case *model.Conv:
		if w.Shape[0] != m {
			return false
		}
		inner := model.Size(w.Shape[1:])
		channel = func(i int) int { return i / inner }
	case *model.Gemm:
		if len(w.Shape) != 2 {
			return false
		}
		if op.TransB {
			channel = func(i int) int { return i / w.Shape[1] }
		} else {
			channel = func(i int) int { return i % w.Shape[1] }
		}
		if (op.TransB && w.Shape[0] != m) || (!op.TransB && w.Shape[1] != m) {
			return false
		}
		// C must broadcast along the rows: one value, or one per column
		// ([N] or [1,N]); a per-row C ([M,1]) does not follow the channels
		if bias != nil && bias.Len() != 1 && (bias.Len() != m || bias.Shape[len(bias.Shape)-1] != m) {
			return false
		}
		alpha, beta = op.Alpha, op.Beta
		op.Alpha, op.Beta = 1, 1
	}
	for i := range nw.F {
		nw.F[i] *= alpha * a.Scale[channel(i)]
	}
	nb := model.NewFloat([]int{m})
	for c := 0; c < m; c++ {
		nb.F[c] = a.Bias[c]
		if bias != nil { // the one value, or channel c's
			nb.F[c] += beta * bias.At(c%bias.Len()) * a.Scale[c]
		}
	}
	wName := unusedName(g, p.Name+"/bn_folded_weight")
	g.Constants[wName], g.Values[wName] = nw, nw.Value(wName)
	bName := unusedName(g, p.Name+"/bn_folded_bias")
	g.Constants[bName], g.Values[bName] = nb, nb.Value(bName)
	p.Inputs = []string{p.Inputs[0], wName, bName}
	return true
}

// unusedName returns base, or base with a numeric suffix, that names no
// constant or value of g: node names need not be unique.
func unusedName(g *model.Graph, base string) string {
	name := base
	for i := 1; ; i++ {
		_, isConst := g.Constants[name]
		_, isValue := g.Values[name]
		if !isConst && !isValue {
			return name
		}
		name = fmt.Sprintf("%s_%d", base, i)
	}
}
