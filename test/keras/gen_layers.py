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

# (name, input shape, Dense units before the layers or None, layer lines[, train=True])
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
    # padding, cropping, upsampling
    ("zero_padding1d_default", (4, 2), 2, ["ZeroPadding1D()"]),
    ("zero_padding1d_pair", (4, 2), 2, ["ZeroPadding1D(padding=(2, 0))"]),
    ("zero_padding2d_default", (3, 2, 2), 2, ["ZeroPadding2D()"]),
    ("zero_padding2d_pairs", (3, 2, 2), 2, ["ZeroPadding2D(padding=((1, 0), (2, 3)))"]),
    ("zero_padding2d_sym", (3, 2, 2), 2, ["ZeroPadding2D(padding=(0, 2))"]),
    ("cropping1d_default", (5, 2), 2, ["Cropping1D()"]),
    ("cropping1d_pair", (5, 2), 2, ["Cropping1D(cropping=(0, 3))"]),
    ("cropping2d_pairs", (5, 4, 2), 2, ["Cropping2D(cropping=((1, 2), (0, 1)))"]),
    ("cropping2d_int", (5, 4, 2), 2, ["Cropping2D(1)"]),
    ("up_sampling1d", (3, 2), 2, ["UpSampling1D(size=3)"]),
    ("up_sampling2d_nearest", (2, 3, 2), 2, ["UpSampling2D(size=(2, 3))"]),
    ("up_sampling2d_bilinear", (3, 2, 2), 2, ["UpSampling2D(size=(2, 3), interpolation='bilinear')"]),
    ("up_sampling2d_bilinear_4", (2, 3, 1), 1, ["UpSampling2D(size=4, interpolation='bilinear')"]),
    # transposed, depthwise and separable convolutions
    ("conv1d_transpose_valid", (4, 2), 2, ["Conv1DTranspose(3, 3)"]),
    ("conv1d_transpose_strided_same", (4, 2), 2, ["Conv1DTranspose(2, 3, strides=2, padding='same', activation='tanh')"]),
    ("conv1d_transpose_strided_valid", (3, 2), 2, ["Conv1DTranspose(2, 2, strides=3)"]),
    ("conv1d_transpose_output_padding", (3, 2), 2, ["Conv1DTranspose(2, 4, strides=3, padding='same', output_padding=1)"]),
    ("conv1d_transpose_valid_output_padding", (3, 2), 2, ["Conv1DTranspose(2, 3, strides=2, output_padding=1)"]),
    ("conv1d_transpose_dilated_same", (5, 2), 2, ["Conv1DTranspose(2, 3, dilation_rate=2, padding='same', use_bias=False)"]),
    ("conv2d_transpose_valid", (3, 3, 2), 2, ["Conv2DTranspose(2, (2, 3))"]),
    ("conv2d_transpose_strided_same", (3, 2, 2), 2, ["Conv2DTranspose(3, 3, strides=(2, 1), padding='same', activation='relu')"]),
    ("conv2d_transpose_even_same", (2, 3, 1), 1, ["Conv2DTranspose(2, 4, strides=2, padding='same')"]),
    ("conv2d_transpose_output_padding", (2, 2, 2), 2, ["Conv2DTranspose(2, 3, strides=2, output_padding=(1, 0))"]),
    ("depthwise_valid", (4, 4, 2), 2, ["DepthwiseConv2D(3)"]),
    ("depthwise_same_multiplier", (4, 3, 2), 2, ["DepthwiseConv2D((2, 3), padding='same', depth_multiplier=2, activation='tanh')"]),
    ("depthwise_strided", (5, 5, 2), 2, ["DepthwiseConv2D(3, strides=2, padding='same', use_bias=False)"]),
    ("depthwise_dilated", (5, 5, 1), 1, ["DepthwiseConv2D(2, dilation_rate=(2, 1), depth_multiplier=3)"]),
    ("separable1d", (6, 2), 2, ["SeparableConv1D(3, 3, padding='same', depth_multiplier=2)"]),
    ("separable1d_strided", (7, 2), 2, ["SeparableConv1D(2, 3, strides=2, activation='relu', use_bias=False)"]),
    ("separable2d", (4, 4, 2), 2, ["SeparableConv2D(3, (3, 2))"]),
    ("separable2d_same", (4, 5, 2), 2, ["SeparableConv2D(2, 3, strides=2, padding='same', depth_multiplier=2, activation='tanh')"]),
    ("separable2d_dilated", (5, 5, 1), 1, ["SeparableConv2D(2, 2, dilation_rate=2, padding='same')"]),
    # noise layers train with Keras's own random draws, which cannot be reproduced
    # (test/noise-layers.test.ts checks their training statistics): with real rates
    # only predictions (the identity) are fixtured; at rate/stddev 0 Keras skips the
    # noise, so those train deterministically
    ("noise_predict", (3, 2), 2, ["SpatialDropout1D(0.5)", "GaussianNoise(0.3)", "GaussianDropout(0.4)", "AlphaDropout(0.2)"], False),
    ("spatial_dropout2d_predict", (2, 2, 2), 2, ["SpatialDropout2D(0.5, seed=3)"], False),
    ("noise_rate_zero", (3, 2), 2, ["SpatialDropout1D(0.0)", "GaussianNoise(0.0)", "GaussianDropout(0.0)", "AlphaDropout(0.0)"]),
    # the spelling of a pasted preprocessing layer: 1./255 is a number literal in both languages
    ("rescaling_bytes", (4,), None, ["Rescaling(1./255, offset=-0.5)", "Dense(2)"]),
    ("rescaling_per_channel", (2, 3), 3, ["Rescaling([0.5, 2.0, -1.0], offset=[0.0, 1.0, 0.25])"]),
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


def run(name, shape, units, lines, train=True, *, rng, batch=3):
    model = build(shape, units, lines)
    weights = [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(weights)
    x = rng.normal(0, 1.5, (batch, *shape)).astype(np.float32)
    out_shape = model.output_shape[1:]
    y = rng.normal(0, 1, (batch, *out_shape)).astype(np.float32)
    pred = model.predict(x, verbose=0)
    steps = []
    for _ in range(2 if train else 0):
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
    cases = [run(*c, rng=rng) for c in CASES]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.json")
    with open(out, "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
