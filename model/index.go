package model

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// This file holds the indexing ops that only move elements (Movers: Tile,
// Trilu, DepthToSpace/SpaceToDepth, GatherElements, GatherND, the Scatter
// family, nearest Resize), Split, whose outputs are Moves of its input, and
// CumSum, whose outputs are sums of fixed groups of inputs.

// Tile repeats the input Repeats[d] times along each axis d.
type Tile struct{ Repeats []int }

func (*Tile) Type() string { return "Tile" }

func (t *Tile) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	s := in[0].Shape
	if len(t.Repeats) != len(s) {
		return nil, fmt.Errorf("repeats %v has %d entries for rank %d", t.Repeats, len(t.Repeats), len(s))
	}
	shape := make([]int, len(s))
	for d, r := range t.Repeats {
		if r < 0 {
			return nil, fmt.Errorf("repeats %v has a negative entry", t.Repeats)
		}
		shape[d] = s[d] * r
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (t *Tile) Map(in []Value) ([]int, float64, error) {
	out, err := t.Infer(in)
	if err != nil {
		return nil, 0, err
	}
	s := in[0].Shape
	str := Strides(s)
	src := make([]int, Size(out[0].Shape))
	forEachIndex(out[0].Shape, func(k int, c []int) {
		o := 0
		for d := range c {
			o += (c[d] % s[d]) * str[d]
		}
		src[k] = o
	})
	return src, 0, nil
}

func (t *Tile) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(t, in) }

// Trilu keeps the upper (Upper) or lower triangle of the last two axes:
// element (i, j) is kept when j − i ≥ K (upper) or j − i ≤ K (lower), and
// is 0 otherwise.
type Trilu struct {
	Upper bool
	K     int64
}

func (*Trilu) Type() string { return "Trilu" }

func (t *Trilu) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if len(in[0].Shape) < 2 {
		return nil, fmt.Errorf("input has rank %d; want at least 2", len(in[0].Shape))
	}
	return []Value{{DType: in[0].DType, Shape: clone(in[0].Shape)}}, nil
}

func (t *Trilu) Map(in []Value) ([]int, float64, error) {
	if _, err := t.Infer(in); err != nil {
		return nil, 0, err
	}
	s := in[0].Shape
	r := len(s)
	src := make([]int, Size(s))
	forEachIndex(s, func(k int, c []int) {
		d := int64(c[r-1]) - int64(c[r-2])
		if (t.Upper && d >= t.K) || (!t.Upper && d <= t.K) {
			src[k] = k
		} else {
			src[k] = -1
		}
	})
	return src, 0, nil
}

func (t *Trilu) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(t, in) }

// SpaceDepth is DepthToSpace (ToDepth false) or SpaceToDepth on NCHW
// input with block size Block. DepthToSpace reads output (n, c, h·b+i,
// w·b+j) from input channel (i·b+j)·C' + c in DCR mode or c·b² + i·b + j in
// CRD mode (C' = C/b²); SpaceToDepth is the inverse of DCR.
type SpaceDepth struct {
	Block   int
	CRD     bool
	ToDepth bool
}

func (s *SpaceDepth) Type() string {
	if s.ToDepth {
		return "SpaceToDepth"
	}
	return "DepthToSpace"
}

func (s *SpaceDepth) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	x := in[0].Shape
	b := s.Block
	if len(x) != 4 {
		return nil, fmt.Errorf("input has rank %d; want 4 (NCHW)", len(x))
	}
	if b < 1 {
		return nil, fmt.Errorf("blocksize %d; want at least 1", b)
	}
	if s.ToDepth {
		if x[2]%b != 0 || x[3]%b != 0 {
			return nil, fmt.Errorf("height and width %v are not multiples of blocksize %d", x[2:], b)
		}
		return []Value{{DType: in[0].DType, Shape: []int{x[0], x[1] * b * b, x[2] / b, x[3] / b}}}, nil
	}
	if x[1]%(b*b) != 0 {
		return nil, fmt.Errorf("%d channels are not a multiple of blocksize² = %d", x[1], b*b)
	}
	return []Value{{DType: in[0].DType, Shape: []int{x[0], x[1] / (b * b), x[2] * b, x[3] * b}}}, nil
}

