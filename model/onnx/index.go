package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/zkai-dev/zkai/model"
)

// Indexing ops: element moves with constant indices, TopK, and ops that
// only make constants (OneHot, NonZero, Size) from constant inputs.

func tile(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	reps, err := c.constInts(1, "repeats")
	if err != nil {
		return result{}, err
	}
	for _, r := range reps {
		if r < 0 || r > maxElements {
			return result{}, fmt.Errorf("repeats %v has an out-of-range entry", reps)
		}
	}
	return opOn(&model.Tile{Repeats: toInts(reps)}, 0)
}

func trilu(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 2); err != nil {
		return result{}, err
	}
	op := &model.Trilu{Upper: c.int("upper", 1) == 1}
	if c.optional(1) {
		k, err := c.constInts(1, "k")
		if err != nil {
			return result{}, err
		}
		if len(k) != 1 {
			return result{}, fmt.Errorf("k has %d values; want one", len(k))
		}
		op.K = k[0]
	}
	return opOn(op, 0)
}

func spaceDepth(toDepth bool) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(1, 1); err != nil {
			return result{}, err
		}
		if !c.has("blocksize") {
			return result{}, fmt.Errorf("attribute blocksize is missing")
		}
		b := c.int("blocksize", 0)
		if b < 1 || b > maxElements {
			return result{}, fmt.Errorf("blocksize %d is out of range", b)
		}
		op := &model.SpaceDepth{Block: int(b), ToDepth: toDepth}
		switch m := c.str("mode", "DCR"); {
		case m == "CRD" && !toDepth:
			op.CRD = true
		case m != "DCR":
			return result{}, unsupportedAttr("mode", m, "DCR, CRD (DepthToSpace only)")
		}
		return opOn(op, 0)
	}
}

// constIndices returns input i as constant integer indices and their shape.
func (c *nodeCtx) constIndices(i int) ([]int64, []int, error) {
	t, err := c.constInput(i, "indices")
	if err != nil {
		return nil, nil, fmt.Errorf("%w (zkai moves elements by constant indices only)", err)
	}
	if t.DType == model.Float {
		return nil, nil, fmt.Errorf("indices are float; want integers")
	}
	return t.I, slices.Clone(t.Shape), nil
}

func gatherElements(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	idx, shape, err := c.constIndices(1)
	if err != nil {
		return result{}, err
	}
	return opOn(&model.GatherElements{Axis: int(c.int("axis", 0)), Indices: idx, IndicesShape: shape}, 0)
}

func gatherND(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	idx, shape, err := c.constIndices(1)
	if err != nil {
		return result{}, err
	}
	return opOn(&model.GatherND{BatchDims: int(c.int("batch_dims", 0)), Indices: idx, IndicesShape: shape}, 0)
}

func scatter(nd bool) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(3, 3); err != nil {
			return result{}, err
		}
		r := c.str("reduction", "none")
		if r != "none" && r != "add" {
			return result{}, unsupportedAttr("reduction", r, "none, add")
		}
		idx, shape, err := c.constIndices(1)
		if err != nil {
			return result{}, err
		}
		op := &model.Scatter{OpName: c.n.GetOpType(), ND: nd, Axis: int(c.int("axis", 0)), Indices: idx, IndicesShape: shape}
		if r == "add" {
			return opOn(&model.ScatterAdd{S: *op}, 0, 2)
		}
		return opOn(op, 0, 2)
	}
}

