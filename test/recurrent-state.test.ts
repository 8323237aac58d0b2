/**
 * Recurrent layers with several outputs and extra inputs in functional
 * models (issue 12): `seq, h, c = LSTM(…, return_state=True)(x)` and
 * `LSTM(…)(x, initial_state=[h, c])`, for SimpleRNN, LSTM, GRU and
 * Bidirectional (forward states, then backward states, as Keras 3).
 *
 * - against real Keras 3 (test/keras/recurrent-state.json, written by
 *   test/keras/gen_recurrent_state.py): weight names, layer order, the
 *   summary's output shapes, predictions (1e-5) and three training steps
 *   (1e-4), in the interpreter and in generated code; Bidirectional's
 *   `backward_layer=` too;
 * - finite differences (float64) with gradients flowing into state outputs
 *   and out through initial states, and generated code (auto and loops)
 *   taking the same step as the interpreter.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check, formatSpec } from "../src/index.js";
import { parseSource } from "../src/phases/1-parse/index.js";
import { Rng } from "../src/runtime/random.js";
import { near } from "./helpers/keras-fixture.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, randomArray, type ModelClass } from "./helpers/models.js";
import type { ModelMeta } from "../src/runtime/model.js";

interface KerasCase {
  readonly name: string;
  readonly source: string;
  readonly layers: string[];
  readonly weight_names: string[];
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[][];
  readonly y: number[][];
  readonly predictions: number[][];
  readonly losses: number[];
  readonly weights_after: number[][];
  readonly output_shapes: Record<string, number[][]>;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "recurrent-state.json"), "utf8")) as { cases: KerasCase[] };
const BATCH = 4;
const specOf = (c: KerasCase) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;
/** One array, or one per model input / output. */
const arrays = (xs: number[][]) => (xs.length === 1 ? Float32Array.from(xs[0]!) : xs.map((v) => Float32Array.from(v))) as Float32Array;
const shapeText = (shapes: number[][]) => {
  const one = (s: number[]) => `(None, ${s.join(", ")})`;
  return shapes.length === 1 ? one(shapes[0]!) : `[${shapes.map(one).join(", ")}]`;
};

