package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// ReplaceInitializers returns the ONNX model b with the float initializers
// named in values replaced (as float32 raw data, same shape); everything
// else is kept byte for byte in meaning. A name that is not a float
// initializer of b, a wrong element count or a value float32 cannot hold
// exactly is an error, so a caller never writes a model that differs from
// what it meant.
func ReplaceInitializers(b []byte, values map[string][]float64) ([]byte, error) {
	m, err := Decode(b)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, tp := range m.GetGraph().GetInitializer() {
		vals, ok := values[tp.GetName()]
		if !ok {
			continue
		}
		if tp.GetDataType() != int32(pb.TensorProto_FLOAT) && tp.GetDataType() != int32(pb.TensorProto_DOUBLE) {
			return nil, fmt.Errorf("onnx: initializer %q is not a float tensor", tp.GetName())
		}
		n := int64(1)
		for _, d := range tp.GetDims() {
			n *= d
		}
		if n != int64(len(vals)) {
			return nil, fmt.Errorf("onnx: initializer %q has %d values; got %d", tp.GetName(), n, len(vals))
		}
		raw := make([]byte, 4*len(vals))
		for i, v := range vals {
			f := float32(v)
			if float64(f) != v {
				return nil, fmt.Errorf("onnx: initializer %q element %d = %v is not exact in float32", tp.GetName(), i, v)
			}
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
		}
		tp.DataType = proto.Int32(int32(pb.TensorProto_FLOAT))
		tp.RawData = raw
		tp.FloatData, tp.DoubleData, tp.ExternalData = nil, nil, nil
		tp.DataLocation = nil
		found[tp.GetName()] = true
	}
	for name := range values {
		if !found[name] {
			return nil, fmt.Errorf("onnx: the model has no initializer %q", name)
		}
	}
	return proto.Marshal(m)
}
