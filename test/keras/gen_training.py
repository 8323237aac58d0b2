"""Keras 3 training fixtures for layerc (test/keras/training.json).

Run from the repository root (DEVELOPERS.md says how to install Keras 3):

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_training.py

Every case trains a small model whose weights are set explicitly (never
seeded), so layerc can start from the same numbers. Optimizer, schedule and
loss expressions are written once, in the `.nn` syntax, which is also valid
Python over Keras's own class names: the script evaluates the same text that
the tests compile. The JSON holds the inputs, the weights before and after,
the per-epoch losses and metrics as Keras reports them.
"""

import json
import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import keras
from keras import optimizers, losses, metrics
from keras.optimizers import schedules

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "training.json")

def namespace(*modules):
    table = {"True": True, "False": False, "None": None}
    for module in modules:
        for name in dir(module):
            if not name.startswith("_"):
                table[name] = getattr(module, name)
    return table


NAMESPACES = {
    "optimizer": namespace(optimizers, schedules),
    "loss": namespace(losses),
    "metrics": namespace(metrics),
    "callbacks": namespace(keras.callbacks),
    "weights": namespace(keras.regularizers, keras.constraints),
}


def ev(text, kind="optimizer"):
    """A `.nn` expression (a Keras call, a quoted name or a list) as the Keras object."""
    return eval(text, {"__builtins__": {}}, NAMESPACES[kind])


def wave(n, k, scale):
    return [round(scale * math.sin(0.7 * i + k), 4) for i in range(n)]


def set_weights(model):
    ws = []
    for k, w in enumerate(model.get_weights()):
        v = np.array(wave(w.size, k + 1, 0.5), dtype="float32").reshape(w.shape)
        ws.append(v)
    model.set_weights(ws)
    return [v.flatten().tolist() for v in ws]


def flat(model):
    return [w.flatten().tolist() for w in model.get_weights()]


X = np.array([wave(3, 10 + s, 1.0) for s in range(6)], dtype="float32")
Y = np.array([wave(2, 20 + s, 1.0) for s in range(6)], dtype="float32")


def mlp(layers_text=None, out_units=2, out_activation=None, **dense_kwargs):
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4, activation="tanh", **dense_kwargs),
            keras.layers.Dense(out_units, activation=out_activation),
        ]
    )
    return model


OPTIMIZERS = [
    "SGD(learning_rate=0.1)",
    "SGD(learning_rate=0.05, momentum=0.9)",
    "SGD(learning_rate=0.05, momentum=0.9, nesterov=True)",
    "Adam(learning_rate=0.01)",
    "Adam(learning_rate=0.01, amsgrad=True)",
    "AdamW(learning_rate=0.01)",
    "AdamW(learning_rate=0.01, weight_decay=0.1, amsgrad=True)",
    "RMSprop(learning_rate=0.01)",
    "RMSprop(learning_rate=0.01, momentum=0.5, centered=True)",
    "RMSprop(learning_rate=0.01, centered=True)",
    "Adagrad(learning_rate=0.1)",
    "Adagrad(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-5)",
    "Adadelta(learning_rate=1.0)",
    "Adadelta(learning_rate=0.5, rho=0.9)",
    "Adamax(learning_rate=0.02)",
    "Nadam(learning_rate=0.01)",
    "Lion(learning_rate=0.01)",
    "Lion(learning_rate=0.01, beta_1=0.5, beta_2=0.9)",
    "Ftrl(learning_rate=0.1)",
    "Ftrl(learning_rate=0.1, learning_rate_power=-0.7, l1_regularization_strength=0.01, l2_regularization_strength=0.02, l2_shrinkage_regularization_strength=0.03, beta=0.5)",
    "SGD(learning_rate=0.1, weight_decay=0.05)",
    "Adam(learning_rate=0.01, clipnorm=0.1)",
    "Adam(learning_rate=0.01, global_clipnorm=0.1)",
    "SGD(learning_rate=0.1, clipvalue=0.05)",
    "SGD(learning_rate=0.1, momentum=0.5, use_ema=True)",
    "Adam(learning_rate=0.05, use_ema=True, ema_momentum=0.5)",
    "SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=2)",
    "SGD(learning_rate=ExponentialDecay(0.2, decay_steps=2, decay_rate=0.5))",
    "Adam(learning_rate=CosineDecay(0.001, decay_steps=3, warmup_target=0.02, warmup_steps=2))",
    "RMSprop(learning_rate=PiecewiseConstantDecay([1, 2], [0.02, 0.01, 0.005]))",
]

