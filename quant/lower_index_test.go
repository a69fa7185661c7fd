package quant

import (
	"slices"
	"testing"

	"github.com/zkai-dev/zkai/model"
)

// TestHandIndexAndReduce: one node per op on x = [1, −2, 3, −0.5] at scale
// 2^4 (integers 16, −32, 48, −8), against witnesses computed by hand.
func TestHandIndexAndReduce(t *testing.T) {
	x := model.Value{Name: "x", DType: model.Float, Shape: []int{1, 4}}
	upd := &model.Tensor{DType: model.Float, Shape: []int{1, 2}, F: []float64{5, 7}}
	for _, c := range []struct {
		name   string
		op     model.Op
		consts map[string]*model.Tensor
		inputs []string
		outs   []string
		want   [][]int64
	}{
		{"ReduceMin", &model.Reduce{Kind: model.ReduceMin, Axes: []int{1}, KeepDims: true}, nil, nil, nil, [][]int64{{-32}}},
		{"ReduceL1", &model.Reduce{Kind: model.ReduceL1, Axes: []int{1}}, nil, nil, nil, [][]int64{{104}}},
		// Σx² = 3648 at 2^8, rounded to 2^4: 228 (14.25)
		{"ReduceSumSquare", &model.Reduce{Kind: model.ReduceSumSquare, Axes: []int{1}}, nil, nil, nil, [][]int64{{228}}},
		// ⌊√3648 + ½⌋ = 60 at 2^4 (3.75; √14.25 = 3.77)
		{"ReduceL2", &model.Reduce{Kind: model.ReduceL2, Axes: []int{1}}, nil, nil, nil, [][]int64{{60}}},
		// 16·−32 = −512 → −32; ·48 = −1536 → −96; ·−8 = 768 → 48 (3)
		{"ReduceProd", &model.Reduce{Kind: model.ReduceProd, Axes: []int{1}}, nil, nil, nil, [][]int64{{48}}},
		{"ArgMin", &model.ArgMax{Axis: 1, Min: true}, nil, nil, nil, [][]int64{{1}}},
		{"CumSum", &model.CumSum{Axis: 1}, nil, nil, nil, [][]int64{{16, -16, 32, 24}}},
		{"CumSumReverseExclusive", &model.CumSum{Axis: 1, Reverse: true, Exclusive: true}, nil, nil, nil, [][]int64{{8, 40, -8, 0}}},
		{"Trilu", &model.Trilu{Upper: true, K: 1}, nil, nil, nil, [][]int64{{0, -32, 48, -8}}},
		{"Tile", &model.Tile{Repeats: []int{1, 2}}, nil, nil, nil, [][]int64{{16, -32, 48, -8, 16, -32, 48, -8}}},
		{"Split", &model.Split{Axis: 1, Sizes: []int{1, 3}}, nil, nil, []string{"y", "z"}, [][]int64{{16}, {-32, 48, -8}}},
		{"ScatterElements", &model.Scatter{OpName: "ScatterElements", Axis: 1, Indices: []int64{3, -4}, IndicesShape: []int{1, 2}},
			map[string]*model.Tensor{"u": upd}, []string{"x", "u"}, nil, [][]int64{{112, -32, 48, 80}}},
		// Σ|x| = 104: round(x·2^4/104) = 2, −5, 7, −1
		{"LpNormalizationP1", &model.LpNorm{Axis: 1, P: 1}, nil, nil, nil, [][]int64{{2, -5, 7, -1}}},
		// r = max{r : r²·(3648 + 1) ≤ 2^16} = 4 (¼ at 2^4); round(x·r/2^4)
		{"LpNormalizationP2", &model.LpNorm{Axis: 1, P: 2}, nil, nil, nil, [][]int64{{4, -8, 12, -2}}},
		// linear, asymmetric ×2: orig(x) = x/2; weights ½ at 2^16
		{"ResizeLinear", &model.ResizeInterp{R: model.Resize{OpName: "Resize", Sizes: []int{1, 8}, Scales: []float64{1, 2},
			Coord: "asymmetric", Nearest: "floor"}}, nil, nil, nil, [][]int64{{16, -8, -32, 8, 48, 20, -8, -8}}},
		{"TopK", &model.TopK{Axis: 1, K: 2, Largest: true}, nil, nil, []string{"y", "z"}, [][]int64{{48, 16}, {2, 0}}},
		{"TopKSmallest", &model.TopK{Axis: 1, K: 3}, nil, nil, []string{"y", "z"}, [][]int64{{-32, -8, 16}, {1, 3, 0}}},
		{"GatherElements", &model.GatherElements{Axis: 1, Indices: []int64{2, 2, 0}, IndicesShape: []int{1, 3}}, nil, nil, nil, [][]int64{{48, 48, 16}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			inputs, outs := c.inputs, c.outs
			if inputs == nil {
				inputs = []string{"x"}
			}
			if outs == nil {
				outs = []string{"y"}
			}
			g := graph(t, []model.Value{x}, c.consts, []*model.Node{{Name: "n", Op: c.op, Inputs: inputs, Outputs: outs}}, outs...)
			s := DefaultSettings()
			s.Scale = 4
			p, err := Compile(g, s)
			if err != nil {
				t.Fatal(err)
			}
			w, err := p.Eval([]*model.Tensor{floatT([]int{1, 4}, 1, -2, 3, -0.5)})
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range outs {
				if got := w.Values[tensorNamed(t, p, name)]; !slices.Equal(got, c.want[i]) {
					t.Errorf("%s = %v; want %v", name, got, c.want[i])
				}
			}
		})
	}
}

// TestHandOneHot: run-time integer indices −1, 0, 3, 5 at depth 4, on = 2.5
// (40 at 2^4), off = 0: −1 wraps to 3, 5 matches nothing.
func TestHandOneHot(t *testing.T) {
	idx := model.Value{Name: "i", DType: model.Int, Shape: []int{4}}
	op := &model.OneHot{Axis: -1, Depth: 4, Off: 0, On: 2.5, DType: model.Float}
	g := graph(t, []model.Value{idx}, nil, []*model.Node{{Name: "n", Op: op, Inputs: []string{"i"}, Outputs: []string{"y"}}}, "y")
	s := DefaultSettings()
	s.Scale = 4
	p, err := Compile(g, s)
	if err != nil {
		t.Fatal(err)
	}
	w, err := p.Eval([]*model.Tensor{{DType: model.Int, Shape: []int{4}, I: []int64{-1, 0, 3, 5}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{0, 0, 0, 40, 40, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 0}
	if got := w.Values[tensorNamed(t, p, "y")]; !slices.Equal(got, want) {
		t.Errorf("y = %v; want %v", got, want)
	}
}