// resize handles Resize (opsets 10–18) and Upsample with static scales or
// sizes: nearest as an element move, linear and cubic as constant-weighted
// sums.
func resize(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 4); err != nil {
		return result{}, err
	}
	mode := c.str("mode", "nearest")
	if mode != "nearest" && mode != "linear" && mode != "cubic" {
		return result{}, unsupportedAttr("mode", mode, "nearest, linear, cubic")
	}
	if a := c.int("antialias", 0); a != 0 {
		return result{}, unsupportedAttr("antialias", a, "0")
	}
	if p := c.str("keep_aspect_ratio_policy", "stretch"); p != "stretch" {
		return result{}, unsupportedAttr("keep_aspect_ratio_policy", p, "stretch")
	}
	in := c.in[0].Shape
	op := &model.Resize{OpName: c.n.GetOpType(), Coord: "asymmetric", Nearest: "floor"}
	scaleIn, sizeIn := 1, -1
	if c.n.GetOpType() == "Resize" && c.opset >= 11 {
		scaleIn, sizeIn = 2, 3
		op.Coord = c.str("coordinate_transformation_mode", "half_pixel")
		op.Nearest = c.str("nearest_mode", "round_prefer_floor")
	}
	if !slices.Contains(model.ResizeCoords, op.Coord) {
		return result{}, unsupportedAttr("coordinate_transformation_mode", op.Coord, strings.Join(model.ResizeCoords, ", "))
	}
	if !slices.Contains(model.ResizeNearest, op.Nearest) {
		return result{}, unsupportedAttr("nearest_mode", op.Nearest, strings.Join(model.ResizeNearest, ", "))
	}
	axes, err := c.intsAsInt("axes")
	if err != nil {
		return result{}, err
	}
	if axes == nil {
		for d := range in {
			axes = append(axes, d)
		}
	}
	op.Sizes, op.Scales = slices.Clone(in), make([]float64, len(in))
	for d := range op.Scales {
		op.Scales[d] = 1
	}
	var scales []float64
	var sizes []int64
	switch {
	case sizeIn > 0 && c.optional(sizeIn):
		if sizes, err = c.constInts(sizeIn, "sizes"); err != nil {
			return result{}, err
		}
	case c.has("scales"):
		for _, f := range c.attrs["scales"].GetFloats() {
			scales = append(scales, float64(f))
		}
	default:
		t, err := c.constInput(scaleIn, "scales")
		if err != nil {
			return result{}, err
		}
		scales = t.Floats()
	}
	if n := max(len(sizes), len(scales)); n != len(axes) {
		return result{}, fmt.Errorf("%d scales or sizes for %d axes", n, len(axes))
	}
	for i, a := range axes {
		d, err := model.NormAxis(a, len(in))
		if err != nil {
			return result{}, err
		}
		if sizes != nil {
			if sizes[i] < 0 || sizes[i] > maxElements {
				return result{}, fmt.Errorf("sizes %v has an out-of-range entry", sizes)
			}
			op.Sizes[d] = int(sizes[i])
			op.Scales[d] = float64(sizes[i]) / float64(in[d])
			continue
		}
		s := scales[i]
		if !(s > 0) || s*float64(in[d]) > maxElements {
			return result{}, fmt.Errorf("scale %v is out of range", s)
		}
		op.Scales[d], op.Sizes[d] = s, int(math.Floor(s*float64(in[d])))
	}
	if mode == "nearest" {
		return opOn(op, 0)
	}
	return opOn(&model.ResizeInterp{R: *op, Cubic: mode == "cubic", CubicA: c.float("cubic_coeff_a", -0.75),
		ExcludeOutside: c.int("exclude_outside", 0) == 1}, 0)
}

// split reads the part sizes from the attribute (opset < 13) or the
// optional constant input; without them the axis is cut into equal parts,
// one per output (num_outputs since opset 18, the last part then smaller).
func split(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 2); err != nil {
		return result{}, err
	}
	axis := int(c.int("axis", 0))
	ax, err := model.NormAxis(axis, len(c.in[0].Shape))
	if err != nil {
		return result{}, err
	}
	sizes, ok, err := c.intsFrom("split", 1)
	if err != nil {
		return result{}, err
	}
	if !ok {
		n := int64(len(c.n.GetOutput()))
		if c.has("num_outputs") {
			n = c.int("num_outputs", 0)
		}
		if n < 1 || n > maxElements {
			return result{}, fmt.Errorf("cannot split into %d parts", n)
		}
		d := int64(c.in[0].Shape[ax])
		part := (d + n - 1) / n
		for i := int64(0); i < n; i++ {
			sizes = append(sizes, max(0, min(part, d-i*part)))
		}
	}
	if len(sizes) != len(c.n.GetOutput()) {
		return result{}, fmt.Errorf("split %v has %d parts for %d outputs", sizes, len(sizes), len(c.n.GetOutput()))
	}
	for _, s := range sizes {
		if s < 0 || s > maxElements {
			return result{}, fmt.Errorf("split %v has an out-of-range size", sizes)
		}
	}
	return opOn(&model.Split{Axis: axis, Sizes: toInts(sizes)}, 0)
}