func (s *SpaceDepth) Map(in []Value) ([]int, float64, error) {
	out, err := s.Infer(in)
	if err != nil {
		return nil, 0, err
	}
	b := s.Block
	// the space-shaped side (DepthToSpace's output, SpaceToDepth's input)
	sp := out[0].Shape
	if s.ToDepth {
		sp = in[0].Shape
	}
	c1 := sp[1]
	dp := []int{sp[0], c1 * b * b, sp[2] / b, sp[3] / b}
	sStr, dStr := Strides(sp), Strides(dp)
	src := make([]int, Size(sp))
	forEachIndex(sp, func(_ int, c []int) {
		i, j := c[2]%b, c[3]%b
		ch := (i*b+j)*c1 + c[1]
		if s.CRD {
			ch = c[1]*b*b + i*b + j
		}
		sk := c[0]*sStr[0] + c[1]*sStr[1] + c[2]*sStr[2] + c[3]*sStr[3]
		dk := c[0]*dStr[0] + ch*dStr[1] + c[2]/b*dStr[2] + c[3]/b*dStr[3]
		if s.ToDepth {
			src[dk] = sk
		} else {
			src[sk] = dk
		}
	})
	return src, 0, nil
}

func (s *SpaceDepth) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(s, in) }

// normIndex maps an index into [0, n), negative ones counting from the
// end; what names it in errors.
func normIndex(i int64, n int, what string) (int, error) {
	if i < -int64(n) || i >= int64(n) {
		return 0, fmt.Errorf("%s index %d is out of range for an axis of size %d", what, i, n)
	}
	if i < 0 {
		i += int64(n)
	}
	return int(i), nil
}

// GatherElements reads, for every position of the constant Indices (shape
// IndicesShape, the rank of the data), the data element at that position
// with its Axis coordinate replaced by the index.
type GatherElements struct {
	Axis         int
	Indices      []int64
	IndicesShape []int
}

func (*GatherElements) Type() string { return "GatherElements" }

// elementsMap returns, per position of indices, the flat data index it
// addresses (shared with ScatterElements).
func elementsMap(axis int, data []int, idx []int64, idxShape []int) ([]int, error) {
	if len(idxShape) != len(data) {
		return nil, fmt.Errorf("indices have rank %d; want the data's rank %d", len(idxShape), len(data))
	}
	if Size(idxShape) != len(idx) {
		return nil, fmt.Errorf("indices have %d values for shape %v", len(idx), idxShape)
	}
	ax, err := NormAxis(axis, len(data))
	if err != nil {
		return nil, err
	}
	for d := range data {
		if d != ax && idxShape[d] > data[d] {
			return nil, fmt.Errorf("indices shape %v exceeds data shape %v on axis %d", idxShape, data, d)
		}
	}
	str := Strides(data)
	m := make([]int, len(idx))
	var bad error
	forEachIndex(idxShape, func(k int, c []int) {
		i, err := normIndex(idx[k], data[ax], "an")
		if err != nil {
			bad = err
			return
		}
		o := 0
		for d := range c {
			if d == ax {
				o += i * str[d]
			} else {
				o += c[d] * str[d]
			}
		}
		m[k] = o
	})
	return m, bad
}

func (g *GatherElements) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if _, err := elementsMap(g.Axis, in[0].Shape, g.Indices, g.IndicesShape); err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: clone(g.IndicesShape)}}, nil
}

func (g *GatherElements) Map(in []Value) ([]int, float64, error) {
	m, err := elementsMap(g.Axis, in[0].Shape, g.Indices, g.IndicesShape)
	return m, 0, err
}

func (g *GatherElements) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(g, in) }

