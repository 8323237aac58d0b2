"""Writes masked-metrics.json: Keras 3 compiled metrics on model outputs that
still carry a mask (Embedding(mask_zero=True) or Masking upstream, a
sequence output), and sparse labels per timestep; the oracle for
test/masked-metrics.test.ts (issue 12).

Keras 3's MeanMetricWrapper metrics (the accuracies, MSE, MAE, MAPE) read the
prediction's `_keras_mask` and weight each timestep by it (apply_mask with
reduction "sum": Σ mask·value / Σ mask); RootMeanSquaredError, Precision,
Recall and AUC do not read it. `evaluate` applies this on every backend.
In `fit` on JAX the mask does not survive `jax.value_and_grad` (y_pred comes
back through its aux output without `_keras_mask`), so JAX's fit logs are
unmasked, while TensorFlow and PyTorch compute the metrics on the mask-carrying
y_pred of the train step. layerc follows the masked semantics in both. The
fit oracle is therefore Keras's own masked computation: with one batch per
epoch (shuffle=False, no dropout) a fit epoch's metrics are the metrics of
the weights at the start of that epoch, which is what `evaluate` on the same
batch returns (recorded, with the raw JAX fit history for reference; the
losses are the fit's own, which JAX masks).

Same recipe as gen_masking.py: the case text is the body of a `.nn`
functional model run as Keras's own Python; weights from a seeded generator
set explicitly; five samples with padding at the end, the start, inside,
none, and a sample that is all padding.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_masked_metrics.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

N = 5
IDS = [[3, 1, 4, 1, 0, 0], [0, 0, 5, 8, 9, 7], [9, 0, 3, 0, 0, 2], [5, 9, 2, 6, 5, 3], [0, 0, 0, 0, 0, 0]]
# (sample, step) rows set to the mask value 0 in float inputs (sample 4 entirely)
MASKED_STEPS = [(0, 3), (0, 4), (1, 0), (2, 2)] + [(4, t) for t in range(5)]

CASES = {
    "categorical_sequence": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
s = LSTM(3, return_sequences=True)(e)
y = Dense(4, activation='softmax')(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.5), loss='categorical_crossentropy', metrics=['accuracy', 'mse', 'mae', TopKCategoricalAccuracy(k=2), RootMeanSquaredError(), 'precision', 'recall', 'auc'])
"""),
    "sparse_sequence": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
s = GRU(3, return_sequences=True)(e)
y = Dense(5, activation='softmax')(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.5), loss='sparse_categorical_crossentropy', metrics=['accuracy', SparseTopKCategoricalAccuracy(k=2)])
"""),
    "sparse_sequence_from_logits_unmasked": ("steps", """
x = Input(shape=(5, 3))
s = SimpleRNN(4, return_sequences=True)(x)
y = Dense(3)(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.5), loss=SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
"""),
    "masking_regression": ("steps", """
x = Input(shape=(5, 3))
m = Masking()(x)
y = Dense(2)(m)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse', metrics=['mae', 'mse', 'mape', RootMeanSquaredError()])
"""),
    "masking_binary": ("steps", """
x = Input(shape=(5, 3))
m = Masking()(x)
s = GRU(3, return_sequences=True)(m)
y = Dense(1, activation='sigmoid')(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.5), loss='binary_crossentropy', metrics=['accuracy', 'precision', 'recall', 'auc'])
"""),
    "two_outputs_one_masked": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
s, h, c = LSTM(3, return_sequences=True, return_state=True)(e)
tags = Dense(3, activation='softmax')(s)
score = Dense(1)(h)
Model(inputs=x, outputs=[tags, score])
compile(optimizer=SGD(learning_rate=0.5), loss=['sparse_categorical_crossentropy', 'mse'], metrics=[['accuracy'], ['mae']])
"""),
}


def build(body):
    captured = {}

    def model(inputs, outputs, **kw):
        captured["model"] = keras.Model(inputs=inputs, outputs=outputs, **kw)
        return captured["model"]

    def compile_(**kw):
        captured["compile"] = kw

    keras.backend.clear_session()
    scope = {name: getattr(layers, name) for name in dir(layers) if name[:1].isupper()}
    scope.update({name: getattr(keras.metrics, name) for name in ["TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "RootMeanSquaredError"]})
    scope.update(Input=keras.Input, Model=model, compile=compile_, SGD=keras.optimizers.SGD, SparseCategoricalCrossentropy=keras.losses.SparseCategoricalCrossentropy)
    exec(body, scope)  # noqa: S102 — the committed case text above
    m = captured["model"]
    m.compile(**captured["compile"])
    return m


def inputs(kind, rng):
    if kind == "ids":
        return np.array(IDS, dtype="float32")
    x = rng.uniform(-1.0, 1.0, size=(N, 5, 3)).astype("float32")
    for b, t in MASKED_STEPS:
        x[b, t, :] = 0.0
    x[3, 1, 0] = 0.0  # a partial match does not mask
    return x


def target(rng, loss, shape):
    name = loss if isinstance(loss, str) else loss.name
    if name.startswith("sparse_categorical_crossentropy"):
        return rng.integers(0, shape[-1], size=(N, *shape[:-1])).astype("float32")
    if name == "categorical_crossentropy":
        return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], size=(N, *shape[:-1]))]
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(N, *shape)).astype("float32")
    return rng.uniform(-1.0, 1.0, size=(N, *shape)).astype("float32")


def floats(d):
    return {k: float(v) for k, v in d.items()}


def case(name, kind, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = [rng.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in m.weights]
    for w, v in zip(m.weights, before):
        w.assign(v)
    x = inputs(kind, rng)
    losses = m.loss if isinstance(m.loss, list) else [m.loss]
    ys = [target(rng, l, tuple(o.shape[1:])) for l, o in zip(losses, m.outputs)]
    y = ys if len(ys) > 1 else ys[0]
    # two batches (3 + 2 samples): the metrics accumulate across batches
    evaluate = floats(m.evaluate(x, y, batch_size=3, verbose=0, return_dict=True))
    expected, raw = [], []
    for _ in range(2):
        expected.append(floats(m.evaluate(x, y, batch_size=N, verbose=0, return_dict=True)))
        raw.append(floats({k: v[0] for k, v in m.fit(x, y, batch_size=N, epochs=1, shuffle=False, verbose=0).history.items()}))
    # masked fit metrics: evaluate's value of the epoch's starting weights; the loss is fit's own
    history = [{**e, "loss": r["loss"]} for e, r in zip(expected, raw)]
    after = floats(m.evaluate(x, y, batch_size=3, verbose=0, return_dict=True))
    return {
        "name": name,
        "source": body.strip(),
        "weight_names": [w.path for w in m.weights],
        "weight_shapes": [list(w.shape) for w in m.weights],
        "weights_before": [v.ravel().tolist() for v in before],
        "x": x.ravel().tolist(),
        "y": [np.asarray(t).ravel().tolist() for t in ys],
        "evaluate": evaluate,
        "fit_history": history,
        "jax_fit_history": raw,
        "weights_after": [np.asarray(w.numpy()).ravel().tolist() for w in m.weights],
        "evaluate_after": after,
    }


def main():
    out = [case(name, kind, body, 700 + k) for k, (name, (kind, body)) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "masked-metrics.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f, indent=None)
        f.write("\n")


if __name__ == "__main__":
    main()
