/**
 * Shared by the Keras 3 fixture tests (test/training/keras-*.test.ts): the
 * fixture file, the small network every case uses, and the 1e-4 comparison.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

/** test/keras/training.json, written by test/keras/gen_training.py. */
export function trainingFixture<T>(): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, "..", "keras", "training.json"), "utf8")) as T;
}

/** The fixture network: 3 inputs → Dense(4, tanh) → Dense(units, activation), then `compile`. */
export const fixtureModel = (name: string, units: number, activation: string, compile: string) => `model ${name} {
  Input(shape=(3,))
  Dense(4, activation='tanh')
  Dense(${units}, activation='${activation}')
  ${compile}
}`;

/** Every value within `tol`, relative above 1 and absolute below. */
export function near(actual: ArrayLike<number>, expected: readonly number[], what: string, tol = 1e-4): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) expect.fail(`${what}[${i}]: ${a} vs Keras ${e}`);
  }
}

/** A case of a steps fixture (test/keras/steps_fixture.py): a functional model body, its weights, inputs, predictions, three training steps. */
export interface KerasStepsCase {
  readonly name: string;
  readonly source: string;
  readonly weight_names: string[];
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[];
  readonly y: number[];
  readonly predictions: number[];
  readonly losses: number[];
  readonly weights_after: number[][];
}

/** The cases of test/keras/<file>. */
export const stepsFixture = (file: string): KerasStepsCase[] => (JSON.parse(readFileSync(join(import.meta.dirname, "..", "keras", file), "utf8")) as { cases: KerasStepsCase[] }).cases;

/** The case's model as a spec named K. */
export const stepsSpec = (c: KerasStepsCase) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;

interface StepsModel {
  readonly usesWasm: boolean;
  getWeights(): { readonly name: string; readonly data: ArrayLike<number> }[];
  predictBatch(x: Float32Array, n: number): unknown;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
}

/**
 * Built from the case's weights (with native kernels or on the TypeScript
 * fallback, `wasm`), the model predicts what Keras did (1e-5) and takes
 * the same three training steps (1e-4: losses, then every weight).
 */
export function matchesKerasSteps(c: KerasStepsCase, cls: new (o: object) => StepsModel, wasm: boolean, batch: number): void {
  const m = new cls({ wasm, weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  expect(m.usesWasm).toBe(wasm);
  expect(m.getWeights().map((w) => w.name)).toEqual(c.weight_names);
  const x = Float32Array.from(c.x);
  near(m.predictBatch(x, batch) as Float32Array, c.predictions, `${c.name} predictions`, 1e-5);
  const losses = [0, 1, 2].map(() => m.trainOnBatch(x, Float32Array.from(c.y), batch));
  near(losses, c.losses, `${c.name} losses`);
  m.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after 3 steps`));
}
