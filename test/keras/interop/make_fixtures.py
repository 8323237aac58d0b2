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


def regularized_model():
    L, R, C = keras.layers, keras.regularizers, keras.constraints
    m = keras.Sequential([
        keras.Input((6,)),
        L.Dense(8, activation="relu", kernel_regularizer=R.L2(0.01), bias_regularizer=R.L1L2(l1=0.001, l2=0.002),
                kernel_constraint=C.MaxNorm(3.0), bias_constraint=C.NonNeg()),
        L.Dense(4, activation="softmax", kernel_regularizer=R.L1(0.05), kernel_constraint=C.MinMaxNorm(0.5, 2.0, rate=0.9),
                bias_constraint=C.UnitNorm()),
    ])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96, staircase=True)
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="categorical_crossentropy",
              metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(k=2),
                       keras.metrics.Precision(thresholds=0.7, name="prec"), keras.metrics.AUC(num_thresholds=50)])
    return m, (4, 6)


# ---- every other layer kind layerc has, with non-default arguments (import coverage; tfjs-layers lacks most)

def zoo_image_model():
    L = keras.layers
    m = keras.Sequential([
        keras.Input((8, 8, 3)),
        L.ZeroPadding2D(1), L.Conv2D(4, 3, dilation_rate=2), L.ReLU(max_value=6.0), L.Cropping2D(((1, 0), (0, 1))),
        L.UpSampling2D(2), L.DepthwiseConv2D(3, depth_multiplier=2), L.LeakyReLU(negative_slope=0.1),
        L.SeparableConv2D(3, 3, padding="same"), L.PReLU(shared_axes=[1, 2]), L.Conv2DTranspose(2, 3, strides=2),
        L.SpatialDropout2D(0.2), L.LayerNormalization(epsilon=0.01), L.ELU(alpha=0.5), L.GlobalAveragePooling2D(), L.Softmax(),
    ])
    return m, (2, 8, 8, 3)


def zoo_vector_model():
    L = keras.layers
    m = keras.Sequential([
        keras.Input((6,)),
        L.Normalization(mean=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], variance=[1.0, 2.0, 0.5, 1.5, 1.0, 0.25]),
        L.Rescaling(0.5, offset=0.1), L.GaussianNoise(0.1), L.Dense(8), L.UnitNormalization(), L.GaussianDropout(0.1),
        L.AlphaDropout(0.1), L.RepeatVector(3), L.Permute((2, 1)), L.Reshape((4, 6)), L.ZeroPadding1D(1),
        L.Cropping1D((1, 0)), L.UpSampling1D(2), L.Conv1DTranspose(3, 3), L.SeparableConv1D(2, 3, depth_multiplier=2),
        L.SpatialDropout1D(0.1), L.GlobalMaxPooling1D(),
    ])
    return m, (3, 6)


def zoo_sequence_model():
    L = keras.layers
    m = keras.Sequential([
        keras.Input((5, 3)),
        L.Bidirectional(L.LSTM(4, return_sequences=True)), L.TimeDistributed(L.Dense(3)),
        L.GRU(3, return_sequences=True, go_backwards=True), L.SimpleRNN(3, return_sequences=True, activation="elu"),
        L.Bidirectional(L.GRU(2), merge_mode="sum"), L.Dense(2),
    ])
    m.compile(optimizer=keras.optimizers.Nadam(learning_rate=0.002), loss=keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1))
    return m, (3, 5, 3)


# ---- functional models (issue 14, session 2): each also needs a name for every input so tests can feed them

def two_input_model():
    L = keras.layers
    a = keras.Input((5,), name="a")
    b = keras.Input((3,), name="b")
    ha = L.Dense(4, activation="relu")(a)
    hb = L.Dense(4, activation="tanh")(b)
    h = L.Concatenate()([ha, hb])
    out = L.Dense(2, name="out")(h)
    m = keras.Model(inputs=[a, b], outputs=out, name="two_input")
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return m, [(4, 5), (4, 3)]


def residual_model():
    L = keras.layers
    x = keras.Input((6, 6, 2))
    c = L.Conv2D(2, 3, padding="same", activation="relu")(x)
    c = L.Conv2D(2, 3, padding="same")(c)
    s = L.Add()([x, c])
    s = L.Activation("relu")(s)
    p = L.MaxPooling2D(2)(s)
    f = L.Flatten()(p)
    y = L.Dense(3, activation="softmax")(f)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="categorical_crossentropy", metrics=["accuracy"])
    return m, [(3, 6, 6, 2)]


def shared_model():
    L = keras.layers
    a = keras.Input((4,), name="left")
    b = keras.Input((4,), name="right")
    shared = L.Dense(5, activation="tanh", name="tower")
    ea = shared(a)
    eb = shared(b)
    d = L.Subtract()([ea, eb])
    m_ = L.Multiply()([ea, eb])
    h = L.Concatenate()([d, m_])
    y = L.Dense(1, activation="sigmoid")(h)
    m = keras.Model(inputs=[a, b], outputs=y)
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return m, [(4, 4), (4, 4)]


