"""ZooSequence: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from zoo_sequence.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python zoo_sequence.py
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
            keras.Input(shape=(5, 3)),
            keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), name="bidirectional"),
            keras.layers.TimeDistributed(keras.layers.Dense(3), name="time_distributed"),
            keras.layers.GRU(3, return_sequences=True, go_backwards=True, name="gru"),
            keras.layers.SimpleRNN(3, activation="elu", return_sequences=True, name="simple_rnn"),
            keras.layers.Bidirectional(keras.layers.GRU(2), merge_mode="sum", name="bidirectional_1"),
            keras.layers.Dense(2, name="dense_1"),
        ],
        name="ZooSequence",
    )
    model.compile(
        optimizer=keras.optimizers.Nadam(learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        loss=keras.losses.BinaryCrossentropy(reduction="sum_over_batch_size", from_logits=True, label_smoothing=0.1),
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("zoo_sequence.weights.h5"))
    model.summary()
