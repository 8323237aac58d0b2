/**
 * Functional models against real Keras 3 (test/keras/functional.json, made
 * by test/keras/gen_functional.py): the same model text builds both. Weight
 * names and order must be Keras's `model.weights`; predictions must agree
 * to 1e-5 and three SGD steps (total loss, then every weight) to 1e-4, in
 * the interpreter and in generated code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generated, interpreted, type ModelClass } from "./helpers/models.js";
import type { ModelMeta } from "../src/runtime/model.js";

interface Case {
  readonly name: string;
  readonly source: string;
  readonly inputs: string[];
  readonly layers: string[];
  readonly weight_names: string[];
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[][];
  readonly y: number[][];
  readonly predictions: number[][];
  readonly losses: number[];
  readonly weights_after: number[][];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "functional.json"), "utf8")) as { cases: Case[] };
const BATCH = 4;

const spec = (c: Case) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;

function closeTo(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    expect(diff, `${what}[${i}]: ${actual[i]} vs Keras ${expected[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

/** The summary's layer column of the layerc model: Keras's model.layers order. */
function layerOrder(c: Case): string[] {
  const m = new (interpreted(spec(c))["K"]!)({ seed: 1 });
  // (the summary's rows themselves: a long name is cut there, as Keras cuts it)
  return (m as unknown as { meta: ModelMeta }).meta.layers!.map((l) => l.name);
}

/** A model input or target argument: one array, or one per input/output. */
const arg = (xs: number[][]) => (xs.length === 1 ? Float32Array.from(xs[0]!) : xs.map((x) => Float32Array.from(x)));

function against(c: Case, cls: ModelClass) {
  // Keras's model.layers, InputLayers included: the IR orders layers (and weights) the same way
  expect(layerOrder(c), "layer order").toEqual(c.layers);
  const m = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  expect(m.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  expect(m.getWeights().map((w) => w.shape)).toEqual(c.weight_shapes);
  const pred = m.predictBatch(arg(c.x) as Float32Array, BATCH) as Float32Array | Float32Array[];
  const preds = Array.isArray(pred) ? pred : [pred];
  c.predictions.forEach((p, k) => closeTo(preds[k]!, p, 1e-5, `${c.name} prediction ${k}`));
  const losses = [0, 1, 2].map(() => m.trainOnBatch(arg(c.x) as Float32Array, arg(c.y) as Float32Array, BATCH));
  closeTo(losses, c.losses, 1e-4, `${c.name} losses`);
  m.getWeights().forEach((w, k) => closeTo(w.data, c.weights_after[k]!, 1e-4, `${c.name} ${w.name} after 3 steps`));
}

const cases = fixture.cases;

describe("functional models against Keras 3", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: interpreter", (_name, c) => against(c, interpreted(spec(c))["K"]!));
  it.each(cases.map((c) => [c.name, c] as const))("%s: generated code", async (_name, c) => against(c, (await generated(spec(c)))["K"]!));
});
