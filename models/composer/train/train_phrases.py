#!/usr/bin/env python3
"""Train attuned's phrase composer: a recurrent next-note model with memory of the whole
melody so far, conditioned on the bar, the phrase and the chord.

A GRU (Cho et al. 2014; PyTorch's form, the reset gate applied after the recurrent product)
over the notes of each melody. At each note it reads the note before (diatonic step and
length, and its scale degree) and what is known of the next one: its place in the bar and
the bar's length, its place in the phrase (bar k of the phrase, bars left to the phrase's
end, whether it starts a phrase), the chord under it (root degree and quality in the key)
and the phrase's density (notes per eighth); it gives the next note's (step, length) as 120
logits, as the first composer does. Trained in JAX on CPU (seeded, minibatch Adam), never by
the test command.

Chords: the tunes carry none, so each half bar (a whole bar in 2/4, 3/4 and 9/8) is given
the diatonic triad that holds most of its notes, weighted by length, the note on its first
eighth counting half again, ties going to I, IV, V (the implied harmony a folk accompanist
plays); the chord's quality follows from the work's mode.

Writes models/phrases.onnx (the cell as MatMul/Sigmoid/Tanh, state in and out, opset 13,
contract metadata), models/phrases-golden.json (a held-out melody stepped note by note:
inputs, states and logits) and models/phrases-eval.json (held-out bits a note for this
model, the first composer on the same notes, a bigram and a unigram).

usage: train_phrases.py [CORPUS] (default target/composer/phrases.jsonl from phrase_corpus.py;
pip install jax onnx onnxruntime; minutes on 2 cores)
"""
import json
import sys
import time
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CONTRACT_VERSION = "1"
STEPS, LENGTHS, POSITIONS, BARS = 15, 8, 16, [4, 6, 8, 9, 12]
DEGREES, PHRASE_BARS, QUALITIES = 7, 8, 3  # chord qualities: major, minor, diminished
INPUTS = (STEPS + LENGTHS + DEGREES + POSITIONS + len(BARS) + PHRASE_BARS + PHRASE_BARS + 1
          + DEGREES + QUALITIES + 1)
OUTPUTS = STEPS * LENGTHS
HIDDEN = 128
SCALES = {
    "major": [0, 2, 4, 5, 7, 9, 11], "ionian": [0, 2, 4, 5, 7, 9, 11],
    "minor": [0, 2, 3, 5, 7, 8, 10], "aeolian": [0, 2, 3, 5, 7, 8, 10],
    "dorian": [0, 2, 3, 5, 7, 9, 10], "phrygian": [0, 1, 3, 5, 7, 8, 10],
    "lydian": [0, 2, 4, 6, 7, 9, 11], "mixolydian": [0, 2, 4, 5, 7, 9, 10],
    "locrian": [0, 1, 3, 5, 6, 8, 10],
}


def token(step, length):
    return (step + 7) * LENGTHS + (length - 1)


def quality(mode, root):
    s = SCALES[mode]
    third = (s[(root + 2) % 7] - s[root]) % 12
    fifth = (s[(root + 4) % 7] - s[root]) % 12
    if third == 4:
        return 0
    return 1 if fifth == 7 else 2


def segment_eighths(bar):
    return {4: 4, 6: 3 if bar == 6 else 6, 8: 4, 9: 9, 12: 6}[bar]


