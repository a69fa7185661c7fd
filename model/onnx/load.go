// Package onnx loads ONNX models into zkai's graph IR (package model).
//
// Loading decodes the protobuf (types generated from onnx.proto into
// internal/onnxpb), binds symbolic dimensions, and converts node by node in
// topological order through a table from op name to converter (one file per
// op family). Converters key on op semantics, not opset numbers: an
// attribute that later opsets turned into an input (Reshape's shape, Slice's
// starts, Squeeze's axes, Clip's bounds, Pad's pads …) is read from
// whichever place holds it, and must then be constant. Every node whose
// inputs are all constant is evaluated at load time, which folds PyTorch's
// Shape→Gather→Concat→Reshape chains. Finally an inference
// BatchNormalization is folded into a preceding Conv or Gemm where possible.
//
// The loader never panics on bad input: every problem is an error naming
// the node, its op and what is supported.
package onnx

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/zkai-dev/zkai/model"
	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// maxFileBytes bounds the model files zkai reads.
const maxFileBytes = 1 << 30

// maxFoldedBytes bounds the constants that loading computes (folded nodes,
// ConstantOfShape, Range) in all, at 8 bytes an element: each is within
// maxElements, but a small file could make many of them.
const maxFoldedBytes = 1 << 29

// Options controls loading.
type Options struct {
	// InputShapes binds the graph inputs' shapes (graph order); nil entries,
	// or a nil slice, keep the model's shapes. Symbolic dimensions that stay
	// unbound become 1.
	InputShapes [][]int
	// InputValues optionally gives the graph inputs' values (graph order,
	// flattened). An input that an op needs constant — Reshape's shape,
	// Slice's starts, Clip's bounds, BatchNormalization's statistics … — is
	// then bound to its value at load time and becomes part of the model
	// (g.Bound); the others stay runtime inputs.
	InputValues [][]float64
}

// LoadFile reads and loads an ONNX model file.
func LoadFile(path string, opt Options) (*model.Graph, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Load(opt)
}

// File is a model file read and decoded once, so that its declared inputs
// can be listed (to match an input file to them) before it is loaded,
// without reading and decoding it twice.
type File struct {
	path string
	m    *pb.ModelProto
}

// ReadFile reads and decodes an ONNX model file.
func ReadFile(path string) (*File, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return &File{path: path, m: m}, nil
}

// Load converts the file's model to a model.Graph, named after the file
// when the graph has no name.
func (f *File) Load(opt Options) (*model.Graph, error) {
	g, err := load(f.m, opt)
	if err != nil {
		return nil, err
	}
	if g.Name == "" {
		g.Name = strings.TrimSuffix(pathBase(f.path), ".onnx")
	}
	return g, nil
}

func readFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("onnx: model file %s does not exist", path)
		}
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("onnx: %s is a directory; give the path of a .onnx file", path)
	}
	if st.Size() > maxFileBytes {
		return nil, fmt.Errorf("onnx: %s is %d bytes; zkai reads models up to %d bytes", path, st.Size(), maxFileBytes)
	}
	return os.ReadFile(path)
}

func pathBase(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Decode parses the protobuf and checks the parts every use needs.
func Decode(b []byte) (*pb.ModelProto, error) {
	m := &pb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("onnx: not an ONNX model (protobuf decoding failed: %v)", err)
	}
	if m.GetGraph() == nil || (len(m.GetGraph().GetNode()) == 0 && len(m.GetGraph().GetOutput()) == 0) {
		return nil, fmt.Errorf("onnx: not an ONNX model (no graph)")
	}
	return m, nil
}

// Load converts an ONNX model to a model.Graph.
func Load(b []byte, opt Options) (*model.Graph, error) {
	m, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return load(m, opt)
}

