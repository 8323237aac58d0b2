"""Shared: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from shared.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python shared.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    left = keras.Input(shape=(4,), name="left")
    right = keras.Input(shape=(4,), name="right")
    tower = keras.layers.Dense(5, activation="tanh", name="tower")
    tower_1 = tower(left)
    tower_2 = tower(right)
    subtract = keras.layers.Subtract(name="subtract")([tower_1, tower_2])
    multiply = keras.layers.Multiply(name="multiply")([tower_1, tower_2])
    concatenate = keras.layers.Concatenate(name="concatenate")([subtract, multiply])
    dense = keras.layers.Dense(1, activation="sigmoid", name="dense")(concatenate)
    model = keras.Model(inputs=[left, right], outputs=dense, name="Shared")
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("shared.weights.h5"))
    model.summary()