func cumSum(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	ax, err := c.constInts(1, "axis")
	if err != nil {
		return result{}, err
	}
	if len(ax) != 1 {
		return result{}, fmt.Errorf("axis has %d values; want one", len(ax))
	}
	if ax[0] < math.MinInt32 || ax[0] > math.MaxInt32 {
		return result{}, fmt.Errorf("axis %d is out of range", ax[0])
	}
	return opOn(&model.CumSum{Axis: int(ax[0]), Exclusive: c.int("exclusive", 0) == 1, Reverse: c.int("reverse", 0) == 1}, 0)
}

// allConst returns every present input as a constant, for ops zkai only
// folds; what the op computes is named in the error.
func (c *nodeCtx) allConst(what string) ([]*model.Tensor, error) {
	ts := make([]*model.Tensor, len(c.in))
	for i := range c.in {
		if !c.optional(i) {
			continue
		}
		t, err := c.constInput(i, fmt.Sprintf("input %d", i))
		if err != nil {
			return nil, fmt.Errorf("%w; zkai computes %s only from constants", err, what)
		}
		ts[i] = t
	}
	return ts, nil
}

// oneHot: depth and values must be constant; float indices too (they
// are truncated, which a fixed-point program does not do), integer
// indices may be run-time tensors.
func oneHot(c *nodeCtx) (result, error) {
	if err := c.needInputs(3, 3); err != nil {
		return result{}, err
	}
	depth, err := c.scalarFloat(1, "depth")
	if err != nil {
		return result{}, err
	}
	if !(depth >= 1 && depth <= maxElements) {
		return result{}, fmt.Errorf("depth %v is out of range", depth)
	}
	vals, err := c.constInput(2, "values")
	if err != nil {
		return result{}, err
	}
	if vals.Len() != 2 {
		return result{}, fmt.Errorf("values has %d elements; want 2 (off, on)", vals.Len())
	}
	if c.in[0].DType == model.Float {
		if _, err := c.constInput(0, "float indices"); err != nil {
			return result{}, err
		}
	}
	return opOn(&model.OneHot{Axis: int(c.int("axis", -1)), Depth: int(depth), Off: vals.At(0), On: vals.At(1), DType: vals.DType}, 0)
}

// nonZero folds NonZero: the coordinates of the non-zero elements, one row
// per axis, in row-major order.
func nonZero(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	ts, err := c.allConst("the positions of non-zero elements")
	if err != nil {
		return result{}, err
	}
	x := ts[0]
	r := len(x.Shape)
	var nz []int
	for k := 0; k < x.Len(); k++ {
		if x.At(k) != 0 {
			nz = append(nz, k)
		}
	}
	out := model.NewInt(model.Int, []int{r, len(nz)})
	str := model.Strides(x.Shape)
	for j, k := range nz {
		for d := 0; d < r; d++ {
			out.I[d*len(nz)+j] = int64(k / str[d] % x.Shape[d])
		}
	}
	return result{consts: []*model.Tensor{out}}, nil
}

// topK: k must be constant (attribute before opset 10, input since); the
// data may be a run-time tensor. sorted=0 leaves the order to the
// implementation, so the sorted order serves it too.
func topK(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 2); err != nil {
		return result{}, err
	}
	k := c.int("k", 0)
	if !c.has("k") {
		ks, err := c.constInts(1, "k")
		if err != nil {
			return result{}, err
		}
		if len(ks) != 1 {
			return result{}, fmt.Errorf("k has %d values; want one", len(ks))
		}
		k = ks[0]
	}
	if k < 0 || k > maxElements {
		return result{}, fmt.Errorf("k = %d is out of range", k)
	}
	return opOn(&model.TopK{Axis: int(c.int("axis", -1)), K: int(k), Largest: c.int("largest", 1) == 1}, 0)
}

// size is Size on a static shape.
func size(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	return result{consts: []*model.Tensor{{DType: model.Int, Shape: []int{}, I: []int64{int64(model.Size(c.in[0].Shape))}}}}, nil
}