function matchesKeras(c: KerasCase, cls: ModelClass) {
  const m = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  // summary rows: Keras's model.layers order and output shapes (a list for a call with several outputs)
  // (from the summary's rows as data: the printed table cuts long names, as Keras does)
  // the rows are the interpreted model's (generated code ships only the summary text, which must be the same)
  const ref = new (interpreted(specOf(c))["K"]!)({ seed: 1 });
  expect(m.summary()).toBe(ref.summary());
  const rows = (ref as unknown as { meta: ModelMeta }).meta.layers!.map((l) => [l.name, shapeText((l.outputShapes ?? [l.outputShape]) as number[][])] as const);
  expect(rows.map((r) => r[0]), "layer order").toEqual(c.layers);
  for (const [name, shape] of rows) expect(shape, `${name} output shape`).toBe(shapeText(c.output_shapes[name]!));
  expect(m.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  const pred = m.predictBatch(arrays(c.x), BATCH) as Float32Array | Float32Array[];
  const preds = Array.isArray(pred) ? pred : [pred];
  c.predictions.forEach((p, k) => near(preds[k]!, p, `${c.name} prediction ${k}`, 1e-5));
  const losses = [0, 1, 2].map(() => m.trainOnBatch(arrays(c.x), arrays(c.y), BATCH));
  near(losses, c.losses, `${c.name} losses`);
  m.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after 3 steps`));
}

describe("return_state / initial_state against Keras 3", () => {
  const cases = fixture.cases.map((c) => [c.name, c] as const);
  it.each(cases)("%s: interpreter", (_n, c) => matchesKeras(c, interpreted(specOf(c))["K"]!));
  it.each(cases)("%s: generated code", async (_n, c) => matchesKeras(c, (await generated(specOf(c)))["K"]!));
});

/** [name, inputs, body, outputs (name and size)] */
const GRAD_CASES: [string, [string, number][], string, [string, number][]][] = [
  [
    "LSTM states into a decoder and out as an output",
    [["enc", 15], ["dec", 8]],
    `enc = Input(shape=(5, 3))
dec = Input(shape=(4, 2))
e = Dense(3, activation='tanh')(enc)
_, h, c = LSTM(3, return_state=True)(e)
d = LSTM(3, return_sequences=True)(dec, initial_state=[h, c])
y = Dense(2)(d)
Model(inputs=[enc, dec], outputs=[y, c])`,
    [["y", 8], ["c", 3]],
  ],
  [
    "GRU backwards sequences with its state into SimpleRNN",
    [["x", 12]],
    `x = Input(shape=(4, 3))
o, h = GRU(3, go_backwards=True, return_sequences=True, return_state=True)(x)
s = SimpleRNN(3)(x, initial_state=[h])
f = Flatten()(o)
j = Concatenate()([f, s, h])
y = Dense(2)(j)
Model(inputs=x, outputs=y)`,
    [["y", 2]],
  ],
  [
    "Bidirectional LSTM states, the same tensor as two initial states",
    [["x", 12]],
    `x = Input(shape=(4, 3))
seq, fh, fc, bh, bc = Bidirectional(LSTM(2, return_sequences=True, return_state=True), merge_mode='mul')(x)
_, g = GRU(2, return_state=True)(x)
o = Bidirectional(GRU(2), merge_mode='concat')(seq, initial_state=[g, g])
j = Concatenate()([o, fh, fc, bh, bc])
y = Dense(2)(j)
Model(inputs=x, outputs=y)`,
    [["y", 2]],
  ],
  [
    "Bidirectional with backward_layer: another kind (GRU) with sequences, and another activation with states in and out",
    [["x", 12]],
    `x = Input(shape=(4, 3))
s = Bidirectional(LSTM(2, return_sequences=True), backward_layer=GRU(2, go_backwards=True, return_sequences=True))(x)
_, h, c = LSTM(2, return_state=True)(s)
o, fh, fc, bh, bc = Bidirectional(LSTM(2, return_state=True), backward_layer=LSTM(2, activation='relu', go_backwards=True, return_state=True), merge_mode='ave')(s, initial_state=[h, c, c, h])
j = Concatenate()([o, fh, fc, bh, bc])
y = Dense(2)(j)
Model(inputs=x, outputs=y)`,
    [["y", 2]],
  ],
  [
    "Bidirectional merge_mode=None: both directions' sequences and states as tensors",
    [["x", 12]],
    `x = Input(shape=(4, 3))
f, b, fh, bh = Bidirectional(GRU(2, return_sequences=True, return_state=True), merge_mode=None)(x)
m = Multiply()([f, b])
g = Flatten()(m)
j = Concatenate()([g, bh])
y = Dense(2)(j)
Model(inputs=x, outputs=[y, fh])`,
    [["y", 2], ["fh", 2]],
  ],
  [
    "dropout and recurrent_dropout with states in and out",
    [["x", 12]],
    `x = Input(shape=(4, 3))
f = Flatten()(x)
h0 = Dense(3, activation='tanh')(f)
_, h, c = LSTM(3, dropout=0.3, recurrent_dropout=0.4, return_state=True)(x, initial_state=[h0, h0])
a = Add()([h, c])
y = Dense(2)(a)
Model(inputs=x, outputs=y)`,
    [["y", 2]],
  ],
];

describe("gradients through states match finite differences; generated code takes the same step", () => {
  it.each(GRAD_CASES)("%s", async (_name, inputs, body, outputs) => {
    const source = `model S(seed=3, dtype=float64) {\n${body
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")}\n  compile(optimizer=SGD(learning_rate=1.0), loss='mse')\n}\n`;
    const rng = new Rng(5);
    const batch = 2;
    const xs = inputs.map(([, n]) => randomArray(rng, batch * n, 1.2));
    const ys = outputs.map(([, n]) => randomArray(rng, batch * n));
    const x = (xs.length === 1 ? xs[0] : xs) as Float32Array;
    const y = (ys.length === 1 ? ys[0] : ys) as Float32Array;
    const cls = interpreted(source)["S"]!;
    const theta = flat(new cls({ seed: 3 }).getWeights());
    const { grad, after } = gradient(cls, 3, theta, x, y, batch);
    expect(grad.some((g) => Math.abs(g) > 1e-6)).toBe(true);
    const numeric = numericGradient(cls, 3, theta, x, y, batch);
    const [err, at] = maxRelError(grad, numeric, 1e-3);
    expect(err, `component ${at}: analytic ${grad[at]} numeric ${numeric[at]}`).toBeLessThan(1e-5);
    for (const unroll of ["auto", "loops"] as const) {
      const gen = (await generated(source, unroll))["S"]!;
      const [gerr, gat] = maxRelError(gradient(gen, 3, theta, x, y, batch).after, after, 1);
      expect(gerr, `${unroll}: weight ${gat}`).toBeLessThan(1e-9);
    }
  });
});

