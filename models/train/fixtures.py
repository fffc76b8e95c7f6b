#!/usr/bin/env python3
"""Write the broken control models the tests refuse or survive (tests/fixtures/models/).

- wrong_version.onnx: a valid MLP whose contract version is "0";
- no_version.onnx: the same without any contract metadata;
- wrong_input.onnx: takes 10 features instead of the contract's 16;
- wrong_input_v1.onnx: says contract version 1 but takes 16 features (v1 had 14);
- wrong_output.onnx: gives 5 controls instead of 8;
- nan_always.onnx: NaN for every input (refused at load);
- nan_when_hr_high.onnx: sqrt(1 - hr_rel), so NaN whenever hr_rel > 1 (clamped at run time).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/models"
N_IN, N_OUT = 16, 8
V1_IN = 14


def model(path, n_in, n_out, w, b, tail=None, version="2"):
    nodes = [helper.make_node("Gemm", ["features", "w", "b"], ["z" if tail else "controls"])]
    if tail:
        nodes.append(helper.make_node(tail, ["z"], ["controls"]))
    graph = helper.make_graph(
        nodes, "fixture",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, n_in])],
        [helper.make_tensor_value_info("controls", TensorProto.FLOAT, [1, n_out])],
        [numpy_helper.from_array(np.asarray(w, np.float32), "w"),
         numpy_helper.from_array(np.asarray(b, np.float32), "b")],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    if version is not None:
        helper.set_model_props(m, {"attuned.contract_version": version})
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT, path))


def main():
    os.makedirs(OUT, exist_ok=True)
    half = np.zeros((N_IN, N_OUT)), np.full(N_OUT, 0.0)
    model("wrong_version.onnx", N_IN, N_OUT, *half, tail="Sigmoid", version="0")
    model("no_version.onnx", N_IN, N_OUT, *half, tail="Sigmoid", version=None)
    model("wrong_input.onnx", 10, N_OUT, np.zeros((10, N_OUT)), np.zeros(N_OUT), tail="Sigmoid")
    model("wrong_input_v1.onnx", N_IN, N_OUT, *half, tail="Sigmoid", version="1")
    model("wrong_output.onnx", N_IN, 5, np.zeros((N_IN, 5)), np.zeros(5), tail="Sigmoid")
    model("nan_always.onnx", N_IN, N_OUT, np.full((N_IN, N_OUT), np.nan), np.zeros(N_OUT))
    w = np.zeros((N_IN, N_OUT))
    w[0, :] = -1.0  # input 0 is hr_rel
    model("nan_when_hr_high.onnx", N_IN, N_OUT, w, np.ones(N_OUT), tail="Sqrt")


if __name__ == "__main__":
    main()
