package input

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Declared is a graph input as the model file declares it, before any shape is bound.
type Declared struct {
	Name string
	// Dims are the declared dimensions, -1 for a symbolic or unknown one; nil when the model declares no
	// shape (a declared scalar has an empty, non-nil Dims).
	Dims []int
	// Params name the symbolic dimensions (batch, seq), "" elsewhere; nil when there are none.
	Params []string
	// Initialized marks an input backed by an initializer: a constant of the model, which the file does not give.
	Initialized bool
}

// String is the declared shape, symbolic dimensions by name: x [batch 3].
func (d Declared) String() string {
	if d.Dims == nil {
		return d.Name + " (no declared shape)"
	}
	dims := make([]string, len(d.Dims))
	for i, v := range d.Dims {
		switch {
		case v >= 0:
			dims[i] = strconv.Itoa(v)
		case i < len(d.Params) && d.Params[i] != "":
			dims[i] = d.Params[i]
		default:
			dims[i] = "?"
		}
	}
	return d.Name + " [" + strings.Join(dims, " ") + "]"
}

// Align matches f to a model's declared graph inputs and returns the file the model is fed: one entry per
// runtime input (the declared inputs not Initialized), in graph order, each with a full shape. Outputs
// are kept as they are.
//
// Entries are matched by input_names when the file has them, else by position. input_shapes may list
// every runtime input, or every declared input including the Initialized ones (whose shapes are then
// dropped), or only the first few runtime inputs (the rest come from the model). A given shape may leave
// out leading dimensions that the model declares symbolic or 1, as EZKL writes shapes without the batch
// dimension: [3] for a model input [batch 3] reads as [1 3].
//
// Without a given shape an input's shape is the declared one with its symbolic dimensions bound by the
// number of values: all 1 when that fits; else a single symbolic dimension takes the multiple that fits.
// When several bindings fit, Align names two and asks for input_shapes.
func (f *File) Align(decl []Declared) (*File, error) {
	var runtime []Declared
	for _, d := range decl {
		if !d.Initialized {
			runtime = append(runtime, d)
		}
	}
	order, err := f.match(decl, runtime)
	if err != nil {
		return nil, err
	}
	given, err := f.givenShapes(decl, runtime)
	if err != nil {
		return nil, err
	}
	out := &File{Data: make([][]float64, len(runtime)), Shapes: make([][]int, len(runtime)), Outputs: f.Outputs}
	for i, d := range runtime {
		k := order[i]
		out.Data[i] = f.Data[k]
		if out.Shapes[i], err = f.resolve(d, given[i], k); err != nil {
			return nil, err
		}
	}
	if f.Names != nil {
		out.Names = make([]string, len(runtime))
		for i, d := range runtime {
			out.Names[i] = d.Name
		}
	}
	return out, nil
}

// match returns, for each runtime input, the index of its entry in f.Data.
func (f *File) match(decl, runtime []Declared) ([]int, error) {
	order := make([]int, len(runtime))
	if f.Names == nil {
		if len(f.Data) != len(runtime) {
			return nil, fmt.Errorf("input: input_data has %d inputs; the model takes %d (%s); give one list per input in this order",
				len(f.Data), len(runtime), list(runtime))
		}
		for i := range order {
			order[i] = i
		}
		return order, nil
	}
	for k, name := range f.Names {
		if i := slices.IndexFunc(decl, func(d Declared) bool { return d.Name == name }); i < 0 {
			return nil, fmt.Errorf("input: input_names[%d] %q is not an input of the model; its inputs are %s", k, name, list(runtime))
		} else if decl[i].Initialized {
			return nil, fmt.Errorf("input: input_names[%d] %q is a weight of the model (an initializer), which the file cannot change; remove its entry", k, name)
		}
		if j := slices.Index(f.Names, name); j < k {
			return nil, fmt.Errorf("input: input_names[%d] and input_names[%d] are both %q; name each input once", j, k, name)
		}
	}
	for i, d := range runtime {
		order[i] = slices.Index(f.Names, d.Name)
		if order[i] < 0 {
			return nil, fmt.Errorf("input: the file gives no values for input %s; add it to input_data and input_names", d)
		}
	}
	return order, nil
}

