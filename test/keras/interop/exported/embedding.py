"""Embedding: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from embedding.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python embedding.py
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
    embedding = keras.layers.Embedding(20, 6, name="embedding")(ids)
    lstm = keras.layers.LSTM(4, name="lstm")(embedding)
    global_average_pooling1d = keras.layers.GlobalAveragePooling1D(name="global_average_pooling1d")(embedding)
    concatenate = keras.layers.Concatenate(name="concatenate")([lstm, global_average_pooling1d])
    dense = keras.layers.Dense(3, activation="softmax", name="dense")(concatenate)
    model = keras.Model(inputs=ids, outputs=dense, name="Embedding")
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("embedding.weights.h5"))
    model.summary()
