"""Lstm: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from lstm.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python lstm.py
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
            keras.Input(shape=(6, 3)),
            keras.layers.LSTM(5, return_sequences=True, name="lstm"),
            keras.layers.LSTM(4, name="lstm_1"),
            keras.layers.Dense(2, activation="softmax", name="dense"),
        ],
        name="Lstm",
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
        loss="categorical_crossentropy",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("lstm.weights.h5"))
    model.summary()
