"""Writes bn-fold.json: Keras 3 BatchNormalization at inference right after a
convolution or Dense product, with and without a relu after it — the
layers layerc folds into the product's epilogue at inference (issue 15,
src/kernel/affine.ts; test/native-affine.test.ts). Large enough shapes that
the products run as native kernels.

Same record as gen_functional.py's `case`, except the weights: drawn
explicitly, with every moving variance positive (a variance drawn from
(-0.6, 0.6) would make the normalization NaN). Predictions before and after
three SGD steps (the steps move the moving statistics, so the second
inference reads new ones).

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_bn_fold.py
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
from gen_functional import BATCH, build, sample  # noqa: E402

CASES = {
    "conv_bn_relu_dense_bn": """
x = Input(shape=(6, 6, 3))
c = Conv2D(8, 3, padding='same')(x)
b = BatchNormalization()(c)
r = ReLU()(b)
c2 = Conv2D(6, 3, activation='relu')(r)
b2 = BatchNormalization(epsilon=0.01)(c2)
f = Flatten()(b2)
d = Dense(24)(f)
b3 = BatchNormalization(center=False)(d)
a = Activation('relu')(b3)
y = Dense(3)(a)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.05), loss='mse')
""",
    "dense_relu_bn_scale_off": """
x = Input(shape=(40,))
d = Dense(32, activation='relu')(x)
b = BatchNormalization(scale=False, momentum=0.5)(d)
y = Dense(2)(b)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.05), loss='mse')
""",
}


def case(name, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = []
    for w in m.weights:
        kind = w.path.split("/")[-1]
        if kind == "moving_variance":
            v = rng.uniform(0.3, 2.0, size=w.shape)
        elif kind == "gamma":
            v = rng.uniform(0.5, 1.5, size=w.shape)
        else:
            v = rng.uniform(-0.6, 0.6, size=w.shape)
        before.append(v.astype("float32"))
    for w, v in zip(m.weights, before):
        w.assign(v)
    x = sample(rng, tuple(m.inputs[0].shape[1:]))
    y = rng.uniform(-1, 1, size=(BATCH, *m.outputs[0].shape[1:])).astype("float32")
    pred = m.predict(x, verbose=0)
    losses = [float(m.train_on_batch(x, y)) for _ in range(3)]
    after = m.predict(x, verbose=0)
    return {
        "name": name,
        "source": body.strip(),
        "weight_shapes": [list(w.shape) for w in m.weights],
        "weights_before": [v.ravel().tolist() for v in before],
        "x": x.ravel().tolist(),
        "y": y.ravel().tolist(),
        "predictions": np.asarray(pred).ravel().tolist(),
        "losses": losses,
        "predictions_after": np.asarray(after).ravel().tolist(),
        # the moving statistics after the steps (the rest is pinned by the losses and predictions)
        "moving_after": [np.asarray(w.numpy()).ravel().tolist() for w in m.weights if w.path.split("/")[-1].startswith("moving_")],
    }


def main():
    out = [case(name, body, 900 + k) for k, (name, body) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "bn-fold.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
