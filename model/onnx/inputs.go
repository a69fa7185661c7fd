package onnx

import (
	"github.com/zkai-dev/zkai/input"
)

// DeclaredInputs lists the model file's graph inputs as declared, initializer-backed ones included and
// marked, in graph order, so that an input file can be matched to them (input.File.Align) before loading.
func DeclaredInputs(path string) ([]input.Declared, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.DeclaredInputs(), nil
}

// DeclaredInputs is the file's graph inputs as declared (see the function
// DeclaredInputs).
func (f *File) DeclaredInputs() []input.Declared {
	m := f.m
	inits := map[string]bool{}
	for _, t := range m.GetGraph().GetInitializer() {
		inits[t.GetName()] = true
	}
	var decl []input.Declared
	for _, vi := range m.GetGraph().GetInput() {
		d := input.Declared{Name: vi.GetName(), Initialized: inits[vi.GetName()]}
		if shape := vi.GetType().GetTensorType().GetShape(); shape != nil {
			d.Dims = make([]int, len(shape.GetDim()))
			for i, dim := range shape.GetDim() {
				v, fixed := dimValue(dim)
				d.Dims[i] = int(min(v, maxElements))
				if !fixed {
					d.Dims[i] = -1
				}
				if p := dim.GetDimParam(); p != "" {
					if d.Params == nil {
						d.Params = make([]string, len(d.Dims))
					}
					d.Params[i] = p
				}
			}
		}
		decl = append(decl, d)
	}
	return decl
}
