"""Keras 3 fixtures for activity regularizers and constraint axes
(test/keras/penalties.json, read by test/training/keras-penalties.test.ts).

Run from the repository root (DEVELOPERS.md says how to install Keras 3):

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_penalties.py

Each case is the body of a functional `.nn` model, which is Keras's own
Python: the same lines build the Keras model here and the layerc model in
the test. Keras 3 adds `activity_regularizer(output) / batch_size` of every
layer call to the loss (keras/src/layers/layer.py; the base Layer takes the
argument, so every layer does); batches of 4 over 6
samples make the last batch smaller, so the division by the actual batch
size is covered. Weights, inputs and targets come from a seeded NumPy
generator and are set explicitly. Recorded per case: the weights before,
`evaluate` before training (the loss value with the penalties; see
`evaluate` below), one
`train_on_batch` step on the first 4 samples (its loss and the weights
after), then from the same start three epochs of `fit` (per-epoch loss,
weights after) and `evaluate` after.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

CASES = {
    "dense_activity": """
x = Input(shape=(3,))
h = Dense(4, activation='tanh', activity_regularizer=L2(0.05))(x)
y = Dense(2, activity_regularizer='l1')(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "softmax_output_activity": """
x = Input(shape=(5, 2))
c = Conv1D(3, 2, activation='relu', activity_regularizer=L1L2(l1=0.01, l2=0.02))(x)
f = Flatten()(c)
y = Dense(3, activation='softmax', activity_regularizer=L2(0.1))(f)
Model(inputs=x, outputs=y)
compile(optimizer=Adam(learning_rate=0.05), loss='categorical_crossentropy')
""",
    "shared_fan_out_activity": """
a = Input(shape=(3,))
b = Input(shape=(3,))
shared = Dense(4, activation='tanh', activity_regularizer=L1(0.05))
ea = shared(a)
eb = shared(b)
s = Add()([ea, eb])
h = Dense(3, activity_regularizer=L2(0.2))(s)
c = Concatenate()([h, ea])
y = Dense(2)(c)
Model(inputs=[a, b], outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "recurrent_activity": """
x = Input(shape=(4, 2))
r = GRU(3, return_sequences=True, activity_regularizer=L2(0.1))(x)
l = LSTM(2, activity_regularizer='l1')(r)
y = Dense(1)(l)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "conv_axes": """
x = Input(shape=(4, 4, 2))
c = Conv2D(3, 2, kernel_constraint=MaxNorm(0.7, axis=[0, 1, 2]), activity_regularizer=L2(0.01))(x)
d = DepthwiseConv2D(2, activity_regularizer=L1(0.02))(c)
f = Flatten()(d)
y = Dense(2, kernel_constraint=UnitNorm(axis=-1), bias_constraint=MinMaxNorm(0.1, 0.3, rate=0.5, axis=(0,)))(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.02), loss='mse')
""",
    "any_layer_activity": """
x = Input(shape=(4, 3))
f = Flatten(activity_regularizer=L2(0.05))(x)
h = Dense(5, activation='tanh')(f)
g = Dense(5)(f)
s = Add(activity_regularizer='l1')([h, g])
n = LayerNormalization(activity_regularizer=L2(0.02))(s)
y = Dense(2)(n)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "dense_axes": """
x = Input(shape=(3,))
h = Dense(4, activation='tanh', kernel_constraint=MinMaxNorm(min_value=0.5, max_value=0.9, rate=0.7, axis=[1, 0]))(x)
y = Dense(2, kernel_constraint=UnitNorm(axis=(0, 1)), bias_constraint=MaxNorm(0.2, axis=[-1]))(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.5), loss='mse')
""",
}

SAMPLES = 6
BATCH = 4
EPOCHS = 3


def build(body):
    captured = {}

    def model(inputs, outputs, **kw):
        captured["model"] = keras.Model(inputs=inputs, outputs=outputs, **kw)
        return captured["model"]

    def compile_(**kw):
        captured["compile"] = kw

    keras.backend.clear_session()  # layer names restart at dense, dense_1, ... per case
    scope = {name: getattr(layers, name) for name in dir(layers) if name[:1].isupper()}
    for module in (keras.regularizers, keras.constraints, keras.optimizers):
        scope.update({name: getattr(module, name) for name in dir(module) if name[:1].isupper()})
    scope.update(Input=keras.Input, Model=model, compile=compile_)
    exec(body, scope)  # noqa: S102 — the committed case text above
    m = captured["model"]
    m.compile(**captured["compile"])
    return m


def target(rng, loss, shape):
    if loss == "categorical_crossentropy":
        ids = rng.integers(0, shape[-1], size=(SAMPLES,))
        return np.eye(shape[-1], dtype="float32")[ids]
    return rng.uniform(-1.0, 1.0, size=(SAMPLES, *shape)).astype("float32")


def flat(m):
    return [np.asarray(w.numpy()).ravel().tolist() for w in m.weights]


def evaluate(m, x, y, name):
    """Keras's evaluate loss, as one batch of all samples.

    The penalties are per-sample means, so batches of 4 must give the same
    loss; but Keras 3.15 (JAX) tracks add_loss losses by id() and, in some
    runs, drops a layer's penalty from the evaluate step traced for the
    smaller last batch (seen: 1.4703 instead of 1.4861). One batch is traced
    once; the difference is reported, and layerc's test evaluates in batches
    of 4 against this value.
    """
    whole = float(m.evaluate(x, y, batch_size=SAMPLES, verbose=0))
    batched = float(m.evaluate(x, y, batch_size=BATCH, verbose=0))
    if abs(batched - whole) > 1e-5 * max(1.0, abs(whole)):
        print(f"note: {name}: Keras evaluate in batches of {BATCH} gave {batched}, in one batch {whole}")
    return whole


def case(name, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = [rng.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in m.weights]
    xs = [rng.uniform(-1.0, 1.0, size=(SAMPLES, *i.shape[1:])).astype("float32") for i in m.inputs]
    y = target(rng, m.loss, tuple(m.outputs[0].shape[1:]))
    x = xs if len(xs) > 1 else xs[0]

    def reset():
        for w, v in zip(m.weights, before):
            w.assign(v)

    reset()
    evaluate_before = evaluate(m, x, y, name)
    first = [a[:BATCH] for a in xs]
    step_loss = float(m.train_on_batch(first if len(first) > 1 else first[0], y[:BATCH]))
    step_after = flat(m)
    # a fresh optimizer state for fit: rebuild, then start from the same weights
    m = build(body)
    reset()
    h = m.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    return {
        "name": name,
        "source": body.strip(),
        "weight_names": [w.path for w in m.weights],
        "weights_before": [v.ravel().tolist() for v in before],
        "x": [a.ravel().tolist() for a in xs],
        "y": y.ravel().tolist(),
        "evaluate_before": evaluate_before,
        "step_loss": step_loss,
        "step_after": step_after,
        "history": [float(v) for v in h.history["loss"]],
        "after": flat(m),
        "evaluate_after": evaluate(m, x, y, name),
    }


def main():
    out = [case(name, body, 300 + k) for k, (name, body) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "penalties.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "samples": SAMPLES, "batch": BATCH, "epochs": EPOCHS, "cases": out}, f)
        f.write("\n")
    print("wrote penalties.json")


if __name__ == "__main__":
    main()
