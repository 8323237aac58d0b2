"""TwoInput: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from two_input.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python two_input.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    a = keras.Input(shape=(5,), name="a")
    b = keras.Input(shape=(3,), name="b")
    dense = keras.layers.Dense(4, activation="relu", name="dense")(a)
    dense_1 = keras.layers.Dense(4, activation="tanh", name="dense_1")(b)
    concatenate = keras.layers.Concatenate(name="concatenate")([dense, dense_1])
    out = keras.layers.Dense(2, name="out")(concatenate)
    model = keras.Model(inputs=[a, b], outputs=out, name="TwoInput")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="mean_squared_error",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("two_input.weights.h5"))
    model.summary()