// ndMap resolves GatherND/ScatterND indices (last axis: coordinates into the
// data after BatchDims leading batch axes): per index tuple, the flat data
// offset of the slice it addresses, and the slice's size.
func ndMap(data []int, idx []int64, idxShape []int, batchDims int) (offs []int, slice int, err error) {
	q := len(idxShape)
	if q < 1 || Size(idxShape) != len(idx) {
		return nil, 0, fmt.Errorf("indices of shape %v are not a tensor of index tuples", idxShape)
	}
	k := idxShape[q-1]
	if batchDims < 0 || batchDims >= q || batchDims+k > len(data) {
		return nil, 0, fmt.Errorf("indices shape %v with batch_dims %d do not fit data of rank %d", idxShape, batchDims, len(data))
	}
	for d := 0; d < batchDims; d++ {
		if idxShape[d] != data[d] {
			return nil, 0, fmt.Errorf("batch axis %d has size %d in the indices and %d in the data", d, idxShape[d], data[d])
		}
	}
	str := Strides(data)
	slice = Size(data[batchDims+k:])
	tuples := Size(idxShape[:q-1])
	perBatch := max(1, tuples/max(1, Size(idxShape[:batchDims])))
	offs = make([]int, tuples)
	for t := range offs {
		o := 0
		// the batch coordinates of tuple t
		rem := t / perBatch
		for d := batchDims - 1; d >= 0; d-- {
			o += (rem % data[d]) * str[d]
			rem /= data[d]
		}
		for j := 0; j < k; j++ {
			i, err := normIndex(idx[t*k+j], data[batchDims+j], "an")
			if err != nil {
				return nil, 0, err
			}
			o += i * str[batchDims+j]
		}
		offs[t] = o
	}
	return offs, slice, nil
}

// GatherND gathers slices of the data addressed by the constant index
// tuples (the last axis of Indices) after BatchDims batch axes: the output
// shape is IndicesShape[:-1] followed by the addressed slice's shape.
type GatherND struct {
	BatchDims    int
	Indices      []int64
	IndicesShape []int
}

func (*GatherND) Type() string { return "GatherND" }

func (g *GatherND) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if _, _, err := ndMap(in[0].Shape, g.Indices, g.IndicesShape, g.BatchDims); err != nil {
		return nil, err
	}
	q := len(g.IndicesShape)
	shape := append(clone(g.IndicesShape[:q-1]), in[0].Shape[g.BatchDims+g.IndicesShape[q-1]:]...)
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (g *GatherND) Map(in []Value) ([]int, float64, error) {
	offs, slice, err := ndMap(in[0].Shape, g.Indices, g.IndicesShape, g.BatchDims)
	if err != nil {
		return nil, 0, err
	}
	src := make([]int, 0, len(offs)*slice)
	for _, o := range offs {
		for j := 0; j < slice; j++ {
			src = append(src, o+j)
		}
	}
	return src, 0, nil
}

func (g *GatherND) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(g, in) }

// Scatter writes the updates (input 1) into a copy of the data (input 0)
// at the positions the constant Indices address: ScatterElements (ND false,
// also the deprecated Scatter) per element along Axis, ScatterND per index
// tuple (a slice each). Only ONNX's reduction "none" is an element move;
// where two updates hit one position the later one wins, as the ONNX
// reference does.
type Scatter struct {
	OpName       string
	ND           bool
	Axis         int
	Indices      []int64
	IndicesShape []int
}

func (s *Scatter) Type() string { return s.OpName }