func load(m *pb.ModelProto, opt Options) (*model.Graph, error) {
	opset := int64(0)
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			opset = o.GetVersion()
		}
	}
	if opset == 0 {
		opset = 13 // no default-domain import: assume the common opset
	}
	gp := m.GetGraph()
	l := &loader{
		g: &model.Graph{
			Name:      gp.GetName(),
			Constants: map[string]*model.Tensor{},
			Values:    map[string]model.Value{},
		},
		opset: opset,
		opt:   opt,
	}
	if err := l.initializers(gp); err != nil {
		return nil, err
	}
	if err := l.inputs(gp, opt.InputShapes); err != nil {
		return nil, err
	}
	nodes, err := topoSort(gp)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := l.node(n); err != nil {
			return nil, err
		}
	}
	for _, o := range gp.GetOutput() {
		v, ok := l.g.Values[o.GetName()]
		if !ok {
			return nil, fmt.Errorf("onnx: graph output %q is never computed", o.GetName())
		}
		v.Name = o.GetName()
		l.g.Outputs = append(l.g.Outputs, v)
	}
	if len(l.g.Outputs) == 0 {
		return nil, fmt.Errorf("onnx: the graph has no outputs")
	}
	foldBatchNorm(l.g)
	prune(l.g)
	if err := l.g.Check(); err != nil {
		return nil, err
	}
	return l.g, nil
}

type loader struct {
	g      *model.Graph
	opset  int64
	opt    Options
	folded int // bytes of the constants computed so far
}

// reserve accounts for a constant of the given shape that loading is about
// to compute, failing once they would exceed maxFoldedBytes in all.
func (l *loader) reserve(shape []int) error {
	l.folded += 8 * model.Size(shape)
	if l.folded > maxFoldedBytes {
		return fmt.Errorf("the constants computed at load time would take more than %d bytes; zkai folds at most that much", maxFoldedBytes)
	}
	return nil
}

// bind fixes a graph input to its given value, or returns nil when name is
// not a graph input or no value was given.
func (l *loader) bind(name string) (*model.Tensor, error) {
	for i, v := range l.g.Inputs {
		if v.Name != name {
			continue
		}
		k := slices.IndexFunc(l.g.ModelInputs, func(m model.Value) bool { return m.Name == name })
		if k >= len(l.opt.InputValues) {
			return nil, nil
		}
		t, err := model.TensorFromFloats(v, l.opt.InputValues[k])
		if err != nil {
			return nil, err
		}
		l.g.Inputs = slices.Delete(l.g.Inputs, i, i+1)
		l.setConst(name, t)
		if l.g.Bound == nil {
			l.g.Bound = map[string]*model.Tensor{}
		}
		l.g.Bound[name] = t
		return t, nil
	}
	return nil, nil
}

func (l *loader) initializers(gp *pb.GraphProto) error {
	if len(gp.GetSparseInitializer()) > 0 {
		return fmt.Errorf("onnx: sparse initializers are not supported; export dense weights")
	}
	for _, tp := range gp.GetInitializer() {
		t, err := tensorFrom(tp)
		if err != nil {
			return fmt.Errorf("onnx: initializer: %w", err)
		}
		l.setConst(tp.GetName(), t)
	}
	return nil
}

func (l *loader) setConst(name string, t *model.Tensor) {
	l.g.Constants[name] = t
	l.g.Values[name] = t.Value(name)
}

