"""Keras 3 (JAX/XLA, CPU) side of bench/native.ts: the same models, timed the same way.

Run by `npm run bench` (through bench/native.ts) when a Python with Keras 3 is
available (/work/.venv-keras, or LAYERC_KERAS_PYTHON); by hand:

    KERAS_BACKEND=jax /work/.venv-keras/bin/python bench/keras.py [--quick]

Prints one JSON object: per model, median [min, max] over rounds of
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


def per_call(fn):
    """Median µs per call over ROUNDS windows of WINDOW seconds."""
    fn()
    fn()
    out = []
    for _ in range(ROUNDS):
        calls = 0
        t0 = time.perf_counter()
        while True:
            fn()
            calls += 1
            el = time.perf_counter() - t0
            if el >= WINDOW and calls >= 3:
                break
        out.append(el / calls * 1e6)
    return out


def summary(xs, load):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "load": load}


def main():
    shapes = {"mlp": (784,), "cnn": (28, 28, 1), "mnist": (28, 28, 1), "mobile": (28, 28, 1)}
    models = [k for k in ("mlp", "cnn", "mnist", "mobile") if k in (sys.argv[sys.argv.index("--models") + 1].split(",") if "--models" in sys.argv else shapes)]
    res = {"keras": keras.__version__, "backend": keras.backend.backend(), "models": {}}
    import jax
    res["jax"] = jax.__version__
    for key in models:
        m = build(key)
        rng = np.random.default_rng(3)
        x = rng.uniform(0, 1, (512, *shapes[key])).astype("float32")
        y = np.eye(10, dtype="float32")[rng.integers(0, 10, 512)]
        r = {}
        r["p1"] = summary(per_call(lambda: m.predict_on_batch(x[:1])), os.getloadavg()[0])
        r["p32"] = summary(per_call(lambda: m.predict_on_batch(x[:32])), os.getloadavg()[0])
        r["t32"] = summary(per_call(lambda: m.train_on_batch(x[:32], y[:32])), os.getloadavg()[0])
        m.fit(x, y, batch_size=32, epochs=1, verbose=0)
        fits = []
        for _ in range(3 if QUICK else 5):
            t0 = time.perf_counter()
            m.fit(x, y, batch_size=32, epochs=1, verbose=0)
            fits.append(len(x) / (time.perf_counter() - t0))
        r["fit"] = summary(fits, os.getloadavg()[0])
        res["models"][key] = r
    print(json.dumps(res))


if __name__ == "__main__":
    main()