def two_output_model():
    L = keras.layers
    x = keras.Input((4,))
    h = L.Dense(8, activation="relu")(x)
    cls = L.Dense(3, activation="softmax", name="cls")(h)
    reg = L.Dense(1, name="reg")(h)
    m = keras.Model(inputs=x, outputs=[cls, reg])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss={"cls": "categorical_crossentropy", "reg": "mse"},
              loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"], "reg": ["mae"]})
    return m, [(5, 4)]


def lstm_model():
    L = keras.layers
    m = keras.Sequential([
        keras.Input((6, 3)),
        L.LSTM(5, return_sequences=True),
        L.LSTM(4),
        L.Dense(2, activation="softmax"),
    ])
    m.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01), loss="categorical_crossentropy")
    return m, [(3, 6, 3)]


def embedding_model():
    L = keras.layers
    ids = keras.Input((7,), dtype="int32", name="ids")
    e = L.Embedding(20, 6)(ids)
    r = L.LSTM(4)(e)
    p = L.GlobalAveragePooling1D()(e)
    h = L.Concatenate()([r, p])
    y = L.Dense(3, activation="softmax")(h)
    m = keras.Model(ids, y)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m, [(4, 7)]


def masked_model():
    """Embedding(mask_zero=True) into an LSTM, functional: Keras 3 records the mask as a not_equal op passed as mask=."""
    L = keras.layers
    ids = keras.Input((7,), dtype="int32", name="ids")
    e = L.Embedding(20, 5, mask_zero=True)(ids)
    r = L.LSTM(4)(e)
    y = L.Dense(2, activation="softmax")(r)
    m = keras.Model(ids, y)
    return m, [(4, 7)]


def gru_reset_before_model():
    """Keras 2's GRU form, reset_after=False (one (3u) bias row, r applied before the recurrent product), stacked."""
    L = keras.layers
    m = keras.Sequential([
        keras.Input((6, 3)),
        L.GRU(5, reset_after=False, return_sequences=True),
        L.GRU(4, reset_after=False),
        L.Dense(2, activation="softmax"),
    ])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    return m, (3, 6, 3)


def encoder_decoder_model():
    """Layer calls with several results: an encoder LSTM's states start a decoder LSTM (initial_state=), a GRU's
    state feeds a Dense, and a state is a model output."""
    L = keras.layers
    enc = keras.Input((6, 3), name="enc")
    dec = keras.Input((4, 2), name="dec")
    _, h, c = L.LSTM(5, return_state=True)(enc)
    d = L.LSTM(5, return_sequences=True)(dec, initial_state=[h, c])
    g, gh = L.GRU(3, return_sequences=True, return_state=True)(d)
    y = L.Dense(2, activation="softmax")(L.Concatenate()([L.Flatten()(g), gh]))
    m = keras.Model([enc, dec], [y, h])
    return m, [(3, 6, 3), (3, 4, 2)]


