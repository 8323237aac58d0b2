"""TwoOutput: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from two_output.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python two_output.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    input_layer = keras.Input(shape=(4,), name="input_layer")
    dense = keras.layers.Dense(8, activation="relu", name="dense")(input_layer)
    cls = keras.layers.Dense(3, activation="softmax", name="cls")(dense)
    reg = keras.layers.Dense(1, name="reg")(dense)
    model = keras.Model(inputs=input_layer, outputs=[cls, reg], name="TwoOutput")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss={"cls": "categorical_crossentropy", "reg": "mean_squared_error"},
        loss_weights={"cls": 1, "reg": 0.5},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("two_output.weights.h5"))
    model.summary()
