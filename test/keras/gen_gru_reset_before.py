"""Writes gru-reset-before.json: Keras 3 GRU(reset_after=False) — Keras 2's
default, "reset before": ĥ = act(x·W_h + b_h + (r ⊙ h)·U_h), one (3u)
bias row — alone, with return_sequences and go_backwards, without bias,
stacked, masked, with states and inside Bidirectional; the oracle for
test/gru-reset-before.test.ts (issue 12).

Same recipe and record as gen_masking.py (whose `case` this reuses):
weights set explicitly from a seeded generator, predictions and three
train_on_batch steps (loss, then the weights after the last).

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_gru_reset_before.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
from gen_masking import case  # noqa: E402

CASES = {
    "gru_reset_before": ("steps-1", """
x = Input(shape=(5, 3))
h = GRU(4, reset_after=False)(x)
y = Dense(2)(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "gru_reset_before_sequences_backwards_no_bias": ("steps-1", """
x = Input(shape=(5, 3))
s = GRU(3, reset_after=False, return_sequences=True, go_backwards=True, use_bias=False, activation='relu', recurrent_activation='hard_sigmoid')(x)
y = Dense(2)(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "gru_reset_before_stacked_masked": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
s = GRU(3, reset_after=False, return_sequences=True)(e)
h = GRU(2, reset_after=False)(s)
y = Dense(2)(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "gru_reset_before_states_bidirectional": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 3)(x)
s, h = GRU(3, reset_after=False, return_sequences=True, return_state=True)(e)
f = Dense(2)(h)
r = Dense(2)(h)
b = Bidirectional(GRU(2, reset_after=False), merge_mode='concat')(s, initial_state=[f, r])
y = Dense(2)(b)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
}


def main():
    out = [case(name, kind, body, 1100 + k) for k, (name, (kind, body)) in enumerate(CASES.items())]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "gru-reset-before.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
