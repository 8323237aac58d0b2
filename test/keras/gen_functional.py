"""Writes functional.json: Keras 3 functional models as the oracle for
issue 11 (residual MLP, two-input Concatenate, two outputs with loss
weights, a siamese shared layer, a small residual CNN, every merge layer,
layer calls nested in lists and arguments, `{…}` dict literals in compile,
an Embedding on the second of two inputs).

Each case is the body of a `.nn` functional model, which is Keras's own
Python: the same lines build the Keras model here (executed with the layer
classes, `Input`, `Model` and `compile` in scope) and the layerc model in
test/functional-keras.test.ts. Weights are drawn from a seeded NumPy
generator and set explicitly in `model.weights` order; inputs and targets
likewise. Recorded: weight names and shapes in `model.weights` order, the
predictions, and three `train_on_batch` steps (the total loss of each and
the weights after the last).

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_functional.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

CASES = {
    "residual_mlp": """
x = Input(shape=(6,))
h = Dense(6, activation='relu')(x)
h = Dense(6)(h)
s = Add()([x, h])
y = Dense(3, activation='softmax')(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
""",
    "two_input_concat": """
a = Input(shape=(5,), name='a')
b = Input(shape=(3,), name='b')
ha = Dense(4, activation='relu')(a)
hb = Dense(4, activation='tanh')(b)
h = Concatenate()([ha, hb])
out = Dense(2, name='out')(h)
Model(inputs=[a, b], outputs=out)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "two_output_weighted": """
x = Input(shape=(4,))
h = Dense(8, activation='relu')(x)
cls = Dense(3, activation='softmax', name='cls')(h)
reg = Dense(1, name='reg')(h)
Model(inputs=x, outputs=[cls, reg])
compile(optimizer=SGD(learning_rate=0.1), loss=['categorical_crossentropy', 'mse'], loss_weights=[1.0, 0.5])
""",
    "siamese_shared": """
a = Input(shape=(4,))
b = Input(shape=(4,))
shared = Dense(5, activation='tanh')
ea = shared(a)
eb = shared(b)
d = Subtract()([ea, eb])
m = Multiply()([ea, eb])
h = Concatenate()([d, m])
y = Dense(1, activation='sigmoid')(h)
Model(inputs=[a, b], outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='binary_crossentropy')
""",
    "residual_cnn": """
x = Input(shape=(6, 6, 2))
c = Conv2D(2, 3, padding='same', activation='relu')(x)
c = Conv2D(2, 3, padding='same')(c)
s = Add()([x, c])
p = MaxPooling2D(2)(s)
f = Flatten()(p)
y = Dense(3, activation='softmax')(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
""",
    "every_merge": """
a = Input(shape=(4,))
b = Input(shape=(4,))
h1 = Dense(4)(a)
h2 = Dense(4)(b)
mx = Maximum()([h1, h2])
mn = Minimum()([h1, h2])
av = Average()([h1, h2, mx])
d = Dot(axes=1, normalize=True)([mx, mn])
e = Dot(axes=1)([h1, h2])
sd = Subtract()([mx, mn])
c = Concatenate()([av, d, e, sd])
y = Dense(2)(c)
Model(inputs=[a, b], outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "fan_out_broadcast": """
x = Input(shape=(3, 4))
h = Dense(4, activation='tanh')(x)
g = Dense(1)(h)
s = Multiply()([h, g])
t = Add()([s, h, x])
f = Flatten()(t)
y = Dense(2)(f)
Model(inputs=x, outputs=[y, g])
compile(optimizer=SGD(learning_rate=0.05), loss=['mse', 'mse'], loss_weights=[1.0, 2.0])
""",
    "nested_calls_dict": """
x = Input(shape=(4,))
y = Dense(4, activation='tanh')(x)
s = Add()([Dense(4)(x), y])
c = Concatenate()([Dense(3, activation='relu')(s), Dense(2)(y)])
out = Dense(2, name='out')(c)
aux = Dense(1, name='aux')(Multiply()([s, y]))
Model(inputs=x, outputs=[out, aux])
compile(optimizer=SGD(learning_rate=0.1), loss={'out': 'mse', 'aux': 'mse'}, loss_weights={'aux': 0.5, 'out': 1.0})
""",
    "nested_shared_dict": """
a = Input(shape=(3,), name='a')
b = Input(shape=(3,), name='b')
shared = Dense(3, activation='tanh')
d = Dense(1, activation='sigmoid', name='d')(Concatenate()([shared(a), shared(b)]))
Model(inputs=[a, b], outputs=d)
compile(optimizer=SGD(learning_rate=0.1), loss={'d': 'binary_crossentropy'})
""",
    "embedding_on_second_input": """
f = Input(shape=(3,), name='f')
t = Input(shape=(5,), name='t')
e = Embedding(7, 4)(t)
p = GlobalAveragePooling1D()(e)
h = Concatenate()([p, Dense(4, activation='tanh')(f)])
y = Dense(3, activation='softmax')(h)
Model(inputs=[f, t], outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
""",
}

BATCH = 4


def build(body):
    captured = {}

    def model(inputs, outputs, **kw):
        captured["model"] = keras.Model(inputs=inputs, outputs=outputs, **kw)
        return captured["model"]

    def compile_(**kw):
        captured["compile"] = kw

    keras.backend.clear_session()  # layer names restart at dense, dense_1, ... per case
    scope = {name: getattr(layers, name) for name in dir(layers) if name[:1].isupper()}
    scope.update(Input=keras.Input, Model=model, compile=compile_, SGD=keras.optimizers.SGD)
    exec(body, scope)  # noqa: S102 — the committed case text above
    m = captured["model"]
    m.compile(**captured["compile"])
    return m


def sample(rng, shape):
    return rng.uniform(-1.0, 1.0, size=(BATCH, *shape)).astype("float32")


def target(rng, loss, shape):
    if loss == "categorical_crossentropy":
        ids = rng.integers(0, shape[-1], size=(BATCH,))
        return np.eye(shape[-1], dtype="float32")[ids]
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=(BATCH, *shape)).astype("float32")
    return rng.uniform(-1.0, 1.0, size=(BATCH, *shape)).astype("float32")


def case(name, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = [rng.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in m.weights]
    for w, v in zip(m.weights, before):
        w.assign(v)
    # an input that an Embedding reads holds token ids: integers below its input_dim
    vocab = {id(n.input_tensors[0]): l.input_dim for l in m.layers if isinstance(l, layers.Embedding) for n in l._inbound_nodes}
    xs = [sample(rng, tuple(i.shape[1:])) if id(i) not in vocab else rng.integers(0, vocab[id(i)], size=(BATCH, *i.shape[1:])).astype("float32") for i in m.inputs]
    names = [o._keras_history.operation.name for o in m.outputs]
    losses = [m.loss[n] for n in names] if isinstance(m.loss, dict) else m.loss if isinstance(m.loss, list) else [m.loss] * len(m.outputs)
    ys = [target(rng, l, tuple(o.shape[1:])) for l, o in zip(losses, m.outputs)]
    preds = m.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    preds = preds if isinstance(preds, list) else [preds]
    steps = []
    for _ in range(3):
        r = m.train_on_batch(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0])
        steps.append(float(r[0] if isinstance(r, list) else r))
    return {
        "name": name,
        "source": body.strip(),
        "inputs": [i._keras_history.operation.name for i in m.inputs],
        "layers": [l.name for l in m.layers],
        "weights_before": [v.ravel().tolist() for v in before],
        "weight_names": [w.path for w in m.weights],
        "weight_shapes": [list(w.shape) for w in m.weights],
        "x": [x.ravel().tolist() for x in xs],
        "y": [y.ravel().tolist() for y in ys],
        "predictions": [np.asarray(p).ravel().tolist() for p in preds],
        "losses": steps,
        "weights_after": [np.asarray(w.numpy()).ravel().tolist() for w in m.weights],
    }


def main():
    out = []
    for k, (name, body) in enumerate(CASES.items()):
        out.append(case(name, body, 100 + k))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "functional.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
