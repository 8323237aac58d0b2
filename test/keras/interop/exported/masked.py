"""Masked: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from masked.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python masked.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    ids = keras.Input(shape=(7,), name="ids")
    embedding = keras.layers.Embedding(20, 5, mask_zero=True, name="embedding")(ids)
    lstm = keras.layers.LSTM(4, name="lstm")(embedding)
    dense = keras.layers.Dense(2, activation="softmax", name="dense")(lstm)
    model = keras.Model(inputs=ids, outputs=dense, name="Masked")
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("masked.weights.h5"))
    model.summary()