SCHEDULES = [
    "ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)",
    "ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True)",
    "PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])",
    "PolynomialDecay(0.1, decay_steps=6)",
    "PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.01, power=2.0, cycle=True)",
    "InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)",
    "InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True)",
    "CosineDecay(0.1, decay_steps=6)",
    "CosineDecay(0.1, decay_steps=6, alpha=0.1)",
    "CosineDecay(0.0, decay_steps=5, warmup_target=0.2, warmup_steps=3)",
    "CosineDecayRestarts(0.1, first_decay_steps=3)",
    "CosineDecayRestarts(0.1, first_decay_steps=2, t_mul=1.0, m_mul=0.5, alpha=0.1)",
]


# (loss text, output units, output activation, target kind, weight scale)
LOSSES = [
    ("'mse'", 2, None, "real", 0.5),
    ("'mae'", 2, None, "real", 0.5),
    ("'mape'", 2, None, "positive", 0.5, 0.002),
    ("'msle'", 2, "softplus", "positive", 0.5),
    ("'huber'", 2, None, "real", 0.5),
    ("Huber(delta=0.3)", 2, None, "real", 0.5),
    ("'log_cosh'", 2, None, "real", 0.5),
    ("'poisson'", 2, "softplus", "positive", 0.5),
    ("'kl_divergence'", 3, "softmax", "distribution", 0.5),
    ("'kld'", 3, "softmax", "distribution", 0.5),
    ("'cosine_similarity'", 3, None, "real", 0.5),
    ("'hinge'", 2, "tanh", "binary", 0.5),
    ("'hinge'", 2, "tanh", "signed", 0.5),
    ("'squared_hinge'", 2, "tanh", "binary", 0.5),
    ("'categorical_hinge'", 3, None, "onehot", 0.5),
    ("'binary_crossentropy'", 2, "sigmoid", "binary", 0.5),
    # saturated and fused with the final sigmoid/softmax: layerc follows the TensorFlow backend, which computes
    # these from the logits; the Keras model for the fixture is the same network with a linear output and
    # from_logits=True, which is what TensorFlow evaluates (JAX and PyTorch clip the probabilities instead)
    ("'binary_crossentropy'", 2, "sigmoid", "binary", 8.0, 0.1, "BinaryCrossentropy(from_logits=True)"),
    ("BinaryCrossentropy(from_logits=True)", 2, None, "binary", 0.5),
    ("BinaryCrossentropy(label_smoothing=0.2)", 2, "sigmoid", "binary", 0.5),
    ("BinaryCrossentropy(from_logits=True, label_smoothing=0.1)", 2, None, "binary", 8.0),
    ("'binary_focal_crossentropy'", 2, "sigmoid", "binary", 0.5),
    ("BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True)", 2, None, "binary", 0.5),
    ("BinaryFocalCrossentropy(gamma=3.0, label_smoothing=0.1)", 2, "sigmoid", "binary", 0.5),
    ("'categorical_crossentropy'", 3, "softmax", "onehot", 0.5),
    ("'categorical_crossentropy'", 3, "softmax", "onehot", 8.0, 0.1, "CategoricalCrossentropy(from_logits=True)"),
    ("'sparse_categorical_crossentropy'", 3, "softmax", "sparse", 16.0, 0.1, "SparseCategoricalCrossentropy(from_logits=True)"),
    ("CategoricalCrossentropy(label_smoothing=0.1, from_logits=True)", 3, None, "onehot", 0.5),
    ("CategoricalCrossentropy(label_smoothing=0.2)", 3, "softmax", "onehot", 0.5),
    ("'categorical_focal_crossentropy'", 3, "softmax", "onehot", 0.5),
    ("CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0, from_logits=True, label_smoothing=0.1)", 3, None, "onehot", 0.5),
    ("'sparse_categorical_crossentropy'", 3, "softmax", "sparse", 0.5),
    ("SparseCategoricalCrossentropy(from_logits=True)", 3, None, "sparse", 8.0),
]


def targets(kind, units, n=6):
    rows = []
    for s in range(n):
        w = wave(units, 30 + s, 1.0)
        if kind == "real":
            rows.append(w)
        elif kind == "positive":
            rows.append([abs(v) * 2 for v in w])
        elif kind == "distribution":
            e = [math.exp(v) for v in w]
            rows.append([v / sum(e) for v in e])
        elif kind == "binary":
            rows.append([1.0 if v > 0 else 0.0 for v in w])
        elif kind == "signed":
            rows.append([1.0 if v > 0 else -1.0 for v in w])
        elif kind == "onehot":
            rows.append([1.0 if j == s % units else 0.0 for j in range(units)])
        elif kind == "sparse":
            rows.append(s % units)
    return np.array(rows, dtype="float32")


