"""Seed: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from seed.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python seed.py
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
            keras.Input(shape=(1,)),
            keras.layers.Dense(4, activation="relu", name="dense"),
            keras.layers.Dense(2, activation="softmax", name="dense_1"),
        ],
        name="Seed",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("seed.weights.h5"))
    model.summary()