// targets returns, per update element, the flat data index it overwrites.
func (s *Scatter) targets(data, updates []int) ([]int, error) {
	if !s.ND {
		if !slices.Equal(updates, s.IndicesShape) {
			return nil, fmt.Errorf("updates have shape %v; want the indices' shape %v", updates, s.IndicesShape)
		}
		return elementsMap(s.Axis, data, s.Indices, s.IndicesShape)
	}
	offs, slice, err := ndMap(data, s.Indices, s.IndicesShape, 0)
	if err != nil {
		return nil, err
	}
	q := len(s.IndicesShape)
	want := append(clone(s.IndicesShape[:q-1]), data[s.IndicesShape[q-1]:]...)
	if !slices.Equal(updates, want) {
		return nil, fmt.Errorf("updates have shape %v; want %v", updates, want)
	}
	t := make([]int, 0, len(offs)*slice)
	for _, o := range offs {
		for j := 0; j < slice; j++ {
			t = append(t, o+j)
		}
	}
	return t, nil
}

func (s *Scatter) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return nil, err
	}
	if (in[0].DType == Float) != (in[1].DType == Float) {
		return nil, fmt.Errorf("updates are %s; the data %s", in[1].DType, in[0].DType)
	}
	if _, err := s.targets(in[0].Shape, in[1].Shape); err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: clone(in[0].Shape)}}, nil
}

func (s *Scatter) Map(in []Value) ([]int, float64, error) {
	t, err := s.targets(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, 0, err
	}
	n := Size(in[0].Shape)
	src := identityMap(n)
	for u, k := range t {
		src[k] = n + u
	}
	return src, 0, nil
}

func (s *Scatter) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(s, in) }

// ScatterAdd is Scatter with reduction "add": every data element plus the
// updates that hit it, with the data (input 0) and the updates (input 1)
// laid end to end.
type ScatterAdd struct{ S Scatter }

func (s *ScatterAdd) Type() string                      { return s.S.OpName }
func (s *ScatterAdd) Infer(in []Value) ([]Value, error) { return s.S.Infer(in) }

// Groups returns the output shape and, per output element, the elements of
// data and updates (laid end to end) that it sums.
func (s *ScatterAdd) Groups(in []Value) ([]int, [][]int, error) {
	if _, err := s.S.Infer(in); err != nil {
		return nil, nil, err
	}
	t, _ := s.S.targets(in[0].Shape, in[1].Shape)
	n := Size(in[0].Shape)
	groups := make([][]int, n)
	for k := range groups {
		groups[k] = []int{k}
	}
	for u, k := range t {
		groups[k] = append(groups[k], n+u)
	}
	return clone(in[0].Shape), groups, nil
}

func (s *ScatterAdd) Eval(in []*Tensor) ([]*Tensor, error) {
	shape, groups, err := s.Groups([]Value{in[0].Value(""), in[1].Value("")})
	if err != nil {
		return nil, err
	}
	out := New(in[0].DType, shape)
	n := in[0].Len()
	for k, g := range groups {
		v := 0.0
		for _, i := range g {
			if i < n {
				v += in[0].At(i)
			} else {
				v += in[1].At(i - n)
			}
		}
		out.Set(k, v)
	}
	return []*Tensor{out}, nil
}

// Resize is nearest-neighbour Resize (and the deprecated Upsample) with
// static output Sizes. For every axis, output coordinate x reads input
// coordinate nearest(orig(x)) clamped to the axis, where orig is the
// coordinate transformation (Coord, with Scales[d] the scale it uses) and
// nearest the rounding (Nearest), as the ONNX specification defines them.
type Resize struct {
	OpName  string
	Sizes   []int
	Scales  []float64
	Coord   string
	Nearest string
}

func (r *Resize) Type() string { return r.OpName }

// ResizeCoords and ResizeNearest are the supported modes.
var (
	ResizeCoords  = []string{"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"}
	ResizeNearest = []string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}
)

