/**
 * GRU(reset_after=False) (issue 12): Keras 2's "reset before" GRU,
 * ĥ = act(x·W_h + b_h + (r ⊙ h)·U_h) with one (3u) bias row.
 *
 * - against real Keras 3 (test/keras/gru-reset-before.json, written by
 *   test/keras/gen_gru_reset_before.py): weight names and shapes,
 *   predictions (1e-5), three training steps (1e-4), interpreter and
 *   generated code;
 * - finite differences (float64, every weight) with dropout and
 *   recurrent_dropout (per-gate masks), masks, states in and out;
 *   generated code (auto and loops) taking the interpreter's step.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { near, stepsFixture, stepsSpec, type KerasStepsCase } from "./helpers/keras-fixture.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, randomArray, type ModelClass } from "./helpers/models.js";

const cases = stepsFixture("gru-reset-before.json").map((c) => [c.name, c] as const);
const BATCH = 4;
const indent = (body: string) => body.split("\n").map((l) => `  ${l}`).join("\n");

function matchesKeras(c: KerasStepsCase, cls: ModelClass) {
  const m = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  expect(m.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  expect(m.getWeights().map((w) => w.shape)).toEqual(c.weight_shapes);
  const x = Float32Array.from(c.x);
  near(m.predictBatch(x, BATCH) as Float32Array, c.predictions, `${c.name} predictions`, 1e-5);
  const losses = [0, 1, 2].map(() => m.trainOnBatch(x, Float32Array.from(c.y), BATCH));
  near(losses, c.losses, `${c.name} losses`);
  m.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after 3 steps`));
}

describe("GRU(reset_after=False) against Keras 3", () => {
  it.each(cases)("%s: interpreter", (_n, c) => matchesKeras(c, interpreted(stepsSpec(c))["K"]!));
  // generated code for two cases (each compile costs ~0.5 s under load); the gradient cases below compare generated code too
  const distinct = new Set(["gru_reset_before_sequences_backwards_no_bias", "gru_reset_before_states_bidirectional"]);
  it.each(cases.filter(([n]) => distinct.has(n)))("%s: generated code", async (_n, c) => matchesKeras(c, (await generated(stepsSpec(c)))["K"]!));
});

const IDS = [3, 1, 4, 0, 0, 5, 9, 2, 6, 5, 0, 0, 5, 8, 9];

/** [name, body from x (ids, batch 3 × 5 steps) to `h`, output size] */
const GRAD_CASES: [string, string, number][] = [
  ["dropout and recurrent_dropout (per-gate masks), sequences, backwards", "e = Embedding(10, 3)(x)\nh = GRU(4, reset_after=False, dropout=0.3, recurrent_dropout=0.4, return_sequences=True, go_backwards=True)(e)", 20],
  ["masked, states in and out", "e = Embedding(10, 3, mask_zero=True)(x)\ns, hs = GRU(3, reset_after=False, return_sequences=True, return_state=True)(e)\nh = GRU(2, reset_after=False, recurrent_dropout=0.25)(s, initial_state=[Dense(2)(hs)])", 2],
];

describe("GRU(reset_after=False) gradients match finite differences; generated code takes the same step", () => {
  it.each(GRAD_CASES)("%s", async (_name, body, outSize) => {
    const source = `model S(seed=3, dtype=float64) {\n${indent(`x = Input(shape=(5,))\n${body}\ny = Dense(${outSize === 20 ? 4 : 2})(h)\nModel(inputs=x, outputs=y)`)}\n  compile(optimizer=SGD(learning_rate=1.0), loss='mse')\n}\n`;
    const rng = new Rng(11);
    const batch = 3;
    const x = Float32Array.from(IDS);
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

describe("a large GRU(reset_after=False) runs its gated products as native kernels", () => {
  it("generated code (WebAssembly SIMD products) agrees with the interpreter on predict and a training step", async () => {
    const source = `model L(seed=5) {\n  Input(shape=(12, 16))\n  GRU(48, reset_after=False, return_sequences=True)\n  GRU(40, reset_after=False)\n  Dense(3)\n  compile(optimizer=SGD(learning_rate=0.1), loss='mse')\n}\n`;
    const gen = (await generated(source))["L"]!;
    const code = (await import("../src/index.js")).compile(source, { fileName: "l.nn" });
    const text = (await code).code!;
    expect(text).toMatch(/k\.\w*recurrent_gated\(/);
    expect(text).toMatch(/k\.\w*gated_grad\(/);
    const rng = new Rng(2);
    const batch = 5;
    const x = randomArray(rng, batch * 12 * 16);
    const y = randomArray(rng, batch * 3);
    const a = new (interpreted(source)["L"]!)({ seed: 5 });
    const b = new gen({ seed: 5 });
    const [pa, pb] = [a.predictBatch(x, batch) as Float32Array, b.predictBatch(x, batch) as Float32Array];
    expect(maxRelError(pa, pb, 1e-3)[0]).toBeLessThan(1e-4);
    expect(Math.abs(a.trainOnBatch(x, y, batch) - b.trainOnBatch(x, y, batch))).toBeLessThan(1e-5);
    expect(maxRelError(flat(a.getWeights()), flat(b.getWeights()), 1e-3)[0]).toBeLessThan(1e-4);
  });
});
