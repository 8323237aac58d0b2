"""Mlp: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from mlp.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python mlp.py
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
            keras.Input(shape=(8,)),
            keras.layers.Dense(16, activation="relu", kernel_initializer=keras.initializers.HeNormal(), name="dense"),
            keras.layers.BatchNormalization(momentum=0.9, name="batch_normalization"),
            keras.layers.Dropout(0.25, name="dropout"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ],
        name="Mlp",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("mlp.weights.h5"))
    model.summary()