def loss_case(text, units, activation, kind, scale, lr=0.1, tensorflow_form=None):
    if tensorflow_form:
        model = mlp(out_units=units, out_activation=None)
        model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss=ev(tensorflow_form, "loss"))
    else:
        model = mlp(out_units=units, out_activation=activation)
        model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss=ev(text, "loss"))
    ws = []
    for k, w in enumerate(model.get_weights()):
        ws.append(np.array(wave(w.size, k + 1, scale), dtype="float32").reshape(w.shape))
    model.set_weights(ws)
    y = targets(kind, units)
    h = model.fit(X, y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    return {
        "loss": text,
        "units": units,
        "activation": activation or "linear",
        "lr": lr,
        "tensorflowForm": tensorflow_form,
        "y": y.tolist(),
        "weights": [w.flatten().tolist() for w in ws],
        "history": h.history["loss"],
        "after": flat(model),
    }


X16 = np.array([wave(3, 40 + s, 1.5) for s in range(16)], dtype="float32")

# (loss, output units, output activation, target kind, metrics list in .nn syntax)
METRICS = [
    ("'binary_crossentropy'", 2, "sigmoid", "binary",
     "['accuracy', 'binary_accuracy', BinaryAccuracy(threshold=0.3), 'mae', 'mse', RootMeanSquaredError(), Precision(), Recall(), AUC(), Precision(thresholds=0.7), AUC(num_thresholds=20)]"),
    ("'categorical_crossentropy'", 4, "softmax", "onehot",
     "['acc', 'categorical_accuracy', 'top_k_categorical_accuracy', TopKCategoricalAccuracy(k=2), F1Score(average='macro'), F1Score(average='micro'), F1Score(average='weighted', name='f1w'), AUC(), Precision(), Recall()]"),
    ("'sparse_categorical_crossentropy'", 4, "softmax", "sparse",
     "['accuracy', 'sparse_categorical_accuracy', SparseTopKCategoricalAccuracy(k=2), 'sparse_top_k_categorical_accuracy']"),
    ("'mse'", 1, None, "positive", "['mae', 'mse', RootMeanSquaredError(name='rmse'), 'mape', 'accuracy', 'MAE']"),
    ("'binary_crossentropy'", 3, "sigmoid", "binary",
     "[FBetaScore(average='macro', beta=2.0), FBetaScore('weighted', 0.5, 0.4), F1Score(average='micro', threshold=0.5), FBetaScore(average='micro', beta=1.5, threshold=0.6, name='fb'), F1Score('macro')]"),
    ("'categorical_crossentropy'", 3, "softmax", "onehot", "[FBetaScore(average='weighted', beta=3.0), F1Score('macro', threshold=0.3)]"),
]


def metrics_case(loss, units, activation, kind, text):
    model = mlp(out_units=units, out_activation=activation)
    model.compile(optimizer="sgd", loss=ev(loss, "loss"), metrics=ev(text, "metrics"))
    w0 = set_weights(model)
    y = targets(kind, units, 16)
    result = model.evaluate(X16, y, batch_size=5, verbose=0, return_dict=True)
    return {"loss": loss, "units": units, "activation": activation or "linear", "metrics": text, "y": y.tolist(), "weights": w0,
            "result": {k: float(v) for k, v in result.items()}}


# fit options: (name, loss, units, activation, target kind, metrics, fit keyword text, optimizer)
FITS = [
    ("validation_split", "'categorical_crossentropy'", 3, "softmax", "onehot", "['accuracy', 'mae']", "validation_split=0.25, batch_size=4, epochs=3", "SGD(learning_rate=0.5)"),
    ("validation_data", "'mse'", 2, None, "real", "['mae']", "validation_data=(XV, YV), batch_size=3, epochs=2", "SGD(learning_rate=0.1)"),
    ("class_weight", "'categorical_crossentropy'", 3, "softmax", "onehot", "['accuracy']", "class_weight={0: 2.0, 2: 0.5}, batch_size=5, epochs=2", "Adam(learning_rate=0.05)"),
    ("sample_weight", "'mse'", 2, None, "real", "['mae']", "sample_weight=SW, validation_split=0.25, batch_size=4, epochs=2", "SGD(learning_rate=0.1)"),
    ("sparse_class_weight", "'sparse_categorical_crossentropy'", 3, "softmax", "sparse", "['accuracy']", "class_weight={1: 3.0}, validation_split=0.25, batch_size=16, epochs=2", "SGD(learning_rate=0.2)"),
    ("early_stopping_restore", "'mse'", 2, None, "real", "[]",
     "callbacks=[EarlyStopping(monitor='loss', patience=1, restore_best_weights=True)], batch_size=16, epochs=12", "SGD(learning_rate=1.9)"),
    ("early_stopping_val", "'mse'", 2, None, "real", "[]",
     "callbacks=[EarlyStopping(monitor='val_loss', min_delta=0.01, patience=2, restore_best_weights=True, start_from_epoch=1)], validation_split=0.25, batch_size=4, epochs=15", "SGD(learning_rate=0.3)"),
    ("reduce_lr", "'mse'", 2, None, "real", "[]",
     "callbacks=[ReduceLROnPlateau(monitor='loss', factor=0.5, patience=1, min_delta=0.05, cooldown=1)], batch_size=16, epochs=8", "SGD(learning_rate=1.9)"),
]


def fit_case(name, loss, units, activation, kind, metric_text, fit_text, optimizer):
    model = mlp(out_units=units, out_activation=activation)
    model.compile(optimizer=ev(optimizer), loss=ev(loss, "loss"), metrics=ev(metric_text, "metrics"))
    w0 = set_weights(model)
    y = targets(kind, units, 16)
    xv = np.array([wave(3, 70 + s, 1.2) for s in range(5)], dtype="float32")
    yv = targets(kind, units, 5)[::-1].copy()
    sw = np.array([0.5 + (s % 4) * 0.5 for s in range(16)], dtype="float32")
    table = dict(NAMESPACES["callbacks"], XV=xv, YV=yv, SW=sw)
    kwargs = eval(f"dict({fit_text})", {"__builtins__": {"dict": dict}}, table)
    h = model.fit(X16, y, shuffle=False, verbose=0, **kwargs)
    return {"name": name, "loss": loss, "units": units, "activation": activation or "linear", "metrics": metric_text, "optimizer": optimizer,
            "fit": fit_text, "y": y.tolist(), "xv": xv.tolist(), "yv": yv.tolist(), "sw": sw.tolist(), "weights": w0,
            "epoch": h.epoch, "history": {k: [float(v) for v in vs] for k, vs in h.history.items()}, "after": flat(model)}


# (first Dense's extra arguments, second Dense's extra arguments, optimizer) in .nn syntax
WEIGHT_OPTIONS = [
    ("kernel_regularizer=L2(0.05), bias_regularizer='l1'", "kernel_regularizer=L1L2(l1=0.01, l2=0.02)", "SGD(learning_rate=0.1)"),
    ("kernel_regularizer='l2'", "bias_regularizer=L1(0.2), kernel_regularizer=L1L2(l2=0.03)", "Adam(learning_rate=0.05)"),
    ("kernel_constraint=MaxNorm(0.5), bias_constraint=NonNeg()", "kernel_constraint=UnitNorm(axis=1)", "SGD(learning_rate=0.5)"),
    ("kernel_constraint=MinMaxNorm(min_value=0.2, max_value=0.6, rate=0.5)", "kernel_constraint='non_neg', kernel_regularizer=L2(0.01)", "SGD(learning_rate=0.5)"),
]


def weight_options_case(first, second, optimizer):
    kw = lambda text: eval(f"dict({text})", {"__builtins__": {"dict": dict}}, NAMESPACES["weights"])
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4, activation="tanh", **kw(first)),
            keras.layers.Dense(2, **kw(second)),
        ]
    )
    model.compile(optimizer=ev(optimizer), loss="mse")
    w0 = set_weights(model)
    h = model.fit(X, Y, batch_size=3, epochs=3, shuffle=False, verbose=0)
    result = model.evaluate(X, Y, verbose=0, return_dict=True)
    return {"first": first, "second": second, "optimizer": optimizer, "weights": w0, "history": h.history["loss"],
            "after": flat(model), "evaluate": float(result["loss"])}


def optimizer_case(text, epochs=4):
    model = mlp()
    model.compile(optimizer=ev(text), loss="mse")
    w0 = set_weights(model)
    h = model.fit(X, Y, batch_size=6, epochs=epochs, shuffle=False, verbose=0)
    return {"optimizer": text, "weights": w0, "loss": h.history["loss"], "after": flat(model)}


def schedule_case(text):
    s = ev(text)
    return {"schedule": text, "values": [float(s(step)) for step in range(12)]}


def main():
    fixture = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "x": X.tolist(),
        "y": Y.tolist(),
        "optimizers": [optimizer_case(t) for t in OPTIMIZERS],
        "schedules": [schedule_case(t) for t in SCHEDULES],
        "losses": [loss_case(*c) for c in LOSSES],
        "x16": X16.tolist(),
        "metrics": [metrics_case(*c) for c in METRICS],
        "fits": [fit_case(*c) for c in FITS],
        "weightOptions": [weight_options_case(*c) for c in WEIGHT_OPTIONS],
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
