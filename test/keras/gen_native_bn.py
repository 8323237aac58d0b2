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
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from gen_functional import BATCH, build, target  # noqa: E402
from steps_fixture import run_steps, write  # noqa: E402

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
    # moving variances stay positive
    before = [rng.uniform(0.5, 1.5, size=w.shape).astype("float32") if w.path.endswith("moving_variance") else rng.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in m.weights]
    x = rng.uniform(-1.0, 1.0, size=(BATCH, *shape)).astype("float32")
    y = target(rng, m.loss, tuple(m.outputs[0].shape[1:]))
    return run_steps(name, body, m, before, x, y)


def main():
    write("native-bn.json", [case(name, shape, body, 700 + k) for k, (name, (shape, body)) in enumerate(CASES.items())])


if __name__ == "__main__":
    main()
