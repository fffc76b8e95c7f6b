#!/usr/bin/env python3
"""Train attuned's control model to reproduce (and smooth) the rule-based teacher.

The training data comes from the Rust binary (`attuned teacher-dataset`), so the rules live in
one place. numpy only, full-batch Adam on the CPU, seeded: the same data gives the same model.

The model is two MLPs (Gemm → Tanh → Gemm → Tanh → Gemm each) added before the sigmoid:

    controls = sigmoid(clock(x) + hr_present · body(x))

The clock part answers for the hour, the mode and the session, and hears none of the heart's
inputs (its first layer's weights for them are zero); the body part only with a heart-rate
sensor, so the body's rules can be retrained without moving, by a single bit, what attuned plays
without a sensor (where the heart's inputs are 0). The graph's second output, `clock_controls`
= sigmoid(clock(x)), is what the clock alone asks for: one run gives the daemon both the
controls and the part of them the body adds. The clock part is read from the committed model (`--clock`,
trained by this script's earlier version on the teacher of contract 2) unless `--train-clock`
trains a new one; the body part is trained here on the rows with a heart rate.
Writes the ONNX graph with the contract version in its metadata, and a golden file of inputs
and the exported network's outputs.

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
BODY_HIDDEN = 32
CLOCK_NAMES = ["w1", "b1", "w2", "b2", "w3", "b3"]
# The inputs the clock part does not hear (0 without a heart-rate sensor;
# src/control/pipeline.rs `clock_inputs` lists the same).
HEART_INPUTS = ["hr_rel", "hr_trend", "rmssd", "hr_present", "breathing_rate",
                "breathing_confidence"]
BODY_NAMES = ["bw1", "bb1", "bw2", "bb2", "bw3", "bb3"]


def dataset(attuned, rows, seed):
    out = subprocess.run(
        [attuned, "teacher-dataset", "--rows", str(rows), "--seed", str(seed)],
        check=True, capture_output=True, text=True,
    ).stdout
    header = out.splitlines()[0].split(",")
    data = np.loadtxt(io.StringIO(out), delimiter=",", skiprows=1, dtype=np.float64)
    n_out = 8
    return header, data[:, :-n_out], data[:, -n_out:]


def logits(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    return h1, h2, h2 @ w3 + b3


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(params, x):
    h1, h2, z = logits(params, x)
    return h1, h2, sigmoid(z)


def predict(clock, body, x, present):
    """The whole model: sigmoid(clock(x) + hr_present · body(x))."""
    z = logits(clock, x)[2]
    if body is not None:
        z = z + x[:, [present]] * logits(body, x)[2]
    return sigmoid(z)


def train(x, y, steps, seed, hidden=HIDDEN, offset=None):
    """Adam on the mean squared error through the sigmoid; `offset` (logits) is added to the
    network's before the sigmoid and not trained (the clock part, when training the body)."""
    rng = np.random.default_rng(seed)
    n_in, n_out = x.shape[1], y.shape[1]
    if offset is None:
        offset = np.zeros_like(y)

    def init(a, b):
        return rng.normal(0.0, np.sqrt(1.0 / a), size=(a, b))

    params = [init(n_in, hidden), np.zeros(hidden), init(hidden, hidden), np.zeros(hidden),
              init(hidden, n_out), np.zeros(n_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        lr = 0.01 * (0.5 * (1 + np.cos(np.pi * t / steps))) + 1e-4  # cosine decay
        w1, _, w2, _, w3, _ = params
        h1, h2, z = logits(params, x)
        p = sigmoid(z + offset)
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


def mlp_nodes(names, prefix, out):
    w1, b1, w2, b2, w3, b3 = names
    return [
        helper.make_node("Gemm", ["features", w1, b1], [prefix + "z1"]),
        helper.make_node("Tanh", [prefix + "z1"], [prefix + "h1"]),
        helper.make_node("Gemm", [prefix + "h1", w2, b2], [prefix + "z2"]),
        helper.make_node("Tanh", [prefix + "z2"], [prefix + "h2"]),
        helper.make_node("Gemm", [prefix + "h2", w3, b3], [out]),
    ]


def export(clock, body, present, path, input_names, output_names):
    clock = [np.asarray(p, dtype=np.float32) for p in clock]
    body = [np.asarray(p, dtype=np.float32) for p in body]
    inits = [numpy_helper.from_array(a, n) for a, n in zip(clock, CLOCK_NAMES)]
    inits += [numpy_helper.from_array(a, n) for a, n in zip(body, BODY_NAMES)]
    for name, value in [("present_at", present), ("present_end", present + 1), ("axis", 1)]:
        inits.append(numpy_helper.from_array(np.array([value], dtype=np.int64), name))
    nodes = mlp_nodes(CLOCK_NAMES, "", "z3")
    nodes += mlp_nodes(BODY_NAMES, "body_", "body_z3")
    nodes += [
        helper.make_node("Slice", ["features", "present_at", "present_end", "axis"], ["present"]),
        helper.make_node("Mul", ["body_z3", "present"], ["body"]),
        helper.make_node("Add", ["z3", "body"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["controls"]),
        helper.make_node("Sigmoid", ["z3"], ["clock_controls"]),
    ]
    graph = helper.make_graph(
        nodes, "attuned_control",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, clock[0].shape[0]])],
        [helper.make_tensor_value_info("controls", TensorProto.FLOAT, [1, clock[4].shape[1]]),
         helper.make_tensor_value_info("clock_controls", TensorProto.FLOAT,
                                       [1, clock[4].shape[1]])],
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


def read_clock(path):
    """The clock part's weights from a model this script wrote (a contract 2 model before
    the body part existed holds only these)."""
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    return [weights[n].astype(np.float64) for n in CLOCK_NAMES]


def deaf_to_the_heart(clock, input_names):
    """The clock part with its first layer's weights for the heart's inputs zeroed: it then
    answers any input as it answers that input without a sensor (where they are 0), to the
    bit."""
    w1 = clock[0].copy()
    for name in HEART_INPUTS:
        w1[input_names.index(name), :] = 0.0
    return [w1] + list(clock[1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attuned", default="target/release/attuned")
    ap.add_argument("--out", default="models/control.onnx")
    ap.add_argument("--golden", default="models/golden.json")
    ap.add_argument("--rows", type=int, default=12000)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clock", default="models/control.onnx",
                    help="the model whose clock part is kept (read before --out is written)")
    ap.add_argument("--train-clock", action="store_true",
                    help="train the clock part too (changes what plays without a sensor)")
    args = ap.parse_args()

    t0 = time.time()
    header, x, y = dataset(args.attuned, args.rows, args.seed)
    input_names, output_names = header[:x.shape[1]], header[x.shape[1]:]
    present = input_names.index("hr_present")
    if args.train_clock:
        # On the rows without a heart rate: what the clock alone asks for.
        alone = x[:, present] < 0.5
        clock = train(x[alone], y[alone], args.steps, args.seed)
    else:
        clock = read_clock(args.clock)
    clock = deaf_to_the_heart(clock, input_names)
    # The body part learns what the heart adds, on the rows with a heart rate.
    with_heart = x[:, present] > 0.5
    offset = logits(clock, x[with_heart])[2]
    body = train(x[with_heart], y[with_heart], args.steps, args.seed + 1, BODY_HIDDEN, offset)
    p = predict(clock, body, x, present)
    mae = np.abs(p - y).mean()
    _, xc, yc = dataset(args.attuned, 4000, args.seed + 1000)
    pc = predict(clock, body, xc, present)
    check_mae = np.abs(pc - yc).mean()
    heart_rows = xc[:, present] > 0.5
    heart_mae = np.abs(pc[heart_rows] - yc[heart_rows]).mean()
    clock_mae = np.abs(pc[~heart_rows] - yc[~heart_rows]).mean()
    # The simple baseline: each mode's mean teacher output (what a lookup table by mode gives).
    modes = [input_names.index(m) for m in ("mode_sleep", "mode_focus", "mode_relax", "mode_workout")]
    base = np.zeros_like(yc)
    for m in modes:
        base[xc[:, m] > 0.5] = y[x[:, m] > 0.5].mean(0)
    base_mae = np.abs(base - yc).mean()
    export(clock, body, present, args.out, input_names, output_names)

    # Golden pairs: held-out inputs and the float32 network's outputs.
    c32 = [np.asarray(a, dtype=np.float32) for a in clock]
    b32 = [np.asarray(a, dtype=np.float32) for a in body]
    gx = xc[:32].astype(np.float32)
    gy = predict(c32, b32, gx, present)
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
          f"vs teacher (with a heart {heart_mae:.4f}, without {clock_mae:.4f}; per-mode mean "
          f"baseline: {base_mae:.4f}); wrote {args.out} and {args.golden}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