describe("several outputs in the model API", () => {
  it("predict returns every listed output, states included", () => {
    const cls = interpreted(`model P {
  x = Input(shape=(3, 2))
  seq, h, c = LSTM(2, return_sequences=True, return_state=True)(x)
  Model(inputs=x, outputs=[seq, h, c])
}`)["P"]!;
    const m = new cls({ seed: 1 });
    const out = m.predictBatch(Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]), 1) as unknown as Float32Array[];
    expect(out.map((o) => o.length)).toEqual([6, 2, 2]);
    // without return_sequences' last step being h, the last step of seq is h
    expect(Array.from(out[0]!.slice(4))).toEqual(Array.from(out[1]!));
    expect(Array.from(out[2]!).every((v) => Number.isFinite(v) && v !== 0)).toBe(true);
  });
});

describe("unpacking in the language", () => {
  it("parses `a, b = …` as one assignment and keeps `Flatten, Dense(4)` two statements; fmt prints it back", () => {
    const src = "model M {\n  x = Input(shape=(4, 3))\n  seq,h ,  c = LSTM(8, return_sequences=True, return_state=True)(x)\n  Model(inputs=x, outputs=[seq, c])\n}\nmodel S { Input(shape=(3,)), Flatten, Dense(4) }\n";
    const parsed = parseSource(src);
    expect(parsed.diagnostics).toEqual([]);
    const [m, s] = parsed.ast.models;
    const stmt = m!.statements[1]!;
    expect(stmt.kind === "Assign" ? stmt.targets?.map((t) => t.name) : undefined).toEqual(["seq", "h", "c"]);
    expect(s!.statements.map((x) => (x.kind === "Call" ? x.callee.name : "="))).toEqual(["Input", "Flatten", "Dense"]);
    const text = formatSpec(src).text ?? "";
    expect(text).toContain("  seq, h, c = LSTM(8, return_sequences=True, return_state=True)(x)\n");
    expect(formatSpec(text).text).toBe(text);
    expect(check(src).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("return_state in a Sequential model and unpacking in pasted Sequential code are errors", () => {
    const codes = (src: string) => check(src).diagnostics.map((d) => d.code);
    expect(codes("model S {\n  Input(shape=(4, 3))\n  GRU(2, return_state=True)\n}\n")).toContain("rnn_return_state");
    expect(codes("model S {\n  Input(shape=(4, 3))\n  Bidirectional(GRU(2, return_state=True))\n}\n")).toContain("rnn_return_state");
    expect(codes("model S {\n  Input(shape=(4, 3))\n  Bidirectional(GRU(2), merge_mode=None)\n}\n")).toContain("rnn_return_state");
    expect(codes("model S {\n  a, b = (1, 2)\n  model = keras.Sequential([keras.Input(shape=(3,)), Dense(a)])\n}\n")).toContain("statement_unsupported");
    // one name for three outputs, three names for one output
    expect(codes("model F {\n  x = Input(shape=(4, 3))\n  y = LSTM(2, return_state=True)(x)\n}\n")).toContain("layer_outputs_unpack");
    expect(codes("model F {\n  x = Input(shape=(4, 3))\n  y, h = LSTM(2)(x)\n}\n")).toContain("layer_outputs_unpack");
    // initial_state of the wrong count, and on a layer that takes none
    expect(codes("model F {\n  x = Input(shape=(4, 3))\n  _, h, c = LSTM(2, return_state=True)(x)\n  y = LSTM(2)(x, initial_state=[h])\n}\n")).toContain("layer_call_args");
    expect(codes("model F {\n  x = Input(shape=(4, 3))\n  _, h = GRU(2, return_state=True)(x)\n  y = Dense(2)(x, initial_state=[h])\n}\n")).toContain("layer_call_args");
  });
});
