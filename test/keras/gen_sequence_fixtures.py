"""Keras 3 fixtures for the sequence layers (issue #12).

Each case is a model written twice, as Keras code and as the .nn spec that
layerc must treat identically. Weights are drawn here from a fixed NumPy
stream and set explicitly (no initializer seeds involved); the fixture
records them with the inputs, Keras's predictions, and the loss and every
weight after each of two train_on_batch steps.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_sequence_fixtures.py

writes test/keras/sequence-fixtures.json (read by test/keras-sequence.test.ts).
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sequence-fixtures.json")
BATCH = 3


def case(name, input_shape, keras_layers, nn_layers, loss, optimizer, nn_optimizer, ids=None, classes=None):
    return dict(name=name, input_shape=input_shape, keras_layers=keras_layers, nn_layers=nn_layers, loss=loss,
                optimizer=optimizer, nn_optimizer=nn_optimizer, ids=ids, classes=classes)


CASES = [
    case("embedding_gap1d", (6,), lambda: [L.Embedding(10, 4), L.GlobalAveragePooling1D(), L.Dense(1)],
         ["Embedding(10, 4)", "GlobalAveragePooling1D()", "Dense(1)"], "mse",
         lambda: keras.optimizers.SGD(0.5), "SGD(learning_rate=0.5)", ids=10),
    case("embedding_flatten_softmax", (4,), lambda: [L.Embedding(7, 3), L.Flatten(), L.Dense(3, activation="softmax")],
         ["Embedding(7, 3)", "Flatten()", "Dense(3, activation='softmax')"], "sparse_categorical_crossentropy",
         lambda: keras.optimizers.Adam(0.05), "Adam(learning_rate=0.05)", ids=7, classes=3),
    case("gmp1d", (5, 3), lambda: [L.Dense(4, activation="tanh"), L.GlobalMaxPooling1D(), L.Dense(2)],
         ["Dense(4, activation='tanh')", "GlobalMaxPooling1D()", "Dense(2)"], "mse",
         lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("repeat_permute", (3,), lambda: [L.Dense(2, activation="tanh"), L.RepeatVector(3), L.Permute((2, 1)), L.Flatten(), L.Dense(1)],
         ["Dense(2, activation='tanh')", "RepeatVector(3)", "Permute((2, 1))", "Flatten()", "Dense(1)"], "mse",
         lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("simple_rnn", (5, 3), lambda: [L.SimpleRNN(4), L.Dense(1)],
         ["SimpleRNN(4)", "Dense(1)"], "mse", lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("simple_rnn_seq_back_relu", (4, 2),
         lambda: [L.SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True), L.Flatten(), L.Dense(2)],
         ["SimpleRNN(3, activation='relu', return_sequences=True, go_backwards=True)", "Flatten()", "Dense(2)"], "mse",
         lambda: keras.optimizers.Adam(0.01), "Adam(learning_rate=0.01)"),
    case("lstm", (6, 3), lambda: [L.LSTM(4), L.Dense(1)],
         ["LSTM(4)", "Dense(1)"], "mse", lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("lstm_seq_back_softmax", (5, 2),
         lambda: [L.LSTM(3, return_sequences=True, go_backwards=True), L.GlobalAveragePooling1D(), L.Dense(2, activation="softmax")],
         ["LSTM(3, return_sequences=True, go_backwards=True)", "GlobalAveragePooling1D()", "Dense(2, activation='softmax')"],
         "categorical_crossentropy", lambda: keras.optimizers.Adam(0.02), "Adam(learning_rate=0.02)", classes=2),
    case("lstm_no_bias_hard_sigmoid", (4, 3),
         lambda: [L.LSTM(3, use_bias=False, recurrent_activation="hard_sigmoid", activation="relu"), L.Dense(1)],
         ["LSTM(3, use_bias=False, recurrent_activation='hard_sigmoid', activation='relu')", "Dense(1)"], "mse",
         lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("gru", (6, 3), lambda: [L.GRU(4), L.Dense(1)],
         ["GRU(4)", "Dense(1)"], "mse", lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("gru_seq_back_no_bias", (4, 2),
         lambda: [L.GRU(3, return_sequences=True, go_backwards=True, use_bias=False), L.Flatten(), L.Dense(1)],
         ["GRU(3, return_sequences=True, go_backwards=True, use_bias=False)", "Flatten()", "Dense(1)"], "mse",
         lambda: keras.optimizers.Adam(0.01), "Adam(learning_rate=0.01)"),
    case("bidirectional_lstm_seq", (4, 3),
         lambda: [L.Bidirectional(L.LSTM(3, return_sequences=True)), L.GlobalAveragePooling1D(), L.Dense(1)],
         ["Bidirectional(LSTM(3, return_sequences=True))", "GlobalAveragePooling1D()", "Dense(1)"], "mse",
         lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("bidirectional_gru_sum", (5, 2),
         lambda: [L.Bidirectional(L.GRU(3), merge_mode="sum"), L.Dense(2)],
         ["Bidirectional(GRU(3), merge_mode='sum')", "Dense(2)"], "mse",
         lambda: keras.optimizers.Adam(0.01), "Adam(learning_rate=0.01)"),
    case("time_distributed_dense", (4, 3),
         lambda: [L.LSTM(3, return_sequences=True), L.TimeDistributed(L.Dense(2, activation="tanh")), L.Flatten(), L.Dense(1)],
         ["LSTM(3, return_sequences=True)", "TimeDistributed(Dense(2, activation='tanh'))", "Flatten()", "Dense(1)"], "mse",
         lambda: keras.optimizers.SGD(0.1), "SGD(learning_rate=0.1)"),
    case("embedding_lstm_gru", (5,),
         lambda: [L.Embedding(9, 3), L.LSTM(4, return_sequences=True), L.GRU(3), L.Dense(1, activation="sigmoid")],
         ["Embedding(9, 3)", "LSTM(4, return_sequences=True)", "GRU(3)", "Dense(1, activation='sigmoid')"],
         "binary_crossentropy", lambda: keras.optimizers.Adam(0.02), "Adam(learning_rate=0.02)", ids=9, classes=1),
]


def build(c):
    keras.utils.clear_session()  # layer names restart (dense, dense_1, …) as in a fresh spec
    model = keras.Sequential([keras.Input(shape=c["input_shape"]), *c["keras_layers"]()])
    model.compile(optimizer=c["optimizer"](), loss=c["loss"])
    return model


def spec(c):
    shape = c["input_shape"]
    shape_text = f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    body = [f"Input(shape={shape_text})", *c["nn_layers"], f"compile(optimizer={c['nn_optimizer']}, loss='{c['loss']}')"]
    return "model M {\n" + "".join(f"  {line}\n" for line in body) + "}\n"


def main():
    rng = np.random.default_rng(20261130)
    out = []
    for c in CASES:
        model = build(c)
        weights = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in model.get_weights()]
        model.set_weights(weights)
        shape = (BATCH, *c["input_shape"])
        if c["ids"] is not None:
            x = rng.integers(0, c["ids"], shape).astype("float32")
        else:
            x = rng.normal(0, 1, shape).astype("float32")
        out_shape = model.output_shape[1:]
        if c["loss"] == "sparse_categorical_crossentropy":
            y = rng.integers(0, c["classes"], (BATCH,)).astype("float32")
        elif c["loss"] == "categorical_crossentropy":
            y = np.eye(c["classes"], dtype="float32")[rng.integers(0, c["classes"], BATCH)]
        elif c["loss"] == "binary_crossentropy":
            y = rng.integers(0, 2, (BATCH, *out_shape)).astype("float32")
        else:
            y = rng.normal(0, 1, (BATCH, *out_shape)).astype("float32")
        predict = model.predict(x, verbose=0)
        steps = []
        for _ in range(2):
            loss = model.train_on_batch(x, y)
            steps.append(dict(loss=float(loss), weights=[w.ravel().tolist() for w in model.get_weights()]))
        out.append(dict(
            name=c["name"], spec=spec(c), batch=BATCH,
            weights=[dict(shape=list(w.shape), data=w.ravel().tolist()) for w in weights],
            x=x.ravel().tolist(), y=y.ravel().tolist(), predict=predict.ravel().tolist(), steps=steps,
            summary=[dict(name=l.name, kind=type(l).__name__, output=list(l.output.shape[1:]), params=l.count_params()) for l in model.layers],
        ))
    with open(OUT, "w") as f:
        json.dump(dict(keras=keras.__version__, backend=keras.backend.backend(), cases=out), f)
        f.write("\n")
    print(f"wrote {OUT}: {len(out)} cases (Keras {keras.__version__})")


if __name__ == "__main__":
    main()
