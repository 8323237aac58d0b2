/**
 * Layers that use or combine masks (issue 12): BatchNormalization (training
 * moments over unmasked steps), the merge layers (Keras 3's mask OR and the
 * substitutions of Multiply/Maximum/Minimum, Concatenate along features and
 * time), Dot (takes a mask silently, drops it) and Bidirectional
 * merge_mode=None (both outputs masked).
 *
 * - against real Keras 3 (test/keras/masked-layers.json, written by
 *   test/keras/gen_masked_layers.py): predictions (1e-5), three training
 *   steps (1e-4), interpreter and generated code;
 * - finite differences (float64) through masked merges and a masked
 *   BatchNormalization, generated code taking the interpreter's step.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { near } from "./helpers/keras-fixture.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, randomArray, type ModelClass } from "./helpers/models.js";

interface KerasCase {
  readonly name: string;
  readonly source: string;
  readonly weight_names: string[];
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[][];
  readonly y: number[];
  readonly predictions: number[];
  readonly losses: number[];
  readonly weights_after: number[][];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "masked-layers.json"), "utf8")) as { cases: KerasCase[] };
const BATCH = 4;
const indent = (body: string) => body.split("\n").map((l) => `  ${l}`).join("\n");
const specOf = (c: KerasCase) => `model K {\n${indent(c.source)}\n}\n`;

type Multi = { predictBatch(x: Float32Array[], n: number): Float32Array; trainOnBatch(x: Float32Array[], y: Float32Array, n: number): number };

function matchesKeras(c: KerasCase, cls: ModelClass) {
  const model = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  expect(model.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  const m = model as unknown as Multi;
  const xs = c.x.map((x) => Float32Array.from(x));
  near(m.predictBatch(xs, BATCH), c.predictions, `${c.name} predictions`, 1e-5);
  const losses = [0, 1, 2].map(() => m.trainOnBatch(xs, Float32Array.from(c.y), BATCH));
  near(losses, c.losses, `${c.name} losses`);
  model.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after 3 steps`));
}

describe("masks in BatchNormalization, merges and Bidirectional(merge_mode=None), against Keras 3", () => {
  const cases = fixture.cases.map((c) => [c.name, c] as const);
  it.each(cases)("%s: interpreter", (_n, c) => matchesKeras(c, interpreted(specOf(c))["K"]!));
  // generated code for the cases whose kernels differ (each compile costs ~0.5 s; the gradient cases below compare all of them too)
  const distinct = new Set(["subtract_masked_sequence_output", "multiply_one_masked", "maximum_three", "concatenate_time_one_masked", "batch_normalization_masked", "bidirectional_none_both_outputs_masked"]);
  it.each(cases.filter(([n]) => distinct.has(n)))("%s: generated code", async (_n, c) => matchesKeras(c, (await generated(specOf(c)))["K"]!));
});

const IDS = [
  [3, 1, 4, 0, 0, 5, 9, 2, 6, 5, 0, 0, 5, 8, 9],
  [2, 0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 0, 5, 0, 9],
];

/** [name, body between the two masked embeddings (ea, eb over inputs a, b) and the Dense(2) head on `h`] */
const GRAD_CASES: [string, string][] = [
  ["Maximum of three (ties between ea and itself), one unmasked", "u = Embedding(10, 3)(b)\nm = Maximum()([ea, eb, u, ea])\nh = LSTM(2)(m)"],
  ["Minimum of two masked, Multiply of masked and unmasked", "u = Embedding(10, 3)(b)\nn = Minimum()([ea, eb])\nm = Multiply()([n, u])\nh = GRU(2)(m)"],
  ["Multiply both masked, Concatenate along time", "m = Multiply()([ea, eb])\nc = Concatenate(axis=1)([m, ea])\nh = SimpleRNN(2)(c)"],
  ["BatchNormalization with a mask in training (momentum 1: the moving statistics stay, so every change is a gradient)", "d = Dense(3)(ea)\nn = BatchNormalization(momentum=1.0)(d)\ns = Subtract()([n, eb])\nh = LSTM(2)(s)"],
];

describe("gradients through masked merges and BatchNormalization match finite differences; generated code takes the same step", () => {
  it.each(GRAD_CASES)("%s", async (_name, body) => {
    const source = `model S(seed=3, dtype=float64) {\n${indent(`a = Input(shape=(5,))\nb = Input(shape=(5,))\nea = Embedding(10, 3, mask_zero=True)(a)\neb = Embedding(10, 3, mask_zero=True)(b)\n${body}\ny = Dense(2)(h)\nModel(inputs=[a, b], outputs=y)`)}\n  compile(optimizer=SGD(learning_rate=1.0), loss='mse')\n}\n`;
    const rng = new Rng(9);
    const batch = 3;
    // the two inputs (trainOnBatch takes one array per input)
    const xa = Float32Array.from(IDS[0]!);
    const xb = Float32Array.from(IDS[1]!);
    const y = randomArray(rng, batch * 2);
    const cls = interpreted(source)["S"]!;
    const packed = [xa, xb] as unknown as Float32Array;
    const theta = flat(new cls({ seed: 3 }).getWeights());
    const { grad, after } = gradient(cls, 3, theta, packed, y, batch);
    expect(grad.some((g) => Math.abs(g) > 1e-6)).toBe(true);
    const numeric = numericGradient(cls, 3, theta, packed, y, batch);
    const [err, at] = maxRelError(grad, numeric, 1e-3);
    expect(err, `component ${at}: analytic ${grad[at]} numeric ${numeric[at]}`).toBeLessThan(1e-5);
    for (const unroll of ["auto", "loops"] as const) {
      const gen = (await generated(source, unroll))["S"]!;
      const [gerr, gat] = maxRelError(gradient(gen, 3, theta, packed, y, batch).after, after, 1);
      expect(gerr, `${unroll}: weight ${gat}`).toBeLessThan(1e-9);
    }
  });
});

describe("mask diagnostics", () => {
  it("Dot takes a mask without a warning; a merge of masked inputs of different shapes is refused", () => {
    const dot = check(`model D {\n  a = Input(shape=(4,))\n  e = Embedding(10, 3, mask_zero=True)(a)\n  f = Embedding(10, 3)(a)\n  d = Dot(axes=2)([e, f])\n  y = Dense(1)(d)\n  Model(inputs=a, outputs=y)\n}\n`, { fileName: "d.nn" });
    expect(dot.diagnostics.map((d) => d.code)).toEqual([]);
    const broadcast = check(`model B {\n  a = Input(shape=(4,))\n  e = Embedding(10, 3, mask_zero=True)(a)\n  f = Dense(1)(e)\n  s = Add()([e, f])\n  y = Dense(1)(s)\n  Model(inputs=a, outputs=y)\n}\n`, { fileName: "b.nn" });
    expect(broadcast.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([expect.stringMatching(/^mask_unsupported: .*different shapes/)]);
  });
});
