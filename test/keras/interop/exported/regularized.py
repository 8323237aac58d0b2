"""Regularized: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from regularized.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python regularized.py
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
            keras.Input(shape=(6,)),
            keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(l2=0.01), kernel_constraint=keras.constraints.MaxNorm(max_value=3, axis=0), bias_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.002), bias_constraint=keras.constraints.NonNeg(), name="dense"),
            keras.layers.Dense(4, activation="softmax", kernel_regularizer=keras.regularizers.L1(l1=0.05), kernel_constraint=keras.constraints.MinMaxNorm(min_value=0.5, max_value=2, rate=0.9, axis=0), bias_constraint=keras.constraints.UnitNorm(axis=0), name="dense_1"),
        ],
        name="Regularized",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=0.1, decay_steps=100, decay_rate=0.96, staircase=True)),
        loss="categorical_crossentropy",
        metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(name="top_k_categorical_accuracy", k=2), keras.metrics.Precision(name="prec", thresholds=0.7), keras.metrics.AUC(name="auc", num_thresholds=50)],
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("regularized.weights.h5"))
    model.summary()
