"""The recipe shared by the fixtures that record a Keras model's predictions
and three training steps (masking.json, masked-pooling.json, native-bn.json):
set the given weights explicitly, predict, take three train_on_batch steps,
and record names, shapes, the weights before and after, inputs, targets,
predictions and losses (read by the TypeScript tests through
test/helpers/keras-fixture.ts)."""
import json
import os

import keras
import numpy as np


def run_steps(name, body, m, before, x, y):
    """The case record of model `m` (built from `body`) from weights `before` on inputs x, targets y."""
    for w, v in zip(m.weights, before):
        w.assign(v)
    pred = m.predict(x, verbose=0)
    steps = [float(m.train_on_batch(x, y)) for _ in range(3)]
    return {
        "name": name,
        "source": body.strip(),
        "layers": [l.name for l in m.layers],
        "weight_names": [w.path for w in m.weights],
        "weight_shapes": [list(w.shape) for w in m.weights],
        "weights_before": [v.ravel().tolist() for v in before],
        "x": x.ravel().tolist(),
        "y": np.asarray(y).ravel().tolist(),
        "predictions": np.asarray(pred).ravel().tolist(),
        "losses": steps,
        "weights_after": [np.asarray(w.numpy()).ravel().tolist() for w in m.weights],
    }


def write(file_name, cases):
    """Writes the cases beside this script, with the Keras version and backend."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, file_name), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": cases}, f)
        f.write("\n")
