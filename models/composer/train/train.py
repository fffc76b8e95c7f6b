#!/usr/bin/env python3
"""Train attuned's melody model on the corpus from corpus.py.

A neural next-note model (Bengio et al. 2003's fixed-context network, for melodies): the
last CONTEXT notes (each a diatonic step and a length in eighths, one-hot), the next
note's position in the bar and the bar's length in; a distribution over the next note's
(step, length) out, as 120 logits. numpy only, minibatch Adam, seeded; works split 90/10
(held out by a hash of the work's name, so a tune's variants stay on one side).

Writes models/composer.onnx (Gemm/Tanh/Gemm/Tanh/Gemm, opset 13, contract metadata),
models/composer-golden.json (held-out inputs and the float32 network's logits) and
models/composer-eval.json (held-out cross-entropy of the model, a bigram and a unigram
baseline; the held-out step and length histograms the render tests compare against).

usage: train.py [CORPUS] (default target/composer/corpus.jsonl; about a minute on 2 cores)
"""
import json
import sys
import time
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CONTRACT_VERSION = "1"
CONTEXT = 6
STEPS = 15  # diatonic steps -7..7
LENGTHS = 8  # eighths 1..8
POSITIONS = 16  # onset in the bar, eighths
BARS = [4, 6, 8, 9, 12]  # bar lengths in eighths
INPUTS = CONTEXT * (STEPS + LENGTHS) + POSITIONS + len(BARS)
OUTPUTS = STEPS * LENGTHS
HIDDEN = 128


def token(step, length):
    return (step + 7) * LENGTHS + (length - 1)


def examples(melodies):
    """(inputs, targets, previous tokens) for every note after the first of each melody."""
    xs, ys, prev = [], [], []
    for bar, notes in melodies:
        for i in range(1, len(notes)):
            x = np.zeros(INPUTS, np.float32)
            for k in range(1, CONTEXT + 1):
                if i - k < 0:
                    break
                step, length, _ = notes[i - k]
                base = (k - 1) * (STEPS + LENGTHS)
                x[base + step + 7] = 1.0
                x[base + STEPS + length - 1] = 1.0
            x[CONTEXT * (STEPS + LENGTHS) + notes[i][2] % POSITIONS] = 1.0
            x[CONTEXT * (STEPS + LENGTHS) + POSITIONS + BARS.index(bar)] = 1.0
            xs.append(x)
            ys.append(token(notes[i][0], notes[i][1]))
            prev.append(token(notes[i - 1][0], notes[i - 1][1]))
    return np.array(xs), np.array(ys), np.array(prev)


def forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    return h1, h2, h2 @ w3 + b3


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def train(x, y, epochs, seed):
    rng = np.random.default_rng(seed)

    def init(a, b):
        return rng.normal(0.0, np.sqrt(1.0 / a), size=(a, b)).astype(np.float32)

    params = [init(INPUTS, HIDDEN), np.zeros(HIDDEN, np.float32), init(HIDDEN, HIDDEN),
              np.zeros(HIDDEN, np.float32), init(HIDDEN, OUTPUTS), np.zeros(OUTPUTS, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    batch, t = 512, 0
    steps = epochs * (len(x) // batch)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x) - batch + 1, batch):
            t += 1
            idx = order[start:start + batch]
            xb, yb = x[idx], y[idx]
            w1, _, w2, _, w3, _ = params
            h1, h2, z = forward(params, xb)
            p = np.exp(log_softmax(z))
            p[np.arange(len(yb)), yb] -= 1.0
            dz = p / len(yb)
            grads = [None] * 6
            grads[4], grads[5] = h2.T @ dz + 1e-4 * w3, dz.sum(0)
            d2 = (dz @ w3.T) * (1 - h2 ** 2)
            grads[2], grads[3] = h1.T @ d2 + 1e-4 * w2, d2.sum(0)
            d1 = (d2 @ w2.T) * (1 - h1 ** 2)
            grads[0], grads[1] = xb.T @ d1 + 1e-4 * w1, d1.sum(0)
            lr = 3e-3 * 0.5 * (1 + np.cos(np.pi * t / steps)) + 1e-5
            for i, g in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                mh, vh = m[i] / (1 - 0.9 ** t), v[i] / (1 - 0.999 ** t)
                params[i] = (params[i] - lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return params


def bits(logp, y):
    return float(-logp[np.arange(len(y)), y].mean() / np.log(2))


def export(params, path):
    w1, b1, w2, b2, w3, b3 = [np.asarray(p, np.float32) for p in params]
    inits = [numpy_helper.from_array(a, n) for a, n in
             [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"), (w3, "w3"), (b3, "b3")]]
    nodes = [
        helper.make_node("Gemm", ["context", "w1", "b1"], ["z1"]),
        helper.make_node("Tanh", ["z1"], ["h1"]),
        helper.make_node("Gemm", ["h1", "w2", "b2"], ["z2"]),
        helper.make_node("Tanh", ["z2"], ["h2"]),
        helper.make_node("Gemm", ["h2", "w3", "b3"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "attuned_composer",
        [helper.make_tensor_value_info("context", TensorProto.FLOAT, [1, INPUTS])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, OUTPUTS])],
        inits,
    )
    model = helper.make_model(graph, producer_name="attuned models/composer/train/train.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    helper.set_model_props(model, {
        "attuned.composer_contract": CONTRACT_VERSION,
        "attuned.context": str(CONTEXT),
    })
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "target/composer/corpus.jsonl"
    t0 = time.time()
    train_set, held = [], []
    works = set()
    for line in open(corpus):
        r = json.loads(line)
        # Variants of one tune share a name up to '#' or '-': keep them on one side.
        family = r["work"].split("#")[0] if r["work"].startswith("bach/") else r["work"]
        works.add(family)
        side = held if zlib.crc32(family.encode()) % 10 == 0 else train_set
        side.append((r["bar"], [tuple(n) for n in r["notes"]]))
    x, y, _ = examples(train_set)
    xh, yh, ph = examples(held)
    params = train(x, y, epochs=30, seed=1)
    model_bits = bits(log_softmax(forward(params, xh)[2]), yh)
    # Baselines from the training notes: unigram and bigram (add-0.5 smoothing).
    _, _, pt = examples(train_set)
    uni = np.bincount(y, minlength=OUTPUTS) + 0.5
    uni_bits = float(-np.log2(uni[yh] / uni.sum()).mean())
    big = np.full((OUTPUTS, OUTPUTS), 0.5)
    np.add.at(big, (pt, y), 1.0)
    big /= big.sum(axis=1, keepdims=True)
    bigram_bits = float(-np.log2(big[ph, yh]).mean())
    export(params, "models/composer.onnx")
    p32 = [np.asarray(a, np.float32) for a in params]
    gx = xh[:24]
    golden = {
        "contract_version": CONTRACT_VERSION,
        "tolerance": 1e-4,
        "inputs": [[float(v) for v in row] for row in gx],
        "logits": [[float(v) for v in row] for row in forward(p32, gx)[2]],
    }
    with open("models/composer-golden.json", "w") as f:
        json.dump(golden, f)
        f.write("\n")
    steps = np.bincount(yh // LENGTHS, minlength=STEPS)
    lengths = np.bincount(yh % LENGTHS, minlength=LENGTHS)
    evaluation = {
        "melodies": {"train": len(train_set), "held_out": len(held)},
        "notes": {"train": int(len(y)), "held_out": int(len(yh))},
        "bits_per_note": {"model": model_bits, "bigram": bigram_bits, "unigram": uni_bits},
        "held_out_steps": {"from": -7, "counts": [int(c) for c in steps]},
        "held_out_lengths": {"from": 1, "counts": [int(c) for c in lengths]},
    }
    with open("models/composer-eval.json", "w") as f:
        json.dump(evaluation, f, indent=1)
        f.write("\n")
    print(f"{len(train_set)}+{len(held)} melodies, {len(y)}+{len(yh)} notes; held-out bits/note: "
          f"model {model_bits:.3f}, bigram {bigram_bits:.3f}, unigram {uni_bits:.3f}; "
          f"{time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
