#!/usr/bin/python3
# Regenerates this directory: ONNX backend node test cases from the onnx
# package's own generators (Debian python3-onnx 1.12, Apache-2.0), converted
# to the JSON layout of ../onnx-node. Only cases whose ops zkai's loader knows,
# whose tensors are float/int/bool, that are not already in ../onnx-node, and
# that take at most 40 KB are kept.
import glob, json, os, shutil, subprocess, sys
import numpy as np
np.float = float; np.int = int; np.bool = bool; np.object = object  # onnx 1.12 vs numpy ≥ 1.24
import onnx
from onnx import numpy_helper
from onnx.backend.test import cmd_tools

here = os.path.dirname(os.path.abspath(__file__))
gen = "/tmp/zkai-nodegen"
sys.argv = ["generate", "generate-data", "-o", gen]
cmd_tools.main()

SUP = set("""Add Sub Mul Div MatMul Gemm Relu LeakyRelu Sigmoid Tanh Softmax LogSoftmax Conv ConvTranspose MaxPool
AveragePool GlobalAveragePool BatchNormalization Flatten Reshape Transpose Concat Clip ArgMax ReduceSum ReduceMean
ReduceMax Gather Slice Squeeze Unsqueeze Pad Erf Gelu LayerNormalization Exp Sqrt Pow Where Equal Less Greater
Identity Constant Expand Cast Shape ConstantOfShape Range Dropout Neg""".split())
# elementwise activations, rounding, logic and comparison (issue 9)
SUP |= set("""PRelu Elu Selu Celu HardSigmoid HardSwish Softplus Softsign Mish ThresholdedRelu Sign Abs Reciprocal
Floor Ceil Round Sinh Cosh IsNaN IsInf Not And Or Xor LessOrEqual GreaterOrEqual Max Min Mod Log Sin Cos Tan Asin Acos Atan""".split())
# the expanded window functions use Cos but take their size from a graph
# input through Range (a run-time limit): not kept
SKIP = {f"test_{w}window{s}_expanded" for w in ("blackman", "hamming", "hann") for s in ("", "_symmetric")}
# shape and indexing ops, reductions and normalisation (issue 9)
SUP |= set("""Tile Trilu DepthToSpace SpaceToDepth GatherElements GatherND ScatterElements Scatter ScatterND Resize
Upsample Split CumSum OneHot NonZero TopK Size ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceSumSquare ReduceLogSumExp
ArgMin InstanceNormalization LpNormalization Einsum""".split())

def load(p):
    t = onnx.TensorProto()
    t.ParseFromString(open(p, "rb").read())
    return numpy_helper.to_array(t)

for d in sorted(glob.glob(gen + "/node/test_*")):
    name = os.path.basename(d)
    if os.path.exists(os.path.join(here, "..", "onnx-node", name)) or name in SKIP:
        continue
    m = onnx.load(os.path.join(d, "model.onnx"))
    if not set(n.op_type for n in m.graph.node) <= SUP:
        continue
    if not all(v.type.HasField("tensor_type") for v in list(m.graph.input) + list(m.graph.output)):
        continue  # sequence/optional values (test_identity_sequence, test_identity_opt)
    ds = os.path.join(d, "test_data_set_0")
    key = lambda p: int(p.split("_")[-1][:-3])
    ins = [load(p) for p in sorted(glob.glob(ds + "/input_*.pb"), key=key)]
    outs = [load(p) for p in sorted(glob.glob(ds + "/output_*.pb"), key=key)]
    if not all(a.dtype.kind in "fiub" and a.dtype != np.float16 and np.isfinite(a.astype(np.float64)).all() for a in ins + outs):
        continue
    dst = os.path.join(here, name)
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(d, "model.onnx"), dst)
    json.dump({"input_data": [a.astype(np.float64).ravel().tolist() for a in ins],
               "input_shapes": [list(a.shape) for a in ins]}, open(os.path.join(dst, "input.json"), "w"))
    json.dump({"output_data": [a.astype(np.float64).ravel().tolist() for a in outs],
               "output_shapes": [list(a.shape) for a in outs]}, open(os.path.join(dst, "expected.json"), "w"))
    if sum(os.path.getsize(os.path.join(dst, f)) for f in os.listdir(dst)) > 40 << 10:
        shutil.rmtree(dst)

# Cases for ops that onnx 1.12 ships no node tests for (issue 9), built with
# onnx.helper and a numpy reference, written in the same layout.
from onnx import helper, TensorProto

def write_case(name, node, ins, outs, opset):
    g = helper.make_graph([node], name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape) for n, a in zip(node.input, ins)],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape) for n, a in zip(node.output, outs)])
    dst = os.path.join(here, name)
    os.makedirs(dst, exist_ok=True)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]), os.path.join(dst, "model.onnx"))
    json.dump({"input_data": [a.astype(np.float64).ravel().tolist() for a in ins],
               "input_shapes": [list(a.shape) for a in ins]}, open(os.path.join(dst, "input.json"), "w"))
    json.dump({"output_data": [a.astype(np.float64).ravel().tolist() for a in outs],
               "output_shapes": [list(a.shape) for a in outs]}, open(os.path.join(dst, "expected.json"), "w"))

rng = np.random.default_rng(9)
for p, axis in [(2, -1), (2, 1), (1, -1), (1, 0)]:
    x = rng.uniform(-2, 2, (3, 4, 5)).astype(np.float32)
    norm = np.linalg.norm(x, ord=p, axis=axis, keepdims=True) if p == 2 else np.abs(x).sum(axis=axis, keepdims=True)
    write_case("test_lpnormalization_p%d_axis%s" % (p, str(axis).replace("-", "neg")),
               helper.make_node("LpNormalization", ["x"], ["y"], p=p, axis=axis), [x], [(x / norm).astype(np.float32)], 13)

def group_norm(x, scale, bias, groups, eps):
    n, c = x.shape[:2]
    g = x.reshape(n, groups, -1)
    y = ((g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)).reshape(x.shape)
    per = (1, -1) + (1,) * (x.ndim - 2)
    rep = c // len(scale)
    return y * np.repeat(scale, rep).reshape(per) + np.repeat(bias, rep).reshape(per)

# GroupNormalization: scale and bias per group (opset 18) or per channel (opset 21)
for name, groups, per_channel, opset in [("test_group_normalization_example", 2, False, 18),
                                          ("test_group_normalization_epsilon", 3, False, 18),
                                          ("test_group_normalization_per_channel", 2, True, 21)]:
    x = rng.uniform(-2, 2, (2, 6, 3, 2)).astype(np.float32)
    k = 6 if per_channel else groups
    scale, bias = rng.uniform(0.5, 1.5, k).astype(np.float32), rng.uniform(-1, 1, k).astype(np.float32)
    eps = 1e-2 if "epsilon" in name else 1e-5
    node = helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=groups, epsilon=eps)
    write_case(name, node, [x, scale, bias], [group_norm(x, scale, bias, groups, eps).astype(np.float32)], opset)
