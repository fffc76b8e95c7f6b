#!/usr/bin/env python3
"""Train attuned's control model to reproduce (and smooth) the rule-based teacher.

The training data comes from the Rust binary (`attuned teacher-dataset`), so the rules live in
one place. numpy only, full-batch Adam on the CPU, seeded: the same data gives the same model.
Writes an ONNX MLP (Gemm → Tanh → Gemm → Tanh → Gemm → Sigmoid) carrying the contract version in
its metadata, and a golden file of inputs and the exported network's outputs.

usage: train.py --attuned target/release/attuned --out models/control.onnx --golden models/golden.json
"""
import argparse
import io
import json
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CONTRACT_VERSION = "2"
VERSION_KEY = "attuned.contract_version"
HIDDEN = 48


def dataset(attuned, rows, seed):
    out = subprocess.run(
        [attuned, "teacher-dataset", "--rows", str(rows), "--seed", str(seed)],
        check=True, capture_output=True, text=True,
    ).stdout
    header = out.splitlines()[0].split(",")
    data = np.loadtxt(io.StringIO(out), delimiter=",", skiprows=1, dtype=np.float64)
    n_out = 8
    return header, data[:, :-n_out], data[:, -n_out:]


def forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    return h1, h2, 1.0 / (1.0 + np.exp(-z))


def train(x, y, steps, seed):
    rng = np.random.default_rng(seed)
    n_in, n_out = x.shape[1], y.shape[1]

    def init(a, b):
        return rng.normal(0.0, np.sqrt(1.0 / a), size=(a, b))

    params = [init(n_in, HIDDEN), np.zeros(HIDDEN), init(HIDDEN, HIDDEN), np.zeros(HIDDEN),
              init(HIDDEN, n_out), np.zeros(n_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        lr = 0.01 * (0.5 * (1 + np.cos(np.pi * t / steps))) + 1e-4  # cosine decay
        w1, _, w2, _, w3, _ = params
        h1, h2, p = forward(params, x)
        # Mean squared error through the sigmoid.
        dz = 2.0 * (p - y) / len(x) * p * (1.0 - p)
        g3w, g3b = h2.T @ dz, dz.sum(0)
        d2 = (dz @ w3.T) * (1.0 - h2 ** 2)
        g2w, g2b = h1.T @ d2, d2.sum(0)
        d1 = (d2 @ w2.T) * (1.0 - h1 ** 2)
        g1w, g1b = x.T @ d1, d1.sum(0)
        grads = [g1w, g1b, g2w, g2b, g3w, g3b]
        for i, g in enumerate(grads):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            mh, vh = m[i] / (1 - b1 ** t), v[i] / (1 - b2 ** t)
            params[i] = params[i] - lr * mh / (np.sqrt(vh) + eps)
    return params


def export(params, path, input_names, output_names):
    w1, b1, w2, b2, w3, b3 = [np.asarray(p, dtype=np.float32) for p in params]
    inits = [numpy_helper.from_array(a, name) for a, name in
             [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"), (w3, "w3"), (b3, "b3")]]
    nodes = [
        helper.make_node("Gemm", ["features", "w1", "b1"], ["z1"]),
        helper.make_node("Tanh", ["z1"], ["h1"]),
        helper.make_node("Gemm", ["h1", "w2", "b2"], ["z2"]),
        helper.make_node("Tanh", ["z2"], ["h2"]),
        helper.make_node("Gemm", ["h2", "w3", "b3"], ["z3"]),
        helper.make_node("Sigmoid", ["z3"], ["controls"]),
    ]
    graph = helper.make_graph(
        nodes, "attuned_control",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, w1.shape[0]])],
        [helper.make_tensor_value_info("controls", TensorProto.FLOAT, [1, w3.shape[1]])],
        inits,
    )
    model = helper.make_model(graph, producer_name="attuned models/train/train.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    helper.set_model_props(model, {
        VERSION_KEY: CONTRACT_VERSION,
        "attuned.inputs": ",".join(input_names),
        "attuned.outputs": ",".join(output_names),
    })
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attuned", default="target/release/attuned")
    ap.add_argument("--out", default="models/control.onnx")
    ap.add_argument("--golden", default="models/golden.json")
    ap.add_argument("--rows", type=int, default=12000)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.time()
    header, x, y = dataset(args.attuned, args.rows, args.seed)
    input_names, output_names = header[:x.shape[1]], header[x.shape[1]:]
    params = train(x, y, args.steps, args.seed)
    _, _, p = forward(params, x)
    mae = np.abs(p - y).mean()
    _, xc, yc = dataset(args.attuned, 4000, args.seed + 1000)
    _, _, pc = forward(params, xc)
    check_mae = np.abs(pc - yc).mean()
    # The simple baseline: each mode's mean teacher output (what a lookup table by mode gives).
    modes = [input_names.index(m) for m in ("mode_sleep", "mode_focus", "mode_relax", "mode_workout")]
    base = np.zeros_like(yc)
    for m in modes:
        base[xc[:, m] > 0.5] = y[x[:, m] > 0.5].mean(0)
    base_mae = np.abs(base - yc).mean()
    export(params, args.out, input_names, output_names)

    # Golden pairs: held-out inputs and the float32 network's outputs.
    p32 = [np.asarray(a, dtype=np.float32) for a in params]
    gx = xc[:32].astype(np.float32)
    _, _, gy = forward(p32, gx)
    golden = {
        "contract_version": CONTRACT_VERSION,
        "tolerance": 1e-4,
        "inputs": [[float(v) for v in row] for row in gx],
        "outputs": [[float(v) for v in row] for row in gy.astype(np.float32)],
    }
    with open(args.golden, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"trained in {time.time() - t0:.1f} s: train MAE {mae:.4f}, held-out MAE {check_mae:.4f} "
          f"vs teacher (per-mode mean baseline: {base_mae:.4f}); wrote {args.out} and {args.golden}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