func (l *loader) inputs(gp *pb.GraphProto, shapes [][]int) error {
	var runtime []*pb.ValueInfoProto
	for _, vi := range gp.GetInput() {
		if _, isInit := l.g.Constants[vi.GetName()]; !isInit {
			runtime = append(runtime, vi)
		}
	}
	if shapes != nil && len(shapes) != len(runtime) {
		return fmt.Errorf("onnx: %d input shapes given; the model has %d inputs", len(shapes), len(runtime))
	}
	for i, vi := range runtime {
		tt := vi.GetType().GetTensorType()
		if tt == nil {
			return fmt.Errorf("onnx: input %q is not a tensor; only tensor inputs are supported", vi.GetName())
		}
		dt, _, err := elemType(tt.GetElemType())
		if err != nil {
			return fmt.Errorf("onnx: input %q: %w", vi.GetName(), err)
		}
		dims := tt.GetShape().GetDim()
		var shape []int
		if shapes != nil && shapes[i] != nil {
			shape = slices.Clone(shapes[i])
			if tt.GetShape() != nil && len(dims) != len(shape) {
				return fmt.Errorf("onnx: input %q has rank %d; the given shape %v has rank %d", vi.GetName(), len(dims), shape, len(shape))
			}
			for d, dim := range dims {
				if v, fixed := dimValue(dim); fixed && int(v) != shape[d] {
					return fmt.Errorf("onnx: input %q needs dimension %d = %d; the given shape %v has %d", vi.GetName(), d, v, shape, shape[d])
				}
			}
		} else {
			if tt.GetShape() == nil {
				return fmt.Errorf("onnx: input %q has no shape; give its shape with the input (input_shapes)", vi.GetName())
			}
			shape = make([]int, len(dims))
			for d, dim := range dims {
				shape[d] = 1
				if v, fixed := dimValue(dim); fixed {
					shape[d] = int(v)
				}
			}
		}
		if _, err := shapeOf(toInt64(shape)); err != nil {
			return fmt.Errorf("onnx: input %q: %w", vi.GetName(), err)
		}
		v := model.Value{Name: vi.GetName(), DType: dt, Shape: shape}
		l.g.Inputs = append(l.g.Inputs, v)
		l.g.ModelInputs = append(l.g.ModelInputs, v)
		l.g.Values[v.Name] = v
	}
	return nil
}

// dimValue returns a declared dimension's size; fixed is false for a
// symbolic (dim_param) or unknown one, which the caller binds. A negative
// dim_value, which some exporters write for unknown, counts as unknown.
func dimValue(d *pb.TensorShapeProto_Dimension) (v int64, fixed bool) {
	dv, ok := d.GetValue().(*pb.TensorShapeProto_Dimension_DimValue)
	if !ok || dv.DimValue < 0 {
		return 0, false
	}
	return dv.DimValue, true
}

func toInt64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

