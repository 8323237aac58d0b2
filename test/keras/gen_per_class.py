"""Keras 3 fixtures for per-class metrics (test/keras/per-class.json).

F1Score / FBetaScore with Keras's default average=None log one value per
class: History holds an array per epoch, evaluate returns the array, the
progress bar prints their mean. Beside them the same metrics with
average='micro'/'macro'/'weighted' and a threshold. Run from the repository
root (DEVELOPERS.md says how to install Keras 3):

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_per_class.py

Weights are set explicitly (never seeded); fit runs without shuffling.
"""

import json
import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import keras
from keras import metrics

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "per-class.json")
TABLE = {name: getattr(metrics, name) for name in dir(metrics) if not name.startswith("_")}
TABLE.update({"True": True, "False": False, "None": None})


def wave(n, k, scale):
    return [round(scale * math.sin(0.7 * i + k), 4) for i in range(n)]


def targets(kind, units, n):
    if kind == "onehot":
        return np.eye(units, dtype="float32")[[(3 * s + 1) % units for s in range(n)]]
    # binary: several labels per row
    return np.array([[1.0 if (s + j) % 3 == 0 or (s * j) % 4 == 1 else 0.0 for j in range(units)] for s in range(n)], dtype="float32")


X = np.array([wave(3, 40 + s, 1.5) for s in range(16)], dtype="float32")
XV = np.array([wave(3, 70 + s, 1.2) for s in range(5)], dtype="float32")

# (loss, output units, output activation, target kind, metrics list in .nn syntax)
CASES = [
    ("categorical_crossentropy", 4, "softmax", "onehot",
     "[F1Score(), FBetaScore(beta=2.0), F1Score(average='micro', name='f1_micro'), F1Score(average='macro', name='f1_macro'), F1Score(average='weighted', name='f1_weighted'), 'accuracy']"),
    ("binary_crossentropy", 3, "sigmoid", "binary",
     "[F1Score(threshold=0.35), FBetaScore(None, 0.5, 0.3, name='fb'), F1Score('macro', 0.35, name='f1m'), F1Score(average='weighted', threshold=0.3, name='f1w')]"),
]


def model_for(units, activation, loss, text):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss, metrics=eval(text, {"__builtins__": {}}, TABLE))
    ws = []
    for k, w in enumerate(model.get_weights()):
        ws.append(np.array(wave(w.size, k + 1, 0.5), dtype="float32").reshape(w.shape))
    model.set_weights(ws)
    return model, [w.flatten().tolist() for w in ws]


def value(v):
    a = np.asarray(v, dtype="float64")
    return a.tolist() if a.ndim > 0 else float(a)


def case(loss, units, activation, kind, text):
    y = targets(kind, units, 16)
    yv = targets(kind, units, 5)[::-1].copy()
    model, w0 = model_for(units, activation, loss, text)
    before = model.evaluate(X, y, batch_size=5, verbose=0, return_dict=True)
    h = model.fit(X, y, batch_size=5, epochs=3, shuffle=False, verbose=0, validation_data=(XV, yv))
    after = model.evaluate(X, y, batch_size=5, verbose=0, return_dict=True)
    return {"loss": loss, "units": units, "activation": activation, "metrics": text, "y": y.tolist(), "yv": yv.tolist(), "weights": w0,
            "evaluate": {k: value(v) for k, v in before.items()},
            "epoch": h.epoch, "history": {k: [value(v) for v in vs] for k, vs in h.history.items()},
            "evaluateAfter": {k: value(v) for k, v in after.items()}}


def monitor_error():
    """What Keras does when a callback monitors a per-class metric: the message it fails with."""
    out = {}
    for name, cb in [("EarlyStopping", keras.callbacks.EarlyStopping(monitor="f1_score", mode="max", patience=1)),
                     ("ReduceLROnPlateau", keras.callbacks.ReduceLROnPlateau(monitor="f1_score", patience=1))]:
        model, _ = model_for(4, "softmax", "categorical_crossentropy", "[F1Score()]")
        try:
            model.fit(X, targets("onehot", 4, 16), batch_size=5, epochs=3, shuffle=False, verbose=0, callbacks=[cb])
            out[name] = None
        except ValueError as e:
            out[name] = str(e)
    return out


def main():
    fixture = {"keras": keras.__version__, "backend": keras.backend.backend(), "x": X.tolist(), "xv": XV.tolist(),
               "cases": [case(*c) for c in CASES], "monitorError": monitor_error()}
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
