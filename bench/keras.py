"""Keras 3 (JAX/XLA, CPU) side of bench/native.ts: the same models, timed the same way.

Run by `npm run bench` (through bench/native.ts) when a Python with Keras 3 is
available (/work/.venv-keras, or LAYERC_KERAS_PYTHON). bench/native.ts starts it
with `--serve`: it builds and warms the models, prints {"ready": ...}, then
answers one JSON request per stdin line ({"model": "mlp", "row": "fit",
"window": 0.3}) with one measurement ({"us": ..., "load": ...}), so Keras's
cells are measured inside the same shuffled rounds as layerc's and the ratios
are same-round pairs. By hand:

    KERAS_BACKEND=jax /work/.venv-keras/bin/python bench/keras.py [--quick]

prints one JSON object: per model, median [min, max] over rounds of
  p1   predict_on_batch, B=1 (µs/call)
  p32  predict_on_batch, B=32 (µs/call)
  t32  train_on_batch, B=32 (µs/step)
  fit  fit(batch_size=32, epochs=1) over 512 samples, steady state (samples/s)
with the load average next to each. Weights are set explicitly (deterministic
uniform values), SGD(0.01) + categorical cross-entropy as in the .nn specs.
XLA may use both cores for one op; layerc and tfjs use one.
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
# this file is named keras.py: keep its directory off the path so `import keras` finds Keras
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

QUICK = "--quick" in sys.argv
ROUNDS = 3 if QUICK else 7
WINDOW = 0.15 if QUICK else 0.4


def build(key):
    if key == "mlp":
        m = keras.Sequential([keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    elif key == "cnn":
        m = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation="softmax")])
    elif key == "mobile":
        m = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
            layers.DepthwiseConv2D(3, padding="same", activation="relu"),
            layers.SeparableConv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10, activation="softmax"),
        ])
    else:
        m = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="categorical_crossentropy")
    rng = np.random.default_rng(7)
    m.set_weights([rng.uniform(-0.05, 0.05, w.shape).astype("float32") for w in m.get_weights()])
    return m


def window_us(fn, window):
    """µs per call over one window of `window` seconds (at least 3 calls)."""
    calls = 0
    t0 = time.perf_counter()
    while True:
        fn()
        calls += 1
        el = time.perf_counter() - t0
        if el >= window and calls >= 3:
            break
    return el / calls * 1e6


def per_call(fn):
    """µs per call in each of ROUNDS windows of WINDOW seconds."""
    fn()
    fn()
    return [window_us(fn, WINDOW) for _ in range(ROUNDS)]


def fit_us(m, x, y):
    """µs per fit(batch_size=32, epochs=1) over x: the median of 3, as bench/native.ts times layerc's fit."""
    us = []
    for _ in range(3):
        t0 = time.perf_counter()
        m.fit(x, y, batch_size=32, epochs=1, verbose=0)
        us.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(us)


SHAPES = {"mlp": (784,), "cnn": (28, 28, 1), "mnist": (28, 28, 1), "mobile": (28, 28, 1)}


def fixture(key):
    m = build(key)
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (512, *SHAPES[key])).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 512)]
    return m, x, y


def calls(m, x, y):
    return {
        "p1": lambda: m.predict_on_batch(x[:1]),
        "p32": lambda: m.predict_on_batch(x[:32]),
        "t32": lambda: m.train_on_batch(x[:32], y[:32]),
    }


def serve(models):
    import jax
    built = {}
    for key in models:
        m, x, y = fixture(key)
        for fn in calls(m, x, y).values():
            fn()
            fn()
        m.fit(x, y, batch_size=32, epochs=1, verbose=0)
        built[key] = (m, x, y, calls(m, x, y))
    print(json.dumps({"ready": True, "keras": keras.__version__, "jax": jax.__version__, "backend": keras.backend.backend()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("quit"):
            break
        m, x, y, fns = built[req["model"]]
        us = fit_us(m, x, y) if req["row"] == "fit" else window_us(fns[req["row"]], req["window"])
        print(json.dumps({"us": us, "load": os.getloadavg()[0]}), flush=True)


def summary(xs, load):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "load": load}


def main():
    models = [k for k in ("mlp", "cnn", "mnist", "mobile") if k in (sys.argv[sys.argv.index("--models") + 1].split(",") if "--models" in sys.argv else SHAPES)]
    if "--serve" in sys.argv:
        serve(models)
        return
    res = {"keras": keras.__version__, "backend": keras.backend.backend(), "models": {}}
    import jax
    res["jax"] = jax.__version__
    for key in models:
        m, x, y = fixture(key)
        fns = calls(m, x, y)
        r = {row: summary(per_call(fn), os.getloadavg()[0]) for row, fn in fns.items()}
        m.fit(x, y, batch_size=32, epochs=1, verbose=0)
        fits = [len(x) / (fit_us(m, x, y) * 1e-6) for _ in range(3 if QUICK else 5)]
        r["fit"] = summary(fits, os.getloadavg()[0])
        res["models"][key] = r
    print(json.dumps(res))


if __name__ == "__main__":
    main()