// topoSort orders nodes so that each follows the producers of its inputs,
// keeping the file's order where it is already valid.
func topoSort(gp *pb.GraphProto) ([]*pb.NodeProto, error) {
	nodes := gp.GetNode()
	producer := map[string]int{}
	for i, n := range nodes {
		for _, o := range n.GetOutput() {
			if o == "" {
				continue
			}
			if j, dup := producer[o]; dup {
				return nil, fmt.Errorf("onnx: nodes %q and %q both produce %q", nodes[j].GetName(), n.GetName(), o)
			}
			producer[o] = i
		}
	}
	known := map[string]bool{}
	for _, t := range gp.GetInitializer() {
		known[t.GetName()] = true
	}
	for _, v := range gp.GetInput() {
		known[v.GetName()] = true
	}
	state := make([]int, len(nodes)) // 0 new, 1 visiting, 2 done
	var order []*pb.NodeProto
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("onnx: the graph has a cycle through node %q (%s)", nodes[i].GetName(), ident(nodes[i].GetOpType()))
		case 2:
			return nil
		}
		state[i] = 1
		for _, in := range nodes[i].GetInput() {
			if in == "" {
				continue
			}
			if j, ok := producer[in]; ok {
				if err := visit(j); err != nil {
					return err
				}
			} else if !known[in] {
				return fmt.Errorf("onnx: node %q (%s) reads %q, which no node, input or initializer defines", nodes[i].GetName(), ident(nodes[i].GetOpType()), in)
			}
		}
		state[i] = 2
		order = append(order, nodes[i])
		return nil
	}
	for i := range nodes {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// node converts one node, folding it when all its inputs are constant.
func (l *loader) node(n *pb.NodeProto) error {
	name := n.GetName()
	if name == "" && len(n.GetOutput()) > 0 {
		name = n.GetOutput()[0]
	}
	label := fmt.Sprintf("node %q (%s)", name, ident(n.GetOpType()))
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		return fmt.Errorf("onnx: %s: domain %q is not supported; supported: the default ONNX domain", label, d)
	}
	conv, ok := converters[n.GetOpType()]
	if !ok {
		return fmt.Errorf("onnx: %s: operator %s is not supported; supported: %s", label, ident(n.GetOpType()), strings.Join(SupportedOps(), ", "))
	}
	c := &nodeCtx{l: l, n: n, opset: l.opset, attrs: map[string]*pb.AttributeProto{}}
	for _, a := range n.GetAttribute() {
		c.attrs[a.GetName()] = a
	}
	for _, in := range n.GetInput() {
		if in == "" {
			c.in = append(c.in, model.Value{})
			c.consts = append(c.consts, nil)
			c.present = append(c.present, false)
			continue
		}
		v := l.g.Values[in]
		c.in = append(c.in, v)
		c.consts = append(c.consts, l.g.Constants[in])
		c.present = append(c.present, true)
	}
	res, err := conv(c)
	if err != nil {
		return fmt.Errorf("onnx: %s: %w", label, err)
	}
	outs := n.GetOutput()
	if res.consts != nil {
		for i, t := range res.consts {
			if i < len(outs) && outs[i] != "" {
				l.setConst(outs[i], t)
			}
		}
		return nil
	}
	node := &model.Node{Name: name, Op: res.op, Outputs: slices.Clone(outs)}
	vals := make([]model.Value, len(res.inputs))
	allConst := true
	for i, k := range res.inputs {
		node.Inputs = append(node.Inputs, n.GetInput()[k])
		vals[i] = c.in[k]
		if c.consts[k] == nil {
			allConst = false
		}
	}
	types, err := res.op.Infer(vals)
	if err != nil {
		return fmt.Errorf("onnx: %s: %w", label, err)
	}
	for _, t := range types {
		if _, err := shapeOf(toInt64(t.Shape)); err != nil {
			return fmt.Errorf("onnx: %s: output: %w", label, err)
		}
	}
	if len(outs) > len(types) {
		for _, o := range outs[len(types):] {
			if o != "" {
				return fmt.Errorf("onnx: %s: output %q is not supported; only the first %d output(s) are", label, o, len(types))
			}
		}
	}
	if allConst {
		ins := make([]*model.Tensor, len(res.inputs))
		for i, k := range res.inputs {
			ins[i] = c.consts[k]
		}
		for _, t := range types {
			if err := l.reserve(t.Shape); err != nil {
				return fmt.Errorf("onnx: %s: %w", label, err)
			}
		}
		ts, err := res.op.Eval(ins)
		if err != nil {
			return fmt.Errorf("onnx: %s: %w", label, err)
		}
		for i, t := range ts {
			if i < len(outs) && outs[i] != "" {
				l.setConst(outs[i], t)
			}
		}
		return nil
	}
	for i, o := range outs {
		if o != "" && i < len(types) {
			v := types[i]
			v.Name = o
			l.g.Values[o] = v
		}
	}
	l.g.Nodes = append(l.g.Nodes, node)
	return nil
}

// prune drops nodes and constants the outputs do not depend on.
func prune(g *model.Graph) {
	need := map[string]bool{}
	for _, v := range g.Outputs {
		need[v.Name] = true
	}
	var kept []*model.Node
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		used := false
		for _, o := range n.Outputs {
			used = used || need[o]
		}
		if !used {
			continue
		}
		kept = append(kept, n)
		for _, in := range n.Inputs {
			need[in] = true
		}
	}
	slices.Reverse(kept)
	g.Nodes = kept
	for name := range g.Constants {
		if !need[name] && g.Bound[name] == nil {
			delete(g.Constants, name)
		}
	}
	for name := range g.Values {
		if !need[name] && !slices.ContainsFunc(g.Inputs, func(v model.Value) bool { return v.Name == name }) {
			delete(g.Values, name)
		}
	}
}

// SupportedOps lists the ONNX operators the loader converts.
func SupportedOps() []string {
	ops := make([]string, 0, len(converters))
	for k := range converters {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	return ops
}

// Supported reports whether the loader has a converter for an op type.
func Supported(opType string) bool {
	_, ok := converters[opType]
	return ok
}
