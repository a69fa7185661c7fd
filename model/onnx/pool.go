package onnx

import (
	"fmt"

	"github.com/zkai-dev/zkai/model"
)

func pool(isMax bool) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(1, 1); err != nil {
			return result{}, err
		}
		w, err := window(c)
		if err != nil {
			return result{}, err
		}
		if w.Kernel == nil {
			return result{}, fmt.Errorf("attribute kernel_shape is missing")
		}
		order := c.int("storage_order", 0)
		if order != 0 && order != 1 {
			return result{}, unsupportedAttr("storage_order", order, "0 (row major), 1 (column major)")
		}
		p := &model.Pool{Window: w, Max: isMax, CountIncludePad: c.int("count_include_pad", 0) == 1, ColumnMajor: order == 1}
		outs := c.n.GetOutput()
		p.Indices = isMax && len(outs) > 1 && outs[1] != ""
		return opOn(p, 0)
	}
}

func globalAveragePool(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	return opOn(&model.Pool{Global: true}, 0)
}
