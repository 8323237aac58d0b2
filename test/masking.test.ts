/**
 * Keras 3 masking (issue 12): `Embedding(mask_zero=True)` and
 * `Masking(mask_value=…)` make a mask; SimpleRNN/LSTM/GRU and Bidirectional
 * skip masked steps (state and output carried through), GlobalAveragePooling1D
 * averages over unmasked steps, Dense and return_sequences RNNs carry the mask on.
 *
 * - against real Keras 3 (test/keras/masking.json, written by
 *   test/keras/gen_masking.py): predictions (1e-5), three training steps
 *   (1e-4), in the interpreter and in generated code;
 * - finite differences (float64) through masked recurrences and a masked
 *   loss (Keras 3 weights each timestep of a masked output), and generated
 *   code (auto and loops) taking the same step as the interpreter;
 * - a Sequential spec computes what its functional twin does.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { near, stepsFixture, stepsSpec, type KerasStepsCase } from "./helpers/keras-fixture.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, randomArray, type ModelClass } from "./helpers/models.js";

const cases = stepsFixture("masking.json").map((c) => [c.name, c] as const);
const BATCH = 4;

function matchesKeras(c: KerasStepsCase, cls: ModelClass) {
  const m = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  expect(m.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  const x = Float32Array.from(c.x);
  near(m.predictBatch(x, BATCH) as Float32Array, c.predictions, `${c.name} predictions`, 1e-5);
  const losses = [0, 1, 2].map(() => m.trainOnBatch(x, Float32Array.from(c.y), BATCH));
  near(losses, c.losses, `${c.name} losses`);
  m.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after 3 steps`));
}

describe("masking against Keras 3", () => {
  it.each(cases)("%s: interpreter", (_n, c) => matchesKeras(c, interpreted(stepsSpec(c))["K"]!));
  it.each(cases)("%s: generated code", async (_n, c) => matchesKeras(c, (await generated(stepsSpec(c)))["K"]!));
});

const IDS = [3, 1, 4, 0, 0, 5, 9, 2, 6, 5, 0, 0, 5, 8, 9, 9, 0, 3, 0, 2];

/** [name, body, input (ids, or float steps with masked rows), output size] */
const GRAD_CASES: [string, string, "ids" | "steps", number][] = [
  [
    "Masking → Dense → LSTM backwards sequences → GRU",
    `x = Input(shape=(5, 3))
m = Masking()(x)
d = Dense(3, activation='tanh')(m)
s = LSTM(2, return_sequences=True, go_backwards=True)(d)
h = GRU(2)(s)
y = Dense(1)(h)`,
    "steps",
    1,
  ],
  [
    "Embedding(mask_zero) → Bidirectional GRU → GlobalAveragePooling1D",
    `x = Input(shape=(5,))
e = Embedding(10, 3, mask_zero=True)(x)
s = Bidirectional(GRU(2, return_sequences=True), merge_mode='mul')(e)
p = GlobalAveragePooling1D()(s)
y = Dense(2)(p)`,
    "ids",
    2,
  ],
  [
    "masked SimpleRNN and LSTM with dropout, states out",
    `x = Input(shape=(5,))
e = Embedding(10, 3, mask_zero=True)(x)
r = SimpleRNN(3, return_sequences=True, dropout=0.2)(e)
_, h, c = LSTM(2, recurrent_dropout=0.3, return_state=True)(r)
a = Add()([h, c])
y = Dense(2)(a)`,
    "ids",
    2,
  ],
  [
    "a masked sequence output: the loss weighted per timestep",
    `x = Input(shape=(5, 3))
m = Masking()(x)
s = LSTM(2, return_sequences=True)(m)
y = Dense(2)(s)`,
    "steps",
    10,
  ],
];

function inputOf(kind: "ids" | "steps", rng: Rng, batch: number): Float32Array {
  if (kind === "ids") return Float32Array.from(IDS.slice(0, batch * 5));
  const x = randomArray(rng, batch * 15, 1.2);
  // masked steps (all zero): the end of sample 0, the start and middle of sample 1
  for (const [b, t] of [[0, 4], [0, 3], [1, 0], [1, 2]] as const) x.fill(0, b * 15 + t * 3, b * 15 + t * 3 + 3);
  return x;
}

describe("gradients through masked recurrences match finite differences; generated code takes the same step", () => {
  it.each(GRAD_CASES)("%s", async (_name, body, kind, outSize) => {
    const source = `model S(seed=3, dtype=float64) {\n${body
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")}\n  compile(optimizer=SGD(learning_rate=1.0), loss='mse')\n}\n`;
    const rng = new Rng(9);
    const batch = 4;
    const x = inputOf(kind, rng, batch);
    const y = randomArray(rng, batch * outSize);
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

describe("masks in both model styles", () => {
  it("a Sequential stack masks as its functional twin does, and padding changes nothing", () => {
    const seq = interpreted(`model A(seed=4) {
  Input(shape=(6,))
  Embedding(10, 4, mask_zero=True)
  LSTM(3)
  Dense(2)
}`)["A"]!;
    const fun = interpreted(`model B(seed=4) {
  x = Input(shape=(6,))
  e = Embedding(10, 4, mask_zero=True)(x)
  h = LSTM(3)(e)
  y = Dense(2)(h)
}`)["B"]!;
    const a = new seq({ seed: 4 });
    const b = new fun({ weights: a.getWeights() });
    const x = Float32Array.from([3, 1, 4, 0, 0, 0, 0, 3, 0, 1, 4, 0]);
    const pa = a.predictBatch(x, 2) as Float32Array;
    expect(Array.from(b.predictBatch(x, 2) as Float32Array)).toEqual(Array.from(pa));
    // the second sample is the first with padding moved around: masked steps are skipped, so the outputs agree
    expect(Math.abs(pa[0]! - pa[2]!)).toBeLessThan(1e-6);
    expect(Math.abs(pa[1]! - pa[3]!)).toBeLessThan(1e-6);
    // without mask_zero the padding is read as token 0
    const plain = new (interpreted(`model C(seed=4) {
  Input(shape=(6,))
  Embedding(10, 4)
  LSTM(3)
  Dense(2)
}`)["C"]!)({ weights: a.getWeights() });
    const pc = plain.predictBatch(x, 2) as Float32Array;
    expect(Math.abs(pc[0]! - pc[2]!)).toBeGreaterThan(1e-4);
  });

  it("Masking zeroes masked steps and passes others through", () => {
    const cls = interpreted(`model M {
  Input(shape=(3, 2))
  Masking(mask_value=0.5)
}`)["M"]!;
    const out = new cls({ seed: 1 }).predictBatch(Float32Array.from([0.5, 0.5, 0.5, 1, -2, 0.5]), 1) as Float32Array;
    expect(Array.from(out)).toEqual([0, 0, 0.5, 1, -2, 0.5]);
  });
});