func (r *Resize) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if len(r.Sizes) != len(in[0].Shape) || len(r.Scales) != len(r.Sizes) {
		return nil, fmt.Errorf("sizes %v and scales %v do not match rank %d", r.Sizes, r.Scales, len(in[0].Shape))
	}
	if !slices.Contains(ResizeCoords, r.Coord) || !slices.Contains(ResizeNearest, r.Nearest) {
		return nil, fmt.Errorf("modes %s/%s are not supported", r.Coord, r.Nearest)
	}
	for d, n := range r.Sizes {
		if n < 0 || (n > 0 && in[0].Shape[d] == 0) || !(r.Scales[d] > 0) {
			return nil, fmt.Errorf("cannot resize axis %d of size %d to %d (scale %v)", d, in[0].Shape[d], n, r.Scales[d])
		}
	}
	return []Value{{DType: in[0].DType, Shape: clone(r.Sizes)}}, nil
}

// orig is the coordinate transformation: the input coordinate of output
// coordinate x on an axis of input size n and scale s (the ONNX reference
// takes the output length as s·n).
func (r *Resize) orig(x, n int, s float64) float64 {
	xf, m := float64(x), s*float64(n)
	switch r.Coord {
	case "pytorch_half_pixel":
		if m == 1 {
			return -0.5
		}
		return (xf+0.5)/s - 0.5
	case "align_corners":
		if m == 1 {
			return 0
		}
		return xf * float64(n-1) / (m - 1)
	case "asymmetric":
		return xf / s
	case "tf_half_pixel_for_nn":
		return (xf + 0.5) / s
	}
	return (xf+0.5)/s - 0.5 // half_pixel
}

// source returns the input coordinate output coordinate x reads on an axis
// of input size n and scale s.
func (r *Resize) source(x, n int, s float64) int {
	o := r.orig(x, n, s)
	var i float64
	switch r.Nearest {
	case "round_prefer_floor":
		if o-math.Floor(o) == 0.5 {
			i = math.Floor(o)
		} else {
			i = math.Round(o)
		}
	case "round_prefer_ceil":
		i = math.Round(o)
		if o-math.Floor(o) == 0.5 {
			i = math.Ceil(o)
		}
	case "floor":
		i = math.Floor(o)
	case "ceil":
		i = math.Ceil(o)
	}
	return int(min(max(i, 0), float64(n-1)))
}

func (r *Resize) Map(in []Value) ([]int, float64, error) {
	if _, err := r.Infer(in); err != nil {
		return nil, 0, err
	}
	s := in[0].Shape
	str := Strides(s)
	per := make([][]int, len(s))
	for d := range s {
		per[d] = make([]int, r.Sizes[d])
		for x := range per[d] {
			per[d][x] = r.source(x, s[d], r.Scales[d])
		}
	}
	src := make([]int, Size(r.Sizes))
	forEachIndex(r.Sizes, func(k int, c []int) {
		o := 0
		for d := range c {
			o += per[d][c[d]] * str[d]
		}
		src[k] = o
	})
	return src, 0, nil
}

func (r *Resize) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(r, in) }

// Split cuts the input along Axis into len(Sizes) outputs of those sizes.
type Split struct {
	Axis  int
	Sizes []int
}

func (*Split) Type() string { return "Split" }

func (s *Split) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	ax, err := NormAxis(s.Axis, len(in[0].Shape))
	if err != nil {
		return nil, err
	}
	total := 0
	out := make([]Value, len(s.Sizes))
	for i, n := range s.Sizes {
		if n < 0 {
			return nil, fmt.Errorf("split %v has a negative size", s.Sizes)
		}
		total += n
		shape := clone(in[0].Shape)
		shape[ax] = n
		out[i] = Value{DType: in[0].DType, Shape: shape}
	}
	if total != in[0].Shape[ax] {
		return nil, fmt.Errorf("split %v adds up to %d; axis %d has size %d", s.Sizes, total, ax, in[0].Shape[ax])
	}
	return out, nil
}

// Parts returns each output as a Slice of the input.
func (s *Split) Parts(in Value) ([]*Slice, error) {
	if _, err := s.Infer([]Value{in}); err != nil {
		return nil, err
	}
	parts := make([]*Slice, len(s.Sizes))
	at := int64(0)
	for i, n := range s.Sizes {
		parts[i] = &Slice{Starts: []int64{at}, Ends: []int64{at + int64(n)}, Axes: []int64{int64(s.Axis)}}
		at += int64(n)
	}
	return parts, nil
}

