"""Writes the Keras interop fixtures under test/keras/interop/<case>/ with real Keras 3.

Run:  KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/interop/make_fixtures.py

Per case: model.keras (Keras 3 archive), model.weights.h5 (Keras 3 weights
only), model.h5 (legacy full-model HDF5), tfjs/model.json + shard (the
TensorFlow.js layers format, written here from the Keras model because the
tensorflowjs converter is not installable in this environment), and
expected.json (inputs and Keras's predictions). Weights are set explicitly
from a fixed NumPy generator, never from Keras's initializers.

Also checks layerc's exports (test/keras/interop/exported/, written by
`UPDATE_GOLDEN=1 npx vitest run test/interop-export.test.ts`): loads each
<case>.keras with keras.saving.load_model, builds <case>.py's model and loads
<case>.weights.h5 into it, and records both predictions on <case>.input.json
in <case>.predictions.json (`--exports` does only this step).
"""
import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def set_weights(model, seed):
    rng = np.random.default_rng(seed)
    ws = []
    for w in model.get_weights():
        a = rng.uniform(-0.6, 0.6, size=w.shape).astype("float32")
        ws.append(a)
    # BatchNormalization: positive variances, non-trivial means
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            bn = [rng.uniform(0.5, 1.5, size=x.shape).astype("float32") for x in layer.get_weights()]
            # gamma (first) and moving_variance (last) stay positive; beta and moving_mean mix signs
            layer.set_weights(bn[:1] + [w - 1.0 for w in bn[1:-1]] + bn[-1:])
    idx = 0
    for layer in model.layers:
        n = len(layer.get_weights())
        if not isinstance(layer, keras.layers.BatchNormalization) and n:
            layer.set_weights(ws[idx:idx + n])
        idx += n


def seed_model():
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    return m, (5, 1)


def mlp_model():
    m = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(16, activation="relu", kernel_initializer="he_normal"),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(3, activation="softmax", name="out"),
    ])
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    return m, (6, 8)


def cnn_model():
    m = keras.Sequential([
        keras.Input((8, 8, 2)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(3, (2, 2), strides=2, use_bias=False),
        keras.layers.Flatten(),
        keras.layers.Dense(5, activation="softmax"),
    ])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="sparse_categorical_crossentropy")
    return m, (4, 8, 8, 2)


def layers1d_model():
    L = keras.layers
    m = keras.Sequential([
        keras.Input((12, 3)),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="tanh", kernel_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=3)),
        L.MaxPooling1D(2),
        L.Conv1D(5, 2, strides=2, padding="same"),
        L.AveragePooling1D(2, padding="same"),
        L.Flatten(),
        L.Reshape((2, 5)),
        L.Activation("gelu"),
        L.Flatten(),
        L.Dense(4, activation="sigmoid", bias_initializer=keras.initializers.Constant(0.1),
                kernel_initializer=keras.initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform")),
    ])
    return m, (3, 12, 3)


def layers2d_model():
    L = keras.layers
    m = keras.Sequential([
        keras.Input((9, 9, 2)),
        L.Conv2D(3, (3, 2), strides=(2, 1), activation="elu", use_bias=False),
        L.AveragePooling2D((2, 2), strides=1),
        L.BatchNormalization(center=False, epsilon=0.01),
        L.GlobalMaxPooling2D(),
        L.Dense(6, activation="relu6"),
        L.Dense(3, activation="log_softmax"),
    ])
    m.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.002, rho=0.8), loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    return m, (3, 9, 9, 2)


