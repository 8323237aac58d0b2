/**
 * Metrics on an output that carries a mask, and sparse labels per timestep
 * (issue 12), against real Keras 3 (test/keras/masked-metrics.json, written
 * by test/keras/gen_masked_metrics.py): evaluate over two batches, the fit
 * history of two epochs (Keras's masked metrics: see the generator for why
 * JAX's own fit logs are not the oracle), the weights after fit, and
 * evaluate again — in the interpreter and in generated code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { near } from "./helpers/keras-fixture.js";
import { generated, interpreted, type ModelClass } from "./helpers/models.js";

interface KerasCase {
  readonly name: string;
  readonly source: string;
  readonly weight_names: string[];
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[];
  readonly y: number[][];
  readonly evaluate: Record<string, number>;
  readonly fit_history: Record<string, number>[];
  readonly weights_after: number[][];
  readonly evaluate_after: Record<string, number>;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "masked-metrics.json"), "utf8")) as { cases: KerasCase[] };
const N = 5;
const specOf = (c: KerasCase) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;

type Logs = Record<string, number>;
interface Trainable {
  getWeights(): { name: string; data: Float32Array }[];
  evaluate(x: Float32Array, y: unknown, options?: object): Logs;
  fit(x: Float32Array, y: unknown, options?: object): { history: Record<string, number[]> };
}

function sameLogs(actual: Logs, expected: Logs, what: string): void {
  expect(Object.keys(actual).sort(), what).toEqual(Object.keys(expected).sort());
  for (const k of Object.keys(expected)) near([actual[k]!], [expected[k]!], `${what} ${k}`);
}

function matchesKeras(c: KerasCase, cls: ModelClass) {
  const m = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) }) as unknown as Trainable;
  expect(m.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  const x = Float32Array.from(c.x);
  const ys = c.y.map((t) => Float32Array.from(t));
  const y = ys.length === 1 ? ys[0] : ys;
  sameLogs(m.evaluate(x, y, { batchSize: 3 }), c.evaluate, `${c.name} evaluate`);
  const { history } = m.fit(x, y, { epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
  c.fit_history.forEach((logs, e) =>
    sameLogs(Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v[e]!])), logs, `${c.name} fit epoch ${e + 1}`),
  );
  m.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after fit`));
  sameLogs(m.evaluate(x, y, { batchSize: 3 }), c.evaluate_after, `${c.name} evaluate after fit`);
}

describe("metrics on masked outputs and sparse labels per timestep, against Keras 3", () => {
  const cases = fixture.cases.map((c) => [c.name, c] as const);
  it.each(cases)("%s: interpreter", (_n, c) => matchesKeras(c, interpreted(specOf(c))["K"]!));
  // generated code for the cases that cover its paths (mask handed over, per-timestep sparse ids, two heads)
  const distinct = new Set(["categorical_sequence", "sparse_sequence", "two_outputs_one_masked"]);
  it.each(cases.filter(([n]) => distinct.has(n)))("%s: generated code", async (_n, c) => matchesKeras(c, (await generated(specOf(c)))["K"]!));
});

describe("sparse labels per timestep: validated before anything runs", () => {
  const spec = `model T(seed=1) {
  Input(shape=(4, 3))
  SimpleRNN(5, return_sequences=True)
  Dense(3, activation='softmax')
  compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
}`;
  it("takes one class id per position, names a bad one by sample and position, and refuses classWeight", () => {
    const m = new (interpreted(spec)["T"]!)({ seed: 1 });
    const before = m.getWeights().map((w) => Array.from(w.data));
    const x = new Float32Array(2 * 12).fill(0.5);
    expect(() => m.trainOnBatch(x, new Float32Array(2), 2)).toThrow(/2 × 4 class ids \(one per position of shape \(4,\)\)/);
    expect(() => m.trainOnBatch(x, Float32Array.from([0, 1, 2, 1, 0, 3, 1, 1]), 2)).toThrow(/label 5 \(sample 1, position 1\) is 3; sparse labels must be integer class ids in \[0, 3\)/);
    expect(() => m.fit(x, new Float32Array(8), { classWeight: { 0: 2 }, verbose: 0 })).toThrow(/classWeight is not supported with sparse labels per position/);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(Number.isFinite(m.trainOnBatch(x, Float32Array.from([0, 1, 2, 1, 0, 2, 1, 1]), 2))).toBe(true);
  });
});