def tfjs_clean(value):
    """A Keras 3 config value in the Keras 2 form TensorFlow.js reads."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy":
            return value["config"]["name"]
        return {k: tfjs_clean(v) for k, v in value.items() if k not in ("module", "registered_name", "build_config", "shared_object_id")}
    if isinstance(value, list):
        return [tfjs_clean(v) for v in value]
    return value


def keras2_node(node):
    """A Keras 3 inbound node ({args: [tensor or [tensors]], kwargs}) in the Keras 2 list form."""
    args = node["args"][0]
    tensors = args if isinstance(args, list) else [args]
    # Keras 2 records an RNN's initial_state tensors as further inputs of the node
    tensors = tensors + list(node.get("kwargs", {}).get("initial_state") or [])
    return [[*t["config"]["keras_history"], {}] for t in tensors]


def keras2_refs(refs):
    """input_layers / output_layers: Keras 3 writes one [name, 0, 0] for a single tensor; Keras 2 always a list."""
    return [refs] if refs and isinstance(refs[0], str) else refs


def write_tfjs(model, out):
    out.mkdir(parents=True, exist_ok=True)
    config = json.loads(model.to_json())
    layers = []
    functional = config["class_name"] == "Functional"
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
        entry = {"class_name": c["class_name"], "config": cfg}
        if functional:  # Keras 2's node format: [[[layer, node_index, tensor_index, kwargs], ...], ...]
            entry["name"] = layer["name"]
            entry["inbound_nodes"] = [keras2_node(n) for n in layer["inbound_nodes"]]
        layers.append(entry)
    topology = {
        "class_name": "Model" if functional else "Sequential",
        "config": {"name": config["config"]["name"], "layers": layers, **({
            "input_layers": keras2_refs(config["config"]["input_layers"]),
            "output_layers": keras2_refs(config["config"]["output_layers"]),
        } if functional else {})},
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
            **({"loss_weights": cc["loss_weights"]} if cc.get("loss_weights") else {}),
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
    rng = np.random.default_rng(seed + 100)
    if isinstance(xshape, list):  # several inputs (or integer ids): recorded per input and per output
        xs = [rng.integers(0, 20, size=s).astype("float32") if inp.dtype.startswith("int") else
              rng.uniform(-1, 1, size=s).astype("float32") for s, inp in zip(xshape, model.inputs)]
        if name == "masked":  # padding (id 0) at the end of every other sequence and one in the middle
            xs[0][::2, -3:] = 0
            xs[0][1, 2] = 0
        ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        io = {"inputs": [a.reshape(-1).tolist() for a in xs],
              "outputs": [a.reshape(-1).astype("float64").tolist() for a in ys]}
        x, y = xs[0], ys[0]
    else:
        x = rng.uniform(-1, 1, size=xshape).astype("float32")
        y = model.predict(x, verbose=0)
        io = {}
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
        **io,
    }) + "\n")
    print("wrote", out)


def chunked_legacy_h5():
    """mlp/model.chunked.h5: the MLP saved by Keras's legacy writer with its object-header limit lowered, so that
    Keras itself splits layer_names and weight_names into layer_names0, layer_names1, ... as it does for big models."""
    from keras.src.legacy.saving import legacy_h5_format
    limit = legacy_h5_format.HDF5_OBJECT_HEADER_LIMIT
    legacy_h5_format.HDF5_OBJECT_HEADER_LIMIT = 40
    try:
        model = keras.saving.load_model(HERE / "mlp" / "model.keras")
        model.save(HERE / "mlp" / "model.chunked.h5")
    finally:
        legacy_h5_format.HDF5_OBJECT_HEADER_LIMIT = limit
    import h5py
    with h5py.File(HERE / "mlp" / "model.chunked.h5") as f:
        assert "layer_names" not in f["model_weights"].attrs and "layer_names1" in f["model_weights"].attrs
    print("wrote", HERE / "mlp" / "model.chunked.h5")


def check_exports():
    exported = HERE / "exported"
    for f in sorted(exported.glob("*.keras")) if exported.exists() else []:
        model = keras.saving.load_model(f)
        spec = json.loads((exported / (f.stem + ".input.json")).read_text())
        xs = [np.asarray(x, dtype="float32").reshape([-1, *inp.shape[1:]])
              for x, inp in zip(spec.get("inputs") or [spec["x"]], model.inputs)]

        def predict(m):
            y = m.predict(xs if len(xs) > 1 else xs[0], verbose=0)
            return [a.reshape(-1).astype("float64").tolist() for a in (y if isinstance(y, list) else [y])]
        ys = predict(model)
        script = exported / (f.stem + ".py")
        ys_script = None
        if script.exists():
            import runpy
            built = runpy.run_path(str(script))["build_model"]()
            built.load_weights(exported / (f.stem + ".weights.h5"))
            ys_script = predict(built)
        (exported / (f.stem + ".predictions.json")).write_text(json.dumps({
            "keras_version": keras.__version__,
            "y": ys[0],
            "y_script": ys_script and ys_script[0],
            **({"ys": ys, "ys_script": ys_script} if len(ys) > 1 else {}),
            "compile": model.get_compile_config() if model.compiled else None,
            "summary": [(l.__class__.__name__, l.name, [list(w.shape) for w in l.weights]) for l in model.layers],
        }) + "\n")
        print("checked", f)


if __name__ == "__main__":
    cases = {
        "seed": (seed_model, 1, True),
        "mlp": (mlp_model, 2, True),
        "cnn": (cnn_model, 3, True),
        "layers1d": (layers1d_model, 4, False),
        "layers2d": (layers2d_model, 5, False),
        "regularized": (regularized_model, 6, True),
        "two_input": (two_input_model, 7, True),
        "residual": (residual_model, 8, True),
        "shared": (shared_model, 9, True),
        "two_output": (two_output_model, 10, True),
        "lstm": (lstm_model, 11, True),
        "embedding": (embedding_model, 12, True),
        "masked": (masked_model, 16, False),
        "encoder_decoder": (encoder_decoder_model, 17, True),
        "gru_reset_before": (gru_reset_before_model, 18, True),
        "zoo_image": (zoo_image_model, 13, False),
        "zoo_vector": (zoo_vector_model, 14, False),
        "zoo_sequence": (zoo_sequence_model, 15, False),
    }
    # `make_fixtures.py two_input shared` remakes only those cases (the others' binary files stay as committed)
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")] or [*cases, "chunked"]
    if "--exports" not in sys.argv:
        for name in chosen:
            if name == "chunked":
                continue
            build, seed, tfjs = cases[name]
            make(name, build, seed, tfjs=tfjs)
        if "chunked" in chosen or "mlp" in chosen:
            chunked_legacy_h5()
    check_exports()
