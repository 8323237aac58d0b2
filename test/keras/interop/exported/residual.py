"""Residual: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from residual.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python residual.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    input_layer = keras.Input(shape=(6, 6, 2), name="input_layer")
    conv2d = keras.layers.Conv2D(2, (3, 3), padding="same", activation="relu", name="conv2d")(input_layer)
    conv2d_1 = keras.layers.Conv2D(2, (3, 3), padding="same", name="conv2d_1")(conv2d)
    add = keras.layers.Add(name="add")([input_layer, conv2d_1])
    activation = keras.layers.Activation("relu", name="activation")(add)
    max_pooling2d = keras.layers.MaxPooling2D(name="max_pooling2d")(activation)
    flatten = keras.layers.Flatten(name="flatten")(max_pooling2d)
    dense = keras.layers.Dense(3, activation="softmax", name="dense")(flatten)
    model = keras.Model(inputs=input_layer, outputs=dense, name="Residual")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.005),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("residual.weights.h5"))
    model.summary()