def chords(bar, mode, notes, three_four):
    """The implied chord (root degree, quality) under each note."""
    seg = 6 if three_four else segment_eighths(bar)
    # Absolute eighth of each onset.
    starts = [n[4] * bar + n[2] for n in notes]
    by_seg = {}
    for i, (n, at) in enumerate(zip(notes, starts)):
        by_seg.setdefault(at // seg, []).append(i)
    label = [None] * len(notes)
    prev = (0, quality(mode, 0))
    for s in sorted(by_seg):
        score = np.zeros(7)
        for i in by_seg[s]:
            d = notes[i][3]
            w = min(notes[i][1], seg - starts[i] % seg)
            if starts[i] % seg == 0:
                w *= 1.5
            for r in range(7):
                if (d - r) % 7 in (0, 2, 4):
                    score[r] += w
        score[[0, 3, 4]] += 0.01
        root = int(np.argmax(score))
        prev = (root, quality(mode, root))
        for i in by_seg[s]:
            label[i] = prev
    return label


def features(melody):
    """(inputs [T, INPUTS], targets [T]) for notes 1.. of a melody."""
    bar, mode, notes, ends = melody["bar"], melody["mode"], melody["notes"], melody["phrase_ends"]
    three_four = False
    chord = chords(bar, mode, notes, three_four)
    # Phrase of each note: index into ends; its first bar, last bar and density.
    phrase_of, start = [], 0
    bounds = []
    for e in ends:
        bounds.append((start, e))
        start = e + 1
    for k, (a, b) in enumerate(bounds):
        phrase_of += [k] * (b - a + 1)
    xs, ys = [], []
    for i in range(1, len(notes)):
        x = np.zeros(INPUTS, np.float32)
        step, length, _, degree, _ = notes[i - 1]
        o = 0
        x[o + step + 7] = 1; o += STEPS
        x[o + length - 1] = 1; o += LENGTHS
        x[o + degree] = 1; o += DEGREES
        x[o + notes[i][2] % POSITIONS] = 1; o += POSITIONS
        x[o + BARS.index(bar)] = 1; o += len(BARS)
        a, b = bounds[phrase_of[i]]
        first_bar, last_bar = notes[a][4], notes[b][4]
        x[o + min(notes[i][4] - first_bar, PHRASE_BARS - 1)] = 1; o += PHRASE_BARS
        x[o + min(last_bar - notes[i][4], PHRASE_BARS - 1)] = 1; o += PHRASE_BARS
        x[o] = 1.0 if i == a else 0.0; o += 1
        root, q = chord[i]
        x[o + root] = 1; o += DEGREES
        x[o + q] = 1; o += QUALITIES
        span = max(1, (last_bar - first_bar + 1) * bar)
        x[o] = min(1.0, (b - a + 1) / span)
        xs.append(x)
        ys.append(token(notes[i][0], notes[i][1]))
    return np.array(xs), np.array(ys)


CHORD_SLOTS = slice(INPUTS - 1 - QUALITIES - DEGREES, INPUTS - 1)


def without_chords(data):
    """The same notes with the chord inputs blanked: what the chord adds, measured."""
    out = []
    for x, y in data:
        x = x.copy()
        x[:, CHORD_SLOTS] = 0
        out.append((x, y))
    return out


def held_out_bits(p, data):
    total, count = 0.0, 0
    for x, y in data:
        logits, _ = run_numpy(p, x)
        total -= log_softmax(logits)[np.arange(len(y)), y].sum()
        count += len(y)
    return total / count / np.log(2)


def split(corpus):
    train_set, held = [], []
    for line in open(corpus):
        r = json.loads(line)
        family = r["work"].split("#")[0] if r["work"].startswith("bach/") else r["work"]
        (held if zlib.crc32(family.encode()) % 10 == 0 else train_set).append(r)
    return train_set, held


def cell(p, x, h):
    """One GRU step (x [B, I], h [B, H]); numpy or jax arrays."""
    import jax.numpy as jnp
    gx = x @ p["wx"] + p["bx"]
    gh = h @ p["wh"] + p["bh"]
    H = h.shape[-1]
    z = 1 / (1 + jnp.exp(-(gx[:, :H] + gh[:, :H])))
    r = 1 / (1 + jnp.exp(-(gx[:, H:2 * H] + gh[:, H:2 * H])))
    n = jnp.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    h = (1 - z) * n + z * h
    return h, h @ p["wo"] + p["bo"]


def batches(data, size, rng):
    order = sorted(range(len(data)), key=lambda i: len(data[i][1]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    for g in groups:
        T = len(data[g[-1]][1])
        T = ((T + 31) // 32) * 32
        x = np.zeros((T, len(g), INPUTS), np.float32)
        y = np.zeros((T, len(g)), np.int32)
        m = np.zeros((T, len(g)), np.float32)
        for j, i in enumerate(g):
            xi, yi = data[i]
            x[:len(yi), j], y[:len(yi), j], m[:len(yi), j] = xi, yi, 1
        yield x, y, m


def train(data, epochs, seed):
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(seed)

    def init(a, b):
        return jnp.asarray(rng.normal(0, np.sqrt(1 / a), (a, b)).astype(np.float32))

    p = {"wx": init(INPUTS, 3 * HIDDEN), "bx": jnp.zeros(3 * HIDDEN), "wh": init(HIDDEN, 3 * HIDDEN),
         "bh": jnp.zeros(3 * HIDDEN), "wo": init(HIDDEN, OUTPUTS), "bo": jnp.zeros(OUTPUTS)}

    def loss(p, x, y, m):
        def step(h, xt):
            h, logits = cell(p, xt, h)
            return h, logits
        _, logits = jax.lax.scan(step, jnp.zeros((x.shape[1], HIDDEN)), x)
        lp = jax.nn.log_softmax(logits)
        nll = -jnp.take_along_axis(lp, y[..., None], axis=-1)[..., 0]
        l2 = sum(jnp.sum(p[k] ** 2) for k in ("wx", "wh", "wo"))
        return jnp.sum(nll * m) / jnp.sum(m) + 1e-5 * l2

    grad = jax.jit(jax.value_and_grad(loss))
    mo = {k: jnp.zeros_like(v) for k, v in p.items()}
    ve = {k: jnp.zeros_like(v) for k, v in p.items()}
    n_batches = (len(data) + 31) // 32
    total, t = epochs * n_batches, 0
    for epoch in range(epochs):
        seen = 0.0
        for x, y, m in batches(data, 32, rng):
            t += 1
            value, g = grad(p, x, y, m)
            seen += float(value)
            lr = 3e-3 * 0.5 * (1 + np.cos(np.pi * t / total)) + 1e-5
            for k in p:
                gk = jnp.clip(g[k], -1, 1)
                mo[k] = 0.9 * mo[k] + 0.1 * gk
                ve[k] = 0.999 * ve[k] + 0.001 * gk * gk
                p[k] = p[k] - lr * (mo[k] / (1 - 0.9 ** t)) / (jnp.sqrt(ve[k] / (1 - 0.999 ** t)) + 1e-8)
        print(f"epoch {epoch + 1}: train nats/note {seen / n_batches:.3f}", file=sys.stderr)
    return {k: np.asarray(v, np.float32) for k, v in p.items()}


def run_numpy(p, x):
    """Logits [T, OUTPUTS] and states [T+1, HIDDEN] of one melody, in float32 numpy."""
    H = HIDDEN
    h = np.zeros((1, H), np.float32)
    states, out = [h[0].copy()], []
    for xt in x:
        gx = xt[None] @ p["wx"] + p["bx"]
        gh = h @ p["wh"] + p["bh"]
        z = 1 / (1 + np.exp(-(gx[:, :H] + gh[:, :H])))
        r = 1 / (1 + np.exp(-(gx[:, H:2 * H] + gh[:, H:2 * H])))
        n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        h = ((1 - z) * n + z * h).astype(np.float32)
        out.append((h @ p["wo"] + p["bo"])[0])
        states.append(h[0].copy())
    return np.array(out), np.array(states)


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def export(p, path):
    H = HIDDEN
    inits = {k: v for k, v in p.items()}
    # Split the gates so the graph is plain MatMul/Add/Sigmoid/Tanh.
    for g, name in enumerate("zrn"):
        inits[f"wx_{name}"] = p["wx"][:, g * H:(g + 1) * H]
        inits[f"bx_{name}"] = p["bx"][g * H:(g + 1) * H]
        inits[f"wh_{name}"] = p["wh"][:, g * H:(g + 1) * H]
        inits[f"bh_{name}"] = p["bh"][g * H:(g + 1) * H]
    inits = {k: v for k, v in inits.items() if k not in ("wx", "wh", "bx", "bh")}
    inits["one"] = np.ones((1, H), np.float32)
    nodes = []
    for name in "zrn":
        nodes += [
            helper.make_node("MatMul", ["input", f"wx_{name}"], [f"xw_{name}"]),
            helper.make_node("Add", [f"xw_{name}", f"bx_{name}"], [f"gx_{name}"]),
            helper.make_node("MatMul", ["state", f"wh_{name}"], [f"hw_{name}"]),
            helper.make_node("Add", [f"hw_{name}", f"bh_{name}"], [f"gh_{name}"]),
        ]
    nodes += [
        helper.make_node("Add", ["gx_z", "gh_z"], ["sz"]),
        helper.make_node("Sigmoid", ["sz"], ["z"]),
        helper.make_node("Add", ["gx_r", "gh_r"], ["sr"]),
        helper.make_node("Sigmoid", ["sr"], ["r"]),
        helper.make_node("Mul", ["r", "gh_n"], ["rn"]),
        helper.make_node("Add", ["gx_n", "rn"], ["sn"]),
        helper.make_node("Tanh", ["sn"], ["n"]),
        helper.make_node("Sub", ["one", "z"], ["keep_new"]),
        helper.make_node("Mul", ["keep_new", "n"], ["new_part"]),
        helper.make_node("Mul", ["z", "state"], ["old_part"]),
        helper.make_node("Add", ["new_part", "old_part"], ["next_state"]),
        helper.make_node("MatMul", ["next_state", "wo"], ["lo"]),
        helper.make_node("Add", ["lo", "bo"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "attuned_phrase_composer",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, INPUTS]),
         helper.make_tensor_value_info("state", TensorProto.FLOAT, [1, H])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, OUTPUTS]),
         helper.make_tensor_value_info("next_state", TensorProto.FLOAT, [1, H])],
        [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, producer_name="attuned models/composer/train/train_phrases.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    helper.set_model_props(model, {"attuned.phrase_contract": CONTRACT_VERSION,
                                   "attuned.inputs": str(INPUTS), "attuned.hidden": str(H)})
    onnx.checker.check_model(model)
    onnx.save(model, path)


def first_composer_bits(held):
    """The first composer (models/composer.onnx, six notes of context) on the same notes."""
    import onnxruntime as ort
    sys.path.insert(0, "models/train")
    session = ort.InferenceSession("models/composer.onnx")
    ctx, v1_in = 6, 6 * 23 + 16 + 5
    total, count = 0.0, 0
    for r in held:
        notes, bar = r["notes"], r["bar"]
        xs, ys = [], []
        for i in range(1, len(notes)):
            x = np.zeros(v1_in, np.float32)
            for k in range(1, ctx + 1):
                if i - k < 0:
                    break
                s, length = notes[i - k][0], notes[i - k][1]
                x[(k - 1) * 23 + s + 7] = 1
                x[(k - 1) * 23 + 15 + length - 1] = 1
            x[ctx * 23 + notes[i][2] % 16] = 1
            x[ctx * 23 + 16 + BARS.index(bar)] = 1
            xs.append(x)
            ys.append(token(notes[i][0], notes[i][1]))
        for x, y in zip(xs, ys):
            z = session.run(None, {"context": x[None]})[0][0]
            total -= log_softmax(z)[y]
            count += 1
    return total / count / np.log(2)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "target/composer/phrases.jsonl"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    t0 = time.time()
    train_set, held = split(corpus)
    tr = [features(r) for r in train_set]
    he = [features(r) for r in held]
    p = train(tr, epochs=epochs, seed=1)
    model_bits = held_out_bits(p, he)
    blind_bits = held_out_bits(train(without_chords(tr), epochs=epochs, seed=1), without_chords(he))
    ytr = np.concatenate([y for _, y in tr])
    yhe = np.concatenate([y for _, y in he])
    prev_tr = np.concatenate([np.r_[[token(0, 1)], y[:-1]] for _, y in tr])
    prev_he = np.concatenate([np.r_[[token(0, 1)], y[:-1]] for _, y in he])
    uni = np.bincount(ytr, minlength=OUTPUTS) + 0.5
    uni_bits = float(-np.log2(uni[yhe] / uni.sum()).mean())
    big = np.full((OUTPUTS, OUTPUTS), 0.5)
    np.add.at(big, (prev_tr, ytr), 1.0)
    big /= big.sum(axis=1, keepdims=True)
    bigram_bits = float(-np.log2(big[prev_he, yhe]).mean())
    v1_bits = first_composer_bits(held)
    export(p, "models/phrases.onnx")
    gx, _ = he[0]
    logits, states = run_numpy(p, gx[:32])
    with open("models/phrases-golden.json", "w") as f:
        json.dump({"contract_version": CONTRACT_VERSION, "tolerance": 1e-4,
                   "inputs": gx[:32].tolist(), "states": states.tolist(),
                   "logits": logits.tolist()}, f)
        f.write("\n")
    evaluation = {
        "melodies": {"train": len(train_set), "held_out": len(held)},
        "notes": {"train": int(len(ytr)), "held_out": int(len(yhe))},
        "bits_per_note": {"model": float(model_bits), "model_without_chords": float(blind_bits),
                          "first_composer": float(v1_bits),
                          "bigram": bigram_bits, "unigram": uni_bits},
        "epochs": epochs, "seconds": round(time.time() - t0),
    }
    with open("models/phrases-eval.json", "w") as f:
        json.dump(evaluation, f, indent=1)
        f.write("\n")
    print(json.dumps(evaluation), file=sys.stderr)


if __name__ == "__main__":
    main()
