/**
 * Exact gradients of two implementations of one model (e.g. generated code
 * with native kernels and the interpreter) at the same random parameters:
 * the loss to 1e-12 and every gradient to 1e-10 relative (float64 models,
 * where summation order is the only difference).
 */
import { expect } from "vitest";
import { Rng } from "../../src/runtime/random.js";
import { flat, gradient, maxRelError, randomArray, randomTargets, type ModelClass } from "./models.js";

export function expectSameGradients(G: ModelClass, I: ModelClass, seed: number, rng: Rng, n: number, spread = 1): void {
  const theta = flat(new I({ seed }).getWeights()).map(() => (rng.uniform() - 0.5) * spread);
  const x = randomArray(rng, n * G.inputShape.reduce((a, b) => a * b, 1), 1);
  const y = randomTargets(rng, "mse", n, G.outputShape);
  const gn = gradient(G, seed, theta, x, y, n);
  const gi = gradient(I, seed, theta, x, y, n);
  expect(Math.abs(gn.loss - gi.loss)).toBeLessThan(1e-12);
  expect(maxRelError(gn.grad, gi.grad)[0]).toBeLessThan(1e-10);
}