func (s *Split) Eval(in []*Tensor) ([]*Tensor, error) {
	parts, err := s.Parts(in[0].Value(""))
	if err != nil {
		return nil, err
	}
	out := make([]*Tensor, len(parts))
	for i, p := range parts {
		t, err := p.Eval(in)
		if err != nil {
			return nil, err
		}
		out[i] = t[0]
	}
	return out, nil
}

// CumSum is the running sum along Axis: y[.., i, ..] = Σ x[.., j, ..] over
// j ≤ i (j < i when Exclusive; j ≥ i, or j > i, when Reverse).
type CumSum struct {
	Axis      int
	Exclusive bool
	Reverse   bool
}

func (*CumSum) Type() string { return "CumSum" }

func (c *CumSum) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if _, err := NormAxis(c.Axis, len(in[0].Shape)); err != nil {
		return nil, err
	}
	dt := in[0].DType
	if dt == Bool {
		return nil, fmt.Errorf("input is bool; want numbers")
	}
	return []Value{{DType: dt, Shape: clone(in[0].Shape)}}, nil
}

// Groups returns the output shape and, per output element, the input
// elements it sums.
func (c *CumSum) Groups(in Value) ([]int, [][]int, error) {
	ax, err := NormAxis(c.Axis, len(in.Shape))
	if err != nil {
		return nil, nil, err
	}
	n := in.Shape[ax]
	str := Strides(in.Shape)[ax]
	groups := make([][]int, Size(in.Shape))
	forEachIndex(in.Shape, func(k int, co []int) {
		base := k - co[ax]*str
		for j := 0; j < n; j++ {
			in := j < co[ax] || (j == co[ax] && !c.Exclusive)
			if c.Reverse {
				in = j > co[ax] || (j == co[ax] && !c.Exclusive)
			}
			if in {
				groups[k] = append(groups[k], base+j*str)
			}
		}
	})
	return clone(in.Shape), groups, nil
}

func (c *CumSum) Eval(in []*Tensor) ([]*Tensor, error) {
	vs, err := c.Infer([]Value{in[0].Value("")})
	if err != nil {
		return nil, err
	}
	_, groups, _ := c.Groups(in[0].Value(""))
	out := New(vs[0].DType, vs[0].Shape)
	for k, g := range groups {
		s := 0.0
		for _, i := range g {
			s += in[0].At(i)
		}
		out.Set(k, s)
	}
	return []*Tensor{out}, nil
}

// ResizeInterp is linear (Cubic false) or cubic Resize with static sizes:
// along every axis, output coordinate x is Σ w_i·x[clamp(i)] over the 2
// (linear) or 4 (cubic) input coordinates nearest to orig(x), with the
// weights of the ONNX reference — linear 1−r and r, cubic Keys' kernel with
// coefficient CubicA, r the fractional part of orig(x) — renormalised over
// the in-range coordinates with ExcludeOutside; axes combine as the tensor
// product of their weights. The weights are constants, so the output is a
// constant-weighted sum of input elements.
type ResizeInterp struct {
	R              Resize
	Cubic          bool
	CubicA         float64
	ExcludeOutside bool
}

func (r *ResizeInterp) Type() string { return r.R.OpName }

func (r *ResizeInterp) Infer(in []Value) ([]Value, error) {
	out, err := r.R.Infer(in)
	if err == nil && in[0].DType != Float {
		return nil, fmt.Errorf("input is %s; interpolation needs float", in[0].DType)
	}
	return out, err
}

