"""Cnn: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from cnn.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python cnn.py
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
            keras.Input(shape=(8, 8, 2)),
            keras.layers.Conv2D(4, (3, 3), padding="same", activation="relu", name="conv2d"),
            keras.layers.MaxPooling2D(name="max_pooling2d"),
            keras.layers.Conv2D(3, (2, 2), strides=(2, 2), use_bias=False, name="conv2d_1"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(5, activation="softmax", name="dense"),
        ],
        name="Cnn",
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        loss="sparse_categorical_crossentropy",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("cnn.weights.h5"))
    model.summary()
