"""EncoderDecoder: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from encoder_decoder.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python encoder_decoder.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    enc = keras.Input(shape=(6, 3), name="enc")
    dec = keras.Input(shape=(4, 2), name="dec")
    lstm, lstm_state_1, lstm_state_2 = keras.layers.LSTM(5, return_state=True, name="lstm")(enc)
    lstm_1 = keras.layers.LSTM(5, return_sequences=True, name="lstm_1")(dec, initial_state=[lstm_state_1, lstm_state_2])
    gru, gru_state_1 = keras.layers.GRU(3, return_sequences=True, return_state=True, name="gru")(lstm_1)
    flatten = keras.layers.Flatten(name="flatten")(gru)
    concatenate = keras.layers.Concatenate(name="concatenate")([flatten, gru_state_1])
    dense = keras.layers.Dense(2, activation="softmax", name="dense")(concatenate)
    model = keras.Model(inputs=[enc, dec], outputs=[dense, lstm_state_1], name="EncoderDecoder")
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("encoder_decoder.weights.h5"))
    model.summary()
