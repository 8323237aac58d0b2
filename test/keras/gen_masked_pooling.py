"""Writes masked-pooling.json: Keras 3 models whose GlobalAveragePooling1D
averages over unmasked steps, large enough (steps x channels past the
native threshold) that layerc's float32 generated code runs the masked
average and its gradient as native window kernels — the oracle for
test/native-masked-pooling.test.ts.

Masks from Embedding(mask_zero=True) (padding at the end, the start and
inside a review, one sample with a single token) and from Masking (steps
equal to the mask value, carried through a Dense). Weights from a seeded
generator set explicitly; recorded: weight names, predictions and three
train_on_batch steps (loss, then the weights after the last). Same format
as masking.json (gen_masking.py).

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_masked_pooling.py
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from gen_functional import BATCH, build, target  # noqa: E402
from steps_fixture import run_steps, write  # noqa: E402

STEPS = 24
VOCAB = 40

CASES = {
    "embedding_mask_zero_gap": ("ids", f"""
x = Input(shape=({STEPS},))
e = Embedding({VOCAB}, 16, mask_zero=True)(x)
p = GlobalAveragePooling1D()(e)
h = Dense(8, activation='relu')(p)
y = Dense(1, activation='sigmoid')(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.5), loss='binary_crossentropy')
"""),
    "masking_dense_gap_keepdims": ("steps", """
x = Input(shape=(20, 6))
m = Masking()(x)
d = Dense(16, activation='tanh')(m)
p = GlobalAveragePooling1D(keepdims=True)(d)
f = Flatten()(p)
y = Dense(3)(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
}


def inputs(kind, rng):
    if kind == "ids":
        x = rng.integers(1, VOCAB, size=(BATCH, STEPS)).astype("float32")
        x[0, 15:] = 0  # padding at the end
        x[1, :10] = 0  # at the start
        x[2, 5:9] = 0  # inside
        x[2, 20] = 0
        x[3, 1:] = 0  # one token left
        return x
    x = rng.uniform(-1.0, 1.0, size=(BATCH, 20, 6)).astype("float32")
    x[0, 12:, :] = 0.0
    x[1, :7, :] = 0.0
    x[2, 3, :] = 0.0
    x[3, 5, 0] = 0.0  # a partial match masks nothing
    return x


def case(name, kind, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = [rng.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in m.weights]
    x = inputs(kind, rng)
    y = target(rng, m.loss, tuple(m.outputs[0].shape[1:]))
    return run_steps(name, body, m, before, x, y)


def main():
    write("masked-pooling.json", [case(name, kind, body, 900 + k) for k, (name, (kind, body)) in enumerate(CASES.items())])


if __name__ == "__main__":
    main()
