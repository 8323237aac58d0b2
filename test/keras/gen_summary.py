"""Writes summary.json: Keras 3's model.summary() table for models whose
cells are longer than their columns (long layer and input names, a merge
with many inbound tensors, a layer with several outputs), so
test/summary-keras.test.ts can hold layerc's summary to Keras's wrapping.

Each case is the body of a `.nn` model, which is Keras's own Python (the
same text builds the layerc model). The terminal is fixed at 80 columns,
Keras's table width then being 76, as in a non-interactive run.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_summary.py
"""
import json
import os

os.environ["COLUMNS"] = "80"
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras import layers  # noqa: E402

CASES = {
    "functional_long_names": """
a = Input(shape=(3,), name='first_input_with_a_long_name')
b = Input(shape=(3,), name='b')
c = Input(shape=(3,), name='c')
d = Dense(4, name='a_very_long_dense_layer_name_that_keeps_going')(a)
s = Concatenate()([d, b, c, Dense(2)(a)])
o = Dense(2, name='out')(s)
Model(inputs=[a, b, c], outputs=o)
""",
    "functional_many_inbound": """
x = Input(shape=(4,))
h1 = Dense(4)(x)
h2 = Dense(4)(x)
h3 = Dense(4)(x)
h4 = Dense(4)(x)
s = Add()([h1, h2, h3, h4, x])
m = Maximum()([s, h1, h2])
y = Dense(2)(Concatenate()([m, s, h4]))
Model(inputs=x, outputs=y)
""",
    "functional_shared": """
a = Input(shape=(5,), name='left')
b = Input(shape=(5,), name='right')
shared_embedding_layer = Dense(3, name='shared_embedding_layer')
ea = shared_embedding_layer(a)
eb = shared_embedding_layer(b)
d = Subtract(name='difference_of_the_two_towers')([ea, eb])
y = Dense(1, activation='sigmoid')(d)
Model(inputs=[a, b], outputs=y)
""",
    "sequential_long_names": """
Input(shape=(6, 4))
LSTM(8, return_sequences=True, name='a_recurrent_layer_with_a_very_long_name')
TimeDistributed(Dense(3))
Flatten()
Dense(2)
""",
}


def build(body):
    captured = {}

    def model(inputs, outputs, **kw):
        captured["model"] = keras.Model(inputs=inputs, outputs=outputs, **kw)

    keras.backend.clear_session()
    scope = {name: getattr(layers, name) for name in dir(layers) if name[:1].isupper()}
    scope.update(Input=keras.Input, Model=model)
    if "Model(" in body:
        exec(body, scope)  # noqa: S102 — the committed case text above
        return captured["model"]
    # a Sequential body: one layer call per line
    return keras.Sequential([eval(line, scope) for line in body.strip().split("\n")])  # noqa: S307


def table(m):
    lines = []
    m.summary(print_fn=lambda text, line_break=True: lines.append(text))
    text = "\n".join(lines)
    rows = text.split("\n")
    # the box only: Keras's title names its own model ("functional", "sequential")
    return [r for r in rows if r and r[0] in "┏┃┡│├└"]


def main():
    out = [{"name": name, "source": body.strip(), "table": table(build(body))} for name, body in CASES.items()]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "summary.json"), "w") as f:
        json.dump({"keras": keras.__version__, "cases": out}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
