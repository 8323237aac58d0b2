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