// coeffs returns the interpolation weights for fractional part t ∈ (0, 1].
func (r *ResizeInterp) coeffs(t float64) []float64 {
	if !r.Cubic {
		return []float64{1 - t, t}
	}
	a, u := r.CubicA, 1-t
	return []float64{
		((a*(t+1)-5*a)*(t+1)+8*a)*(t+1) - 4*a,
		((a+2)*t-(a+3))*t*t + 1,
		((a+2)*u-(a+3))*u*u + 1,
		((a*(u+1)-5*a)*(u+1)+8*a)*(u+1) - 4*a,
	}
}

// axisWeights returns, per output coordinate of axis d, the input
// coordinates (clamped) and their weights.
func (r *ResizeInterp) axisWeights(n, m int, s float64) ([][]int, [][]float64) {
	idx, wts := make([][]int, m), make([][]float64, m)
	for x := range idx {
		o := r.R.orig(x, n, s)
		f := math.Floor(o)
		t := o - f
		if t == 0 { // as the reference: weight 1 on the last of the left neighbours
			t, f = 1, f-1
		}
		w := r.coeffs(t)
		base := int(f) - len(w)/2 + 1
		sum := 0.0
		for i := range w {
			if r.ExcludeOutside && (base+i < 0 || base+i >= n) {
				w[i] = 0
			}
			sum += w[i]
		}
		for i := range w {
			if r.ExcludeOutside {
				w[i] /= sum
			}
			idx[x] = append(idx[x], min(max(base+i, 0), n-1))
		}
		wts[x] = w
	}
	return idx, wts
}

// Weights returns, per output element, the flat input indices and weights
// of its sum.
func (r *ResizeInterp) Weights(in Value) ([][]int, [][]float64, error) {
	if _, err := r.Infer([]Value{in}); err != nil {
		return nil, nil, err
	}
	s := in.Shape
	per := 2
	if r.Cubic {
		per = 4
	}
	if err := checkTerms("resize terms", Size(r.R.Sizes), int(math.Pow(float64(per), float64(len(s))))); err != nil {
		return nil, nil, err
	}
	ai, aw := make([][][]int, len(s)), make([][][]float64, len(s))
	for d := range s {
		ai[d], aw[d] = r.axisWeights(s[d], r.R.Sizes[d], r.R.Scales[d])
	}
	str := Strides(s)
	idx, wts := make([][]int, Size(r.R.Sizes)), make([][]float64, Size(r.R.Sizes))
	forEachIndex(r.R.Sizes, func(k int, c []int) {
		is, ws := []int{0}, []float64{1}
		for d := range c {
			var ni []int
			var nw []float64
			for j := range is {
				for t, i := range ai[d][c[d]] {
					if w := aw[d][c[d]][t]; w != 0 {
						ni = append(ni, is[j]+i*str[d])
						nw = append(nw, ws[j]*w)
					}
				}
			}
			is, ws = ni, nw
		}
		idx[k], wts[k] = is, ws
	})
	return idx, wts, nil
}

func (r *ResizeInterp) Eval(in []*Tensor) ([]*Tensor, error) {
	idx, wts, err := r.Weights(in[0].Value(""))
	if err != nil {
		return nil, err
	}
	out := NewFloat(r.R.Sizes)
	for k := range idx {
		for t, i := range idx[k] {
			out.F[k] += wts[k][t] * in[0].F[i]
		}
	}
	return []*Tensor{out}, nil
}

// TopK returns the K largest (smallest unless Largest) elements along Axis
// and their indices, sorted, ties to the lower index.
type TopK struct {
	Axis    int
	K       int
	Largest bool
}

func (*TopK) Type() string { return "TopK" }

func (t *TopK) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	ax, err := NormAxis(t.Axis, len(in[0].Shape))
	if err != nil {
		return nil, err
	}
	if t.K < 0 || t.K > in[0].Shape[ax] {
		return nil, fmt.Errorf("k = %d for an axis of size %d", t.K, in[0].Shape[ax])
	}
	shape := clone(in[0].Shape)
	shape[ax] = t.K
	return []Value{{DType: in[0].DType, Shape: shape}, {DType: Int, Shape: clone(shape)}}, nil
}

