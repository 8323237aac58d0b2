/**
 * Finite-difference gradient check over every trainable weight, for spec
 * sources compiled with SGD(learning_rate=1.0) and dtype=float64: the exact
 * gradient comes from one SGD step, the numeric one from central
 * differences of the training loss. `x` is given, so token ids can be used.
 */
import { expect } from "vitest";
import { flat, gradient, maxRelError, numericGradient, type ModelClass } from "./models.js";

export async function gradcheckWith(cls: ModelClass, label: string, x: Float32Array, y: Float32Array, batch: number, tolerance = 1e-5): Promise<void> {
  const proto = new cls({ seed: 5 });
  const theta = flat(proto.getWeights());
  const trainable: boolean[] = [];
  for (const w of proto.getWeights()) for (let i = 0; i < w.data.length; i++) trainable.push(!/moving_(mean|variance)$/.test(w.name));
  const { grad } = gradient(cls, 5, theta, x, y, batch);
  const numeric = numericGradient(cls, 5, theta, x, y, batch);
  const g = grad.filter((_, i) => trainable[i]);
  const n = numeric.filter((_, i) => trainable[i]);
  expect(g.length).toBeGreaterThan(0);
  expect(g.some((v) => Math.abs(v) > 1e-6), `${label}: gradient is not trivially zero`).toBe(true);
  const [err, at] = maxRelError(g, n, 1e-3);
  expect(err, `${label} component ${at}: analytic ${g[at]} numeric ${n[at]}`).toBeLessThan(tolerance);
}
