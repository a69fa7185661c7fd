package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// maxElements bounds any tensor the loader materialises, so a hostile file
// cannot make it allocate without limit.
const maxElements = 1 << 27

// elemType maps an ONNX element type to a model.DType and its raw byte width.
func elemType(t int32) (model.DType, int, error) {
	switch pb.TensorProto_DataType(t) {
	case pb.TensorProto_FLOAT:
		return model.Float, 4, nil
	case pb.TensorProto_DOUBLE:
		return model.Float, 8, nil
	case pb.TensorProto_FLOAT16:
		return model.Float, 2, nil
	case pb.TensorProto_INT8, pb.TensorProto_UINT8:
		return model.Int, 1, nil
	case pb.TensorProto_INT16, pb.TensorProto_UINT16:
		return model.Int, 2, nil
	case pb.TensorProto_INT32, pb.TensorProto_UINT32:
		return model.Int, 4, nil
	case pb.TensorProto_INT64, pb.TensorProto_UINT64:
		return model.Int, 8, nil
	case pb.TensorProto_BOOL:
		return model.Bool, 1, nil
	}
	name := pb.TensorProto_DataType_name[t]
	if name == "" {
		name = fmt.Sprint(t)
	}
	return 0, 0, fmt.Errorf("element type %s is not supported; supported: float, double, float16, integers, bool", name)
}

func shapeOf(dims []int64) ([]int, error) {
	shape := make([]int, len(dims))
	n := 1
	for i, d := range dims {
		if d < 0 || d > maxElements {
			return nil, fmt.Errorf("dimension %d is out of range", d)
		}
		shape[i] = int(d)
		n *= int(d)
		if n > maxElements {
			return nil, fmt.Errorf("shape %v has more than %d elements", dims, maxElements)
		}
	}
	return shape, nil
}

// tensorFrom decodes a TensorProto (raw_data or the typed repeated fields).
func tensorFrom(tp *pb.TensorProto) (*model.Tensor, error) {
	if tp.GetDataLocation() == pb.TensorProto_EXTERNAL || len(tp.GetExternalData()) > 0 {
		return nil, fmt.Errorf("tensor %q uses external data; re-export the model with the weights embedded", tp.GetName())
	}
	dt, width, err := elemType(tp.GetDataType())
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tp.GetName(), err)
	}
	shape, err := shapeOf(tp.GetDims())
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tp.GetName(), err)
	}
	n := model.Size(shape)
	t := model.New(dt, shape)
	kind := pb.TensorProto_DataType(tp.GetDataType())
	if raw := tp.GetRawData(); raw != nil {
		if len(raw) != n*width {
			return nil, fmt.Errorf("tensor %q: raw_data has %d bytes; shape %v of %s needs %d", tp.GetName(), len(raw), shape, kind, n*width)
		}
		for i := 0; i < n; i++ {
			b := raw[i*width : (i+1)*width]
			if dt == model.Float {
				t.F[i] = rawFloat(kind, b)
			} else {
				setInt(t, i, rawInt(kind, b))
			}
		}
		return t, checkFinite(tp.GetName(), t)
	}
	var got int
	switch {
	case len(tp.GetFloatData()) > 0:
		got = len(tp.GetFloatData())
		if got == n {
			for i, v := range tp.GetFloatData() {
				t.Set(i, float64(v))
			}
		}
	case len(tp.GetDoubleData()) > 0:
		got = len(tp.GetDoubleData())
		if got == n {
			for i, v := range tp.GetDoubleData() {
				t.Set(i, v)
			}
		}
	case len(tp.GetInt64Data()) > 0:
		got = len(tp.GetInt64Data())
		if got == n {
			for i, v := range tp.GetInt64Data() {
				setInt(t, i, v)
			}
		}
	case len(tp.GetInt32Data()) > 0:
		got = len(tp.GetInt32Data())
		if got == n {
			for i, v := range tp.GetInt32Data() {
				if kind == pb.TensorProto_FLOAT16 {
					t.Set(i, half(uint16(v)))
				} else {
					setInt(t, i, int64(v))
				}
			}
		}
	case len(tp.GetUint64Data()) > 0:
		got = len(tp.GetUint64Data())
		if got == n {
			for i, v := range tp.GetUint64Data() {
				setInt(t, i, int64(v))
			}
		}
	}
	if got != n {
		return nil, fmt.Errorf("tensor %q has %d values; shape %v needs %d", tp.GetName(), got, shape, n)
	}
	return t, checkFinite(tp.GetName(), t)
}

func setInt(t *model.Tensor, i int, v int64) {
	if t.DType == model.Float {
		t.F[i] = float64(v)
		return
	}
	if t.DType == model.Bool && v != 0 {
		v = 1
	}
	t.I[i] = v
}

func rawFloat(kind pb.TensorProto_DataType, b []byte) float64 {
	le := binary.LittleEndian
	switch kind {
	case pb.TensorProto_FLOAT:
		return float64(math.Float32frombits(le.Uint32(b)))
	case pb.TensorProto_DOUBLE:
		return math.Float64frombits(le.Uint64(b))
	}
	return half(le.Uint16(b))
}

func rawInt(kind pb.TensorProto_DataType, b []byte) int64 {
	le := binary.LittleEndian
	switch kind {
	case pb.TensorProto_INT8:
		return int64(int8(b[0]))
	case pb.TensorProto_UINT8, pb.TensorProto_BOOL:
		return int64(b[0])
	case pb.TensorProto_INT16:
		return int64(int16(le.Uint16(b)))
	case pb.TensorProto_UINT16:
		return int64(le.Uint16(b))
	case pb.TensorProto_INT32:
		return int64(int32(le.Uint32(b)))
	case pb.TensorProto_UINT32:
		return int64(le.Uint32(b))
	}
	return int64(le.Uint64(b))
}

// half decodes an IEEE 754 binary16 value.
func half(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 31:
		if frac == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

func checkFinite(name string, t *model.Tensor) error {
	for i, v := range t.F {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tensor %q element %d is %v; zkai needs finite values", name, i, v)
		}
	}
	return nil
}
