"""Writes layers.json: Keras 3 predictions and two SGD training steps for
the layers of issue 12 (convolutions, normalization, activations, noise).

Each case is a Sequential model  Input(shape) -> Dense(units) on the last
axis (so the layer's input gradient matters) -> the layer(s) under test,
compiled with SGD(learning_rate=0.1) and mean squared error. The layer lines
are written in .nn syntax, which for these layers is the Python call itself,
so the same text builds the Keras model here and the layerc model in
test/keras-layers.test.ts. Weights, inputs and targets are drawn from a
seeded NumPy generator and stored, so nothing depends on Keras's seeds.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_layers.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

# (name, input shape, Dense units before the layers or None, layer lines)
CASES = [
    ("relu_default", (3, 4), 4, ["ReLU()"]),
    ("relu_max_slope_threshold", (3, 4), 4, ["ReLU(max_value=1.5, negative_slope=0.1, threshold=0.25)"]),
    ("relu_max6", (6,), 6, ["ReLU(max_value=6.0)"]),
    ("relu_slope_only", (5,), 5, ["ReLU(negative_slope=0.2)"]),
    ("relu_threshold", (5,), 5, ["ReLU(threshold=0.3)"]),
    ("leaky_relu_default", (5,), 5, ["LeakyReLU()"]),
    ("leaky_relu_slope", (2, 3), 3, ["LeakyReLU(negative_slope=0.05)"]),
    ("prelu", (3, 4), 4, ["PReLU()"]),
    ("prelu_shared", (2, 3, 4), 4, ["PReLU(alpha_initializer='ones', shared_axes=[1, 2])"]),
    ("elu_default", (5,), 5, ["ELU()"]),
    ("elu_alpha", (2, 3), 3, ["ELU(alpha=0.5)"]),
    ("softmax_last", (3, 4), 4, ["Softmax()"]),
    ("softmax_axis1", (3, 4), 4, ["Softmax(axis=1)"]),
    ("softmax_two_axes", (2, 3, 2), 2, ["Softmax(axis=(1, 3))"]),
    ("rescaling", (4,), 4, ["Rescaling(0.5, offset=-1.0)"]),
    ("normalization_per_channel", (3, 2), 2, ["Normalization(mean=[0.5, -1.0], variance=[4.0, 0.25])"]),
    ("normalization_scalar", (4,), 4, ["Normalization(mean=0.5, variance=2.0, axis=None)"]),
    ("normalization_invert", (2, 3), 3, ["Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 0.5, 2.0], invert=True)"]),
    ("normalization_axis1", (2, 3), 3, ["Normalization(axis=1, mean=[1.0, -1.0], variance=[2.0, 3.0])"]),
    ("layer_norm_default", (3, 4), 4, ["LayerNormalization()"]),
    ("layer_norm_axes", (2, 3, 2), 2, ["LayerNormalization(axis=[1, 2], epsilon=0.01)"]),
    ("layer_norm_no_center", (5,), 5, ["LayerNormalization(center=False)"]),
    ("layer_norm_no_scale", (2, 4), 4, ["LayerNormalization(scale=False, axis=1)"]),
    ("unit_norm", (3, 4), 4, ["UnitNormalization()"]),
    ("unit_norm_axes", (2, 3, 2), 2, ["UnitNormalization(axis=[1, 3])"]),
]


def build(shape, units, lines):
    keras.backend.clear_session()  # default names count from zero per model, as in a fresh program
    stack = [keras.Input(shape=shape)]
    if units is not None:
        stack.append(layers.Dense(units))
    stack += [eval("layers." + line) for line in lines]  # the .nn line is the Python call
    model = keras.Sequential(stack)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def tolist(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def run(name, shape, units, lines, rng, batch=3):
    model = build(shape, units, lines)
    weights = [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(weights)
    x = rng.normal(0, 1.5, (batch, *shape)).astype(np.float32)
    out_shape = model.output_shape[1:]
    y = rng.normal(0, 1, (batch, *out_shape)).astype(np.float32)
    pred = model.predict(x, verbose=0)
    steps = []
    for _ in range(2):
        loss = float(model.train_on_batch(x, y))
        steps.append({"loss": loss, "weights": [tolist(w) for w in model.get_weights()]})
    return {
        "name": name,
        "inputShape": list(shape),
        "dense": units,
        "layers": lines,
        "names": [layer.name for layer in model.layers],
        "outputShape": list(out_shape),
        "params": int(model.count_params()),
        "weights": [{"shape": list(w.shape), "data": tolist(w)} for w in weights],
        "batch": batch,
        "x": tolist(x),
        "y": tolist(y),
        "pred": tolist(pred),
        "steps": steps,
    }


def main():
    rng = np.random.default_rng(12)
    cases = [run(*c, rng) for c in CASES]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.json")
    with open(out, "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
