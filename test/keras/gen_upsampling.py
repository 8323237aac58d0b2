"""Writes upsampling.json: Keras 3 UpSampling2D with the interpolations that
go through jax.image.resize's separable kernels (bicubic, lanczos3,
lanczos5) and `area`, the oracle for issue 12 (test/upsampling-interpolation.test.ts).

Same recipe and record as gen_functional.py (its `case`): the case text is
a `.nn` functional body and Keras's own Python; weights set explicitly;
predictions and three SGD steps recorded. Keras 3.15 on JAX has no `area`
resize (its JAX backend rejects it), so `area` has no case here.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_upsampling.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
from gen_functional import case  # noqa: E402


def body(shape, size, interpolation):
    return f"""
x = Input(shape={shape})
c = Conv2D(2, 1, activation='tanh')(x)
u = UpSampling2D(size={size}, interpolation='{interpolation}')(c)
f = Flatten()(u)
y = Dense(2)(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.05), loss='mse')
"""


CASES = {
    "bicubic_2x2": body((4, 5, 3), (2, 2), "bicubic"),
    "bicubic_3x1": body((3, 4, 1), (3, 1), "bicubic"),
    "lanczos3_2x3": body((4, 3, 2), (2, 3), "lanczos3"),
    "lanczos5_2x2": body((6, 5, 2), (2, 2), "lanczos5"),
    "lanczos5_1x4_narrow": body((2, 3, 2), (1, 4), "lanczos5"),
}


def main():
    out = [case(name, text, 700 + k) for k, (name, text) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "upsampling.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
