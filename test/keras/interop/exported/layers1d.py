"""Layers1d: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from layers1d.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python layers1d.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    model = keras.Sequential(
        [
            keras.Input(shape=(12, 3)),
            keras.layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="tanh", kernel_initializer=keras.initializers.RandomNormal(mean=0, stddev=0.1, seed=3), name="conv1d"),
            keras.layers.MaxPooling1D(name="max_pooling1d"),
            keras.layers.Conv1D(5, 2, strides=2, padding="same", name="conv1d_1"),
            keras.layers.AveragePooling1D(2, padding="same", name="average_pooling1d"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Reshape((2, 5), name="reshape"),
            keras.layers.Activation("gelu", name="activation"),
            keras.layers.Flatten(name="flatten_1"),
            keras.layers.Dense(4, activation="sigmoid", kernel_initializer=keras.initializers.VarianceScaling(scale=2, mode="fan_avg", distribution="uniform"), bias_initializer=keras.initializers.Constant(value=0.1), name="dense"),
        ],
        name="Layers1d",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("layers1d.weights.h5"))
    model.summary()