// Groups returns the lines along the axis (input elements in axis order)
// and, per output element, its line and rank.
func (t *TopK) Groups(in Value) (lines [][]int, line, rank []int, err error) {
	out, err := t.Infer([]Value{in})
	if err != nil {
		return nil, nil, nil, err
	}
	ax, _ := NormAxis(t.Axis, len(in.Shape))
	_, lines, _ = AxisGroups(in.Shape, []int{ax})
	kstr := Strides(out[0].Shape)
	inner := Size(in.Shape[ax+1:])
	line, rank = make([]int, Size(out[0].Shape)), make([]int, Size(out[0].Shape))
	forEachIndex(out[0].Shape, func(k int, c []int) {
		j := (k - c[ax]*kstr[ax]) // the element with rank 0
		line[k] = j/(t.K*inner)*inner + j%inner
		rank[k] = c[ax]
	})
	return lines, line, rank, nil
}

func (t *TopK) Eval(in []*Tensor) ([]*Tensor, error) {
	v := in[0].Value("")
	outs, err := t.Infer([]Value{v})
	if err != nil {
		return nil, err
	}
	lines, line, rank, _ := t.Groups(v)
	orders := make([][]int, len(lines))
	for j, g := range lines {
		o := make([]int, len(g))
		for i := range o {
			o[i] = i
		}
		sort.SliceStable(o, func(a, b int) bool {
			x, y := in[0].At(g[o[a]]), in[0].At(g[o[b]])
			if t.Largest {
				return x > y
			}
			return x < y
		})
		orders[j] = o
	}
	vals, idx := New(outs[0].DType, outs[0].Shape), NewInt(Int, outs[1].Shape)
	for k := range line {
		p := orders[line[k]][rank[k]]
		vals.Set(k, in[0].At(lines[line[k]][p]))
		idx.I[k] = int64(p)
	}
	return []*Tensor{vals, idx}, nil
}

// OneHot inserts an axis of size Depth at Axis: output element (…, i, …) is
// On where i equals the index (negative indices count from Depth; others
// out of range match nothing) and Off elsewhere. Indices are truncated
// toward zero; the output has the values' type (DType).
type OneHot struct {
	Axis    int
	Depth   int
	Off, On float64
	DType   DType
}

func (*OneHot) Type() string { return "OneHot" }

func (o *OneHot) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if o.Depth < 1 {
		return nil, fmt.Errorf("depth %d; want at least 1", o.Depth)
	}
	ax, err := NormAxis(o.Axis, len(in[0].Shape)+1)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: o.DType, Shape: slices.Insert(clone(in[0].Shape), ax, o.Depth)}}, nil
}

// Map returns, per output element, the index element it tests and the
// position along the new axis it stands for.
func (o *OneHot) Map(in Value) (src, pos []int, err error) {
	out, err := o.Infer([]Value{in})
	if err != nil {
		return nil, nil, err
	}
	ax, _ := NormAxis(o.Axis, len(in.Shape)+1)
	inner := Size(in.Shape[ax:])
	n := Size(out[0].Shape)
	src, pos = make([]int, n), make([]int, n)
	for k := range src {
		outer, rest := k/(o.Depth*inner), k%(o.Depth*inner)
		pos[k] = rest / inner
		src[k] = outer*inner + rest%inner
	}
	return src, pos, nil
}

func (o *OneHot) Eval(in []*Tensor) ([]*Tensor, error) {
	out, err := o.Infer([]Value{in[0].Value("")})
	if err != nil {
		return nil, err
	}
	src, pos, _ := o.Map(in[0].Value(""))
	t := New(out[0].DType, out[0].Shape)
	for k := range src {
		v := math.Trunc(in[0].At(src[k]))
		if v < 0 {
			v += float64(o.Depth)
		}
		if v == float64(pos[k]) {
			t.Set(k, o.On)
		} else {
			t.Set(k, o.Off)
		}
	}
	return []*Tensor{t}, nil
}
