package onnx

import (
	"strings"

	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// Summary describes a model file as written, without converting it, so that
// it can be shown even when the model cannot be loaded.
type Summary struct {
	IRVersion  int64          `json:"ir_version"`
	Opset      int64          `json:"opset"`
	Producer   string         `json:"producer"`
	Inputs     []ValueInfo    `json:"inputs"`
	Outputs    []ValueInfo    `json:"outputs"`
	Nodes      int            `json:"nodes"`
	Ops        map[string]int `json:"ops"`
	Parameters int            `json:"parameters"`
	// Unsupported lists nodes whose op the loader has no converter for.
	Unsupported []NodeRef `json:"unsupported"`
}

// ValueInfo is a graph input or output; symbolic dimensions are strings.
type ValueInfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []any  `json:"shape"`
}

// NodeRef names a node.
type NodeRef struct {
	Node string `json:"node"`
	Op   string `json:"op"`
}

// Summarize decodes a model file's structure.
func Summarize(b []byte) (*Summary, error) {
	m, err := Decode(b)
	if err != nil {
		return nil, err
	}
	g := m.GetGraph()
	s := &Summary{IRVersion: m.GetIrVersion(), Producer: strings.TrimSpace(m.GetProducerName() + " " + m.GetProducerVersion()),
		Ops: map[string]int{}, Nodes: len(g.GetNode()), Unsupported: []NodeRef{}}
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			s.Opset = o.GetVersion()
		}
	}
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
		n := 1
		for _, d := range t.GetDims() {
			n *= int(max(d, 0))
		}
		s.Parameters += n
	}
	for _, v := range g.GetInput() {
		if !inits[v.GetName()] {
			s.Inputs = append(s.Inputs, valueInfo(v))
		}
	}
	for _, v := range g.GetOutput() {
		s.Outputs = append(s.Outputs, valueInfo(v))
	}
	for _, n := range g.GetNode() {
		s.Ops[n.GetOpType()]++
		if !Supported(n.GetOpType()) || (n.GetDomain() != "" && n.GetDomain() != "ai.onnx") {
			name := n.GetName()
			if name == "" && len(n.GetOutput()) > 0 {
				name = n.GetOutput()[0]
			}
			s.Unsupported = append(s.Unsupported, NodeRef{Node: name, Op: n.GetOpType()})
		}
	}
	return s, nil
}

func valueInfo(v *pb.ValueInfoProto) ValueInfo {
	vi := ValueInfo{Name: v.GetName(), Shape: []any{}}
	tt := v.GetType().GetTensorType()
	if dt := pb.TensorProto_DataType_name[tt.GetElemType()]; dt != "" {
		vi.DType = strings.ToLower(dt)
	}
	for _, d := range tt.GetShape().GetDim() {
		if p := d.GetDimParam(); p != "" {
			vi.Shape = append(vi.Shape, p)
		} else {
			vi.Shape = append(vi.Shape, d.GetDimValue())
		}
	}
	return vi
}