// givenShapes returns, for each runtime input, the index of its shape in input_shapes, -1 where it has none.
func (f *File) givenShapes(decl, runtime []Declared) ([]int, error) {
	shapes := make([]int, len(runtime))
	for i := range shapes {
		shapes[i] = -1
	}
	switch {
	case f.Shapes == nil:
	case f.Names != nil:
		if len(f.Shapes) != len(f.Names) {
			return nil, fmt.Errorf("input: input_shapes has %d shapes but input_names has %d names; give one shape per named input",
				len(f.Shapes), len(f.Names))
		}
		for i, d := range runtime {
			shapes[i] = slices.Index(f.Names, d.Name)
		}
	case len(f.Shapes) == len(decl) && len(decl) > len(runtime):
		i := 0
		for k, d := range decl {
			if !d.Initialized {
				shapes[i] = k
				i++
			}
		}
	case len(f.Shapes) <= len(runtime):
		for i := range f.Shapes {
			shapes[i] = i
		}
	default:
		return nil, fmt.Errorf("input: input_shapes has %d shapes; the model takes %d inputs (%s); give one shape per input in this order",
			len(f.Shapes), len(runtime), list(runtime))
	}
	return shapes, nil
}

// resolve returns the shape of input d, fed input_data[k], with its shape input_shapes[j] (j < 0: none).
func (f *File) resolve(d Declared, j, k int) ([]int, error) {
	n := len(f.Data[k])
	if j >= 0 {
		return fitGiven(d, f.Shapes[j], n, j, k)
	}
	if d.Dims == nil {
		return nil, fmt.Errorf("input: input %s; give its shape in input_shapes", d)
	}
	shape := slices.Clone(d.Dims)
	fixed := 1
	var free []int // the symbolic dimensions
	for i, v := range shape {
		if v < 0 {
			free = append(free, i)
			shape[i] = 1
		} else {
			fixed = min(fixed*min(v, MaxValues+1), MaxValues+1) // both factors are at most MaxValues+1: no overflow
		}
	}
	switch {
	case n == fixed:
		return shape, nil
	case len(free) == 0 || fixed == 0:
		return nil, fmt.Errorf("input: input_data[%d] has %d values; input %s needs %s", k, n, d, count(fixed))
	case n%fixed != 0:
		return nil, fmt.Errorf("input: input_data[%d] has %d values; input %s needs a multiple of %s", k, n, d, count(fixed))
	case len(free) == 1:
		shape[free[0]] = n / fixed
		return shape, nil
	}
	other := slices.Clone(shape)
	shape[free[0]], other[free[1]] = n/fixed, n/fixed
	return nil, fmt.Errorf("input: input_data[%d] has %d values, which fit input %s in several shapes, such as %v and %v; give the shape in input_shapes",
		k, n, d, shape, other)
}

// fitGiven checks input_shapes[j], given, against the declaration and the n values of input_data[k].
func fitGiven(d Declared, given []int, n, j, k int) ([]int, error) {
	shape := given
	if d.Dims != nil {
		var err error
		if shape, err = fillGiven(d, given, j); err != nil {
			return nil, err
		}
	}
	if size := count(product(shape)); size != strconv.Itoa(n) {
		return nil, fmt.Errorf("input: input_data[%d] has %d values but input_shapes[%d] %v needs %s", k, n, j, given, size)
	}
	return shape, nil
}

// fillGiven checks input_shapes[k], given, against the declared dimensions, filling in leading ones it
// leaves out.
func fillGiven(d Declared, given []int, k int) ([]int, error) {
	missing := len(d.Dims) - len(given)
	if missing < 0 {
		return nil, fmt.Errorf("input: input_shapes[%d] %v has rank %d; input %s has rank %d", k, given, len(given), d, len(d.Dims))
	}
	shape := append(make([]int, missing, len(d.Dims)), given...)
	for i, v := range d.Dims {
		switch {
		case i < missing && v != 1 && v >= 0:
			return nil, fmt.Errorf("input: input_shapes[%d] %v has rank %d; input %s has rank %d, and its leading dimension %d cannot be left out as a batch of 1",
				k, given, len(given), d, len(d.Dims), v)
		case i < missing:
			shape[i] = 1
		case v >= 0 && shape[i] != v:
			return nil, fmt.Errorf("input: input_shapes[%d] %v does not fit input %s: dimension %d is %d, not %d", k, given, d, i, shape[i], v)
		}
	}
	return shape, nil
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n = min(n*d, MaxValues+1) // both factors are at most MaxValues+1: no overflow
	}
	return n
}

func list(ds []Declared) string {
	if len(ds) == 0 {
		return "none"
	}
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}