def tfjs_clean(value):
    """A Keras 3 config value in the Keras 2 form TensorFlow.js reads."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy":
            return value["config"]["name"]
        return {k: tfjs_clean(v) for k, v in value.items() if k not in ("module", "registered_name", "build_config", "shared_object_id")}
    if isinstance(value, list):
        return [tfjs_clean(v) for v in value]
    return value


def write_tfjs(model, out):
    out.mkdir(parents=True, exist_ok=True)
    config = json.loads(model.to_json())
    layers = []
    for layer in config["config"]["layers"]:
        c = tfjs_clean(layer)
        cfg = c["config"]
        if c["class_name"] == "InputLayer":
            cfg = {"batch_input_shape": cfg["batch_shape"], "dtype": "float32", "sparse": False, "name": cfg["name"]}
        else:
            for k in ("quantization_config", "lora_rank", "lora_alpha", "synchronized", "seed" if c["class_name"] == "Dropout" else "_"):
                cfg.pop(k, None)
            for k in ("kernel_initializer", "bias_initializer"):
                if isinstance(cfg.get(k), dict):
                    cfg[k]["config"] = {kk: vv for kk, vv in cfg[k]["config"].items() if kk not in ("input_axes", "output_axes")}
        layers.append({"class_name": c["class_name"], "config": cfg})
    topology = {
        "class_name": "Sequential",
        "config": {"name": config["config"]["name"], "layers": layers},
        "keras_version": keras.__version__,
        "backend": "jax",
    }
    import zipfile
    cc = json.loads(zipfile.ZipFile(out.parent / "model.keras").read("config.json")).get("compile_config")
    if cc:
        opt = cc["optimizer"]
        topology_training = {
            "loss": cc["loss"],
            "metrics": cc["metrics"],
            "optimizer_config": {"class_name": opt["class_name"], "config": opt["config"]},
        }
    else:
        topology_training = None
    manifest = []
    blob = bytearray()
    for layer in model.layers:
        for v in layer.weights:
            a = np.asarray(v.numpy(), dtype="<f4")
            manifest.append({"name": f"{layer.name}/{v.name}", "shape": list(a.shape), "dtype": "float32"})
            blob += a.tobytes()
    (out / "group1-shard1of1.bin").write_bytes(bytes(blob))
    doc = {
        "format": "layers-model",
        "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": "test/keras/interop/make_fixtures.py",
        "modelTopology": {"keras_version": keras.__version__, "backend": "jax", "model_config": topology,
                          **({"training_config": topology_training} if topology_training else {})},
        "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": manifest}],
    }
    (out / "model.json").write_text(json.dumps(doc, indent=1) + "\n")


def make(name, build, seed, tfjs=True):
    keras.backend.clear_session()  # layer names start at dense, dense_1, ... in every fixture
    model, xshape = build()
    set_weights(model, seed)
    out = HERE / name
    out.mkdir(parents=True, exist_ok=True)
    x = np.random.default_rng(seed + 100).uniform(-1, 1, size=xshape).astype("float32")
    y = model.predict(x, verbose=0)
    model.save(out / "model.keras")
    model.save_weights(out / "model.weights.h5")
    model.save(out / "model.h5")
    if tfjs:  # the layer-coverage cases use activations tfjs-layers lacks (gelu, relu6)
        write_tfjs(model, out / "tfjs")
    (out / "expected.json").write_text(json.dumps({
        "keras_version": keras.__version__,
        "x": x.reshape(-1).tolist(),
        "y": y.reshape(-1).astype("float64").tolist(),
        "weights": [[w.name for w in l.weights] for l in model.layers],
    }) + "\n")
    print("wrote", out)


def check_exports():
    exported = HERE / "exported"
    for f in sorted(exported.glob("*.keras")) if exported.exists() else []:
        model = keras.saving.load_model(f)
        spec = json.loads((exported / (f.stem + ".input.json")).read_text())
        x = np.asarray(spec["x"], dtype="float32").reshape([-1, *model.input_shape[1:]])
        y = model.predict(x, verbose=0)
        script = exported / (f.stem + ".py")
        y_script = None
        if script.exists():
            import runpy
            built = runpy.run_path(str(script))["build_model"]()
            built.load_weights(exported / (f.stem + ".weights.h5"))
            y_script = built.predict(x, verbose=0).reshape(-1).astype("float64").tolist()
        (exported / (f.stem + ".predictions.json")).write_text(json.dumps({
            "keras_version": keras.__version__,
            "y": y.reshape(-1).astype("float64").tolist(),
            "y_script": y_script,
            "compile": model.get_compile_config() if model.compiled else None,
            "summary": [(l.__class__.__name__, l.name, [list(w.shape) for w in l.weights]) for l in model.layers],
        }) + "\n")
        print("checked", f)


if __name__ == "__main__":
    if "--exports" not in sys.argv:
        make("seed", seed_model, 1)
        make("mlp", mlp_model, 2)
        make("cnn", cnn_model, 3)
        make("layers1d", layers1d_model, 4, tfjs=False)
        make("layers2d", layers2d_model, 5, tfjs=False)
    check_exports()
