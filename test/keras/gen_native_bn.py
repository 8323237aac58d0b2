"""Writes native-bn.json: Keras 3 models with BatchNormalization in training
followed by a ReLU layer, large enough that layerc's float32 generated code
runs the batch moments, the normalization, their gradients and the ReLU as
native elementwise kernels — the oracle for test/native-batchnorm.test.ts.

Weights (moving statistics included) from a seeded generator set
explicitly; recorded: weight names, predictions (inference: moving
statistics) and three train_on_batch steps (loss, then every weight after
the last: the moving statistics too). Same format as masking.json.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_native_bn.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
import numpy as np  # noqa: E402
from gen_functional import BATCH, build, target  # noqa: E402

CASES = {
    "conv_bn_relu": ((10, 10, 3), """
x = Input(shape=(10, 10, 3))
c = Conv2D(8, 3, padding='same')(x)
n = BatchNormalization(momentum=0.9)(c)
r = ReLU()(n)
p = MaxPooling2D(2)(r)
f = Flatten()(p)
y = Dense(3)(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.005), loss='mse')
"""),
    "dense_bn_relu_no_scale": ((40,), """
x = Input(shape=(40,))
d = Dense(32)(x)
n = BatchNormalization(scale=False, epsilon=0.01)(d)
r = ReLU()(n)
y = Dense(2, activation='softmax')(r)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
"""),
}


def case(name, shape, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = []
    for w in m.weights:
        # moving variances stay positive
        lo = 0.5 if w.path.endswith("moving_variance") else -0.6
        before.append(rng.uniform(lo, 0.6 if lo < 0 else 1.5, size=w.shape).astype("float32"))
    for w, v in zip(m.weights, before):
        w.assign(v)
    x = rng.uniform(-1.0, 1.0, size=(BATCH, *shape)).astype("float32")
    y = target(rng, m.loss, tuple(m.outputs[0].shape[1:]))
    pred = m.predict(x, verbose=0)
    steps = [float(m.train_on_batch(x, y)) for _ in range(3)]
    return {
        "name": name,
        "source": body.strip(),
        "layers": [l.name for l in m.layers],
        "weight_names": [w.path for w in m.weights],
        "weight_shapes": [list(w.shape) for w in m.weights],
        "weights_before": [v.ravel().tolist() for v in before],
        "x": x.ravel().tolist(),
        "y": np.asarray(y).ravel().tolist(),
        "predictions": np.asarray(pred).ravel().tolist(),
        "losses": steps,
        "weights_after": [np.asarray(w.numpy()).ravel().tolist() for w in m.weights],
    }


def main():
    out = [case(name, shape, body, 700 + k) for k, (name, (shape, body)) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "native-bn.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
