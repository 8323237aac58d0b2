"""Writes masked-layers.json: Keras 3 layers that use or combine masks —
BatchNormalization (training moments over unmasked steps), the merge
layers (Add, Subtract, Average, Multiply, Maximum, Minimum: the OR of the
inputs' masks when all are masked, Multiply/Maximum/Minimum substituting at
masked steps; Concatenate along the features (OR) and along time (masks
joined, ones for an unmasked input); Dot takes a mask and drops it), and
Bidirectional(merge_mode=None), whose two outputs both carry the mask. The
oracle for test/masked-layers.test.ts (issue 12).

Two token-id inputs with different padding make two different masks.
Weights from a seeded generator set explicitly (moving variances positive);
recorded: weight names, predictions, three train_on_batch steps (loss,
then the weights after the last, moving statistics included).

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_masked_layers.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
import numpy as np  # noqa: E402
from gen_functional import build, target  # noqa: E402

BATCH = 4
IDS1 = [[3, 1, 4, 1, 0, 0], [5, 9, 2, 6, 5, 3], [0, 0, 5, 8, 9, 7], [9, 0, 3, 0, 0, 2]]
IDS2 = [[2, 7, 0, 0, 0, 0], [0, 1, 2, 3, 0, 5], [4, 0, 5, 0, 9, 0], [0, 0, 0, 0, 0, 0]]

HEAD = """a = Input(shape=(6,))
b = Input(shape=(6,))
ea = Embedding(10, 3, mask_zero=True)(a)
eb = Embedding(10, 3, mask_zero=True)(b)
"""
TAIL = "compile(optimizer=SGD(learning_rate=0.1), loss='mse')\n"

CASES = {
    "add_or_masks": """m = Add()([ea, eb])
h = LSTM(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "subtract_masked_sequence_output": """m = Subtract()([ea, eb])
y = GRU(2, return_sequences=True)(m)
Model(inputs=[a, b], outputs=y)
""",
    "average_gap": """m = Average()([ea, eb])
p = GlobalAveragePooling1D()(m)
y = Dense(2)(p)
Model(inputs=[a, b], outputs=y)
""",
    "multiply_both_masked": """m = Multiply()([ea, eb])
h = LSTM(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "multiply_one_masked": """u = Embedding(10, 3)(b)
m = Multiply()([ea, u])
h = SimpleRNN(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "maximum_three": """d = Dense(3)(ea)
m = Maximum()([ea, eb, d])
h = LSTM(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "minimum_one_masked": """u = Embedding(10, 3)(b)
m = Minimum()([u, ea])
h = GRU(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "concatenate_features": """m = Concatenate()([ea, eb])
h = LSTM(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "concatenate_time_one_masked": """u = Embedding(10, 3)(b)
m = Concatenate(axis=1)([ea, u])
h = LSTM(2, go_backwards=True)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "dot_takes_the_mask": """m = Dot(axes=2)([ea, eb])
h = LSTM(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "batch_normalization_masked": """d = Dense(3)(ea)
n = BatchNormalization()(d)
h = LSTM(2)(n)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
    "batch_normalization_masked_sequence_output": """n = BatchNormalization(center=False, momentum=0.9)(eb)
y = Dense(2)(n)
Model(inputs=[a, b], outputs=y)
""",
    "bidirectional_none_both_outputs_masked": """f, r = Bidirectional(LSTM(2, return_sequences=True), merge_mode=None)(ea)
m = Add()([f, r])
h = GRU(2)(m)
y = Dense(2)(h)
Model(inputs=[a, b], outputs=y)
""",
}


def case(name, body, seed):
    rng = np.random.default_rng(seed)
    source = HEAD + body + TAIL
    m = build(source)
    before = [
        (rng.uniform(0.5, 1.5, size=w.shape) if w.path.endswith("moving_variance") else rng.uniform(-0.6, 0.6, size=w.shape)).astype("float32")
        for w in m.weights
    ]
    for w, v in zip(m.weights, before):
        w.assign(v)
    xs = [np.array(IDS1, dtype="float32"), np.array(IDS2, dtype="float32")]
    y = target(rng, "mse", tuple(m.outputs[0].shape[1:]))
    pred = m.predict(xs, verbose=0)
    steps = [float(m.train_on_batch(xs, y)) for _ in range(3)]
    return {
        "name": name,
        "source": source.strip(),
        "weight_names": [w.path for w in m.weights],
        "weight_shapes": [list(w.shape) for w in m.weights],
        "weights_before": [v.ravel().tolist() for v in before],
        "x": [x.ravel().tolist() for x in xs],
        "y": np.asarray(y).ravel().tolist(),
        "predictions": np.asarray(pred).ravel().tolist(),
        "losses": steps,
        "weights_after": [np.asarray(w.numpy()).ravel().tolist() for w in m.weights],
    }


def main():
    out = [case(name, body, 900 + k) for k, (name, body) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "masked-layers.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
