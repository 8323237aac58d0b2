"""Writes masking.json: Keras 3 models with masks — Embedding(mask_zero=True)
and Masking(mask_value=…) — read by recurrent layers (masked steps carry
the state and output through), Bidirectional and GlobalAveragePooling1D
(mean over unmasked steps), and carried through Dense and stacked
return_sequences RNNs; the oracle for issue 12's masking
(test/masking.test.ts).

Same recipe as gen_functional.py (its `build` runs the case text, the
body of a `.nn` functional model, as Keras's own Python). Weights from a
seeded generator set explicitly; inputs are token ids with padding zeros
(at the end, the start and inside a sequence), or float steps of which
some equal the mask value. The last cases end in a sequence that still
carries the mask, so Keras weights their loss per timestep. Recorded: weight names, predictions and three
train_on_batch steps (loss, then the weights after the last).

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_masking.py
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from gen_functional import build, target  # noqa: E402
from steps_fixture import run_steps, write  # noqa: E402

BATCH = 4
IDS = [[3, 1, 4, 1, 0, 0], [5, 9, 2, 6, 5, 3], [0, 0, 5, 8, 9, 7], [9, 0, 3, 0, 0, 2]]

CASES = {
    "embedding_lstm": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
h = LSTM(3)(e)
y = Dense(2)(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "embedding_gru_sequences_gap": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
s = GRU(3, return_sequences=True)(e)
p = GlobalAveragePooling1D()(s)
y = Dense(1, activation='sigmoid')(p)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='binary_crossentropy')
"""),
    "embedding_dense_bidirectional_gap": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
d = Dense(3, activation='tanh')(e)
s = Bidirectional(LSTM(2, return_sequences=True))(d)
p = GlobalAveragePooling1D()(s)
y = Dense(2)(p)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "masking_simple_rnn_backwards": ("steps0", """
x = Input(shape=(5, 3))
m = Masking()(x)
h = SimpleRNN(3, go_backwards=True)(m)
y = Dense(1)(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "masking_value_stacked_lstm": ("steps-1", """
x = Input(shape=(5, 3))
m = Masking(mask_value=-1.0)(x)
s = LSTM(3, return_sequences=True)(m)
h = LSTM(2)(s)
y = Dense(1)(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    "masked_gru_states_bidirectional_gru": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 3, mask_zero=True)(x)
seq, h = GRU(3, return_sequences=True, return_state=True)(e)
b = Bidirectional(GRU(2), merge_mode='ave')(seq)
j = Concatenate()([h, b])
y = Dense(2)(j)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    # inside Bidirectional a returned sequence is zero at masked steps (Keras forces zero_output_for_mask)
    "bidirectional_sequences_zero_at_masked_steps": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 3, mask_zero=True)(x)
s = Bidirectional(GRU(2, return_sequences=True), backward_layer=LSTM(2, return_sequences=True, go_backwards=True))(e)
f = Flatten()(s)
y = Dense(2)(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
    # the output keeps the mask: the loss is averaged over unmasked timesteps only
    "masked_sequence_output_softmax": ("ids", """
x = Input(shape=(6,))
e = Embedding(10, 4, mask_zero=True)(x)
s = LSTM(3, return_sequences=True)(e)
y = Dense(3, activation='softmax')(s)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
"""),
    "masked_sequence_output_mse_backwards": ("steps0", """
x = Input(shape=(5, 3))
m = Masking()(x)
s = GRU(2, return_sequences=True, go_backwards=True)(m)
d = Dense(2, activation='tanh')(s)
y = TimeDistributed(Dense(2))(d)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
"""),
}


def targets(rng, loss, shape):
    if loss == "categorical_crossentropy" and len(shape) > 1:
        ids = rng.integers(0, shape[-1], size=(BATCH, *shape[:-1]))
        return np.eye(shape[-1], dtype="float32")[ids]
    return target(rng, loss, shape)


def inputs(kind, rng):
    if kind == "ids":
        return np.array(IDS, dtype="float32")
    value = 0.0 if kind == "steps0" else -1.0
    x = rng.uniform(-1.0, 1.0, size=(BATCH, 5, 3)).astype("float32")
    # masked steps: the end of sample 0, the start of sample 1, the middle of sample 2; sample 3 has a partial match only
    for b, t in [(0, 3), (0, 4), (1, 0), (2, 2)]:
        x[b, t, :] = value
    x[3, 1, 0] = value
    return x


def case(name, kind, body, seed):
    rng = np.random.default_rng(seed)
    m = build(body)
    before = [rng.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in m.weights]
    x = inputs(kind, rng)
    y = targets(rng, m.loss, tuple(m.outputs[0].shape[1:]))
    return run_steps(name, body, m, before, x, y)


def main():
    write("masking.json", [case(name, kind, body, 500 + k) for k, (name, (kind, body)) in enumerate(CASES.items())])


if __name__ == "__main__":
    main()
