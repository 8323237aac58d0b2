"""Writes recurrent-state.json: Keras 3 functional models whose recurrent
layers return their states (`seq, h, c = LSTM(…, return_state=True)(x)`)
or start from given ones (`initial_state=[h, c]`), and Bidirectional's
`backward_layer=`, the oracle for issue 12's
return_state / initial_state (read by test/recurrent-state.test.ts).

Same recipe as gen_functional.py (whose `case` builds and records each
model): the case text is the body of a `.nn` functional model and Keras's own
Python. Weights drawn from a seeded NumPy generator are set explicitly.
Also recorded: each layer's output shapes as Keras's summary prints them.

    KERAS_BACKEND=jax /work/.venv-keras/bin/python test/keras/gen_recurrent_state.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
from gen_functional import build, case  # noqa: E402

CASES = {
    # the state outputs feed a head and a loss of their own: gradients flow in through h and c
    "lstm_state_heads": """
x = Input(shape=(5, 3))
seq, h, c = LSTM(4, return_sequences=True, return_state=True)(x)
p = GlobalAveragePooling1D()(seq)
j = Concatenate()([p, h])
y = Dense(2)(j)
Model(inputs=x, outputs=[y, c])
compile(optimizer=SGD(learning_rate=0.1), loss=['mse', 'mse'], loss_weights=[1.0, 0.5])
""",
    # encoder-decoder: the decoder starts from the encoder's final states
    "encoder_decoder": """
enc = Input(shape=(5, 3))
dec = Input(shape=(4, 2))
_, h, c = LSTM(4, return_state=True)(enc)
d = LSTM(4, return_sequences=True)(dec, initial_state=[h, c])
y = Dense(3)(d)
Model(inputs=[enc, dec], outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "gru_backwards_state_into_simple_rnn": """
x = Input(shape=(5, 3))
o, h = GRU(4, go_backwards=True, return_state=True)(x)
s = SimpleRNN(4)(x, initial_state=[h])
a = Add()([o, s])
y = Dense(1)(a)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "simple_rnn_state_only": """
x = Input(shape=(4, 2))
_, h = SimpleRNN(3, activation='relu', return_state=True)(x)
y = Dense(2, activation='softmax')(h)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
""",
    "bidirectional_lstm_states": """
x = Input(shape=(5, 3))
seq, fh, fc, bh, bc = Bidirectional(LSTM(3, return_sequences=True, return_state=True))(x)
f = Flatten()(seq)
j = Concatenate()([f, fh, bc])
y = Dense(2)(j)
Model(inputs=x, outputs=[y, bh])
compile(optimizer=SGD(learning_rate=0.1), loss=['mse', 'mse'])
""",
    "bidirectional_initial_state": """
x = Input(shape=(5, 3))
_, h1 = GRU(3, return_state=True)(x)
h2 = Dense(3, activation='tanh')(h1)
o = Bidirectional(GRU(3), merge_mode='sum')(x, initial_state=[h1, h2])
y = Dense(2)(o)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "lstm_state_dropout_free_stack": """
x = Input(shape=(6, 2))
s1, h1, c1 = LSTM(3, return_sequences=True, return_state=True, go_backwards=True)(x)
s2 = LSTM(3, return_sequences=True)(s1, initial_state=[h1, c1])
g0 = Dense(2)(h1)
_, h3 = GRU(2, return_state=True)(s2, initial_state=[g0])
y = Dense(1, activation='sigmoid')(h3)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='binary_crossentropy')
""",
    # backward_layer=: a layer of another kind reads the reversed sequence
    "bidirectional_backward_layer": """
x = Input(shape=(5, 3))
o = Bidirectional(LSTM(3, return_sequences=True), backward_layer=GRU(3, return_sequences=True, go_backwards=True))(x)
f = Flatten()(o)
y = Dense(2)(f)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "bidirectional_backward_layer_states": """
x = Input(shape=(4, 2))
o, fh, fc, bh, bc = Bidirectional(LSTM(2, return_state=True), backward_layer=LSTM(2, activation='relu', return_state=True, go_backwards=True), merge_mode='sum')(x)
j = Concatenate()([o, fh, fc, bh, bc])
y = Dense(1)(j)
Model(inputs=x, outputs=[y, bh])
compile(optimizer=SGD(learning_rate=0.1), loss=['mse', 'mse'])
""",
    # merge_mode=None: the two directions' outputs as two tensors (then the states)
    "bidirectional_merge_none": """
x = Input(shape=(5, 3))
f, b = Bidirectional(GRU(3, return_sequences=True), merge_mode=None)(x)
d = Subtract()([f, b])
g = Flatten()(d)
y = Dense(2)(g)
Model(inputs=x, outputs=y)
compile(optimizer=SGD(learning_rate=0.1), loss='mse')
""",
    "bidirectional_merge_none_states": """
x = Input(shape=(4, 2))
f, b, fh, fc, bh, bc = Bidirectional(LSTM(2, return_state=True), merge_mode=None)(x)
j = Concatenate()([f, b, fc, bh])
y = Dense(1)(j)
Model(inputs=x, outputs=[y, b])
compile(optimizer=SGD(learning_rate=0.1), loss=['mse', 'mse'])
""",
}


def shapes(layer):
    out = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
    return [list(o.shape[1:]) for o in out]


def main():
    out = []
    for k, (name, body) in enumerate(CASES.items()):
        rec = case(name, body, 300 + k)
        m = build(body)
        rec["output_shapes"] = {layer.name: shapes(layer) for layer in m.layers}
        out.append(rec)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "recurrent-state.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
