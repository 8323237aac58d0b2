"""Layers2d: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from layers2d.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python layers2d.py
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
            keras.Input(shape=(9, 9, 2)),
            keras.layers.Conv2D(3, (3, 2), strides=(2, 1), activation="elu", use_bias=False, name="conv2d"),
            keras.layers.AveragePooling2D((2, 2), strides=(1, 1), name="average_pooling2d"),
            keras.layers.BatchNormalization(epsilon=0.01, center=False, name="batch_normalization"),
            keras.layers.GlobalMaxPooling2D(name="global_max_pooling2d"),
            keras.layers.Dense(6, activation="relu6", name="dense"),
            keras.layers.Dense(3, activation="log_softmax", name="dense_1"),
        ],
        name="Layers2d",
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.002, rho=0.8),
        loss=keras.losses.CategoricalCrossentropy(reduction="sum_over_batch_size", from_logits=True),
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("layers2d.weights.h5"))
    model.summary()
