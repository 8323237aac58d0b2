/**
 * Finite-difference gradient checks over the public class interface:
 * Input(shape) → Dense(3, tanh) on the last axis → the layers under test,
 * mse on random targets, float64, SGD(learning_rate=1) so one step reads
 * the exact gradient. The Dense in front makes the layers' input gradient
 * part of what is checked.
 */
import { expect } from "vitest";
import type { ModelClass } from "./models.js";
import { Rng } from "../../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, prod, randomArray, randomTargets, type Unroll } from "./models.js";

const tuple = (s: readonly number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

export type Backend = "interpreter" | Unroll;

export async function load(source: string, backend: Backend): Promise<ModelClass> {
  return (backend === "interpreter" ? interpreted(source) : await generated(source, backend))["M"]!;
}

/** Input(shape) → Dense(3, tanh) on the last axis → `layers`; mse on random targets. */
export async function gradcheck(input: readonly number[], layers: readonly string[], backends: readonly Backend[], seed = 7) {
  const source = `model M(seed=3, dtype=float64) {
  Input(shape=${tuple(input)})
  Dense(3, activation='tanh', bias_initializer=RandomNormal(stddev=0.3))
${layers.map((l) => `  ${l}\n`).join("")}  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}`;
  const rng = new Rng(seed);
  const batch = 2;
  const x = randomArray(rng, batch * prod(input), 1.5);
  let y: Float32Array | undefined;
  for (const backend of backends) {
    const cls = await load(source, backend);
    y ??= randomTargets(rng, "mse", batch, cls.outputShape);
    const theta = flat(new cls({ seed: 3 }).getWeights());
    const { grad } = gradient(cls, 3, theta, x, y, batch);
    expect(grad.some((g) => Math.abs(g) > 1e-6), `${backend}: gradient is not trivially zero`).toBe(true);
    const numeric = numericGradient(cls, 3, theta, x, y, batch);
    const [err, at] = maxRelError(grad, numeric, 1e-3);
    expect(err, `${backend}, component ${at}: analytic ${grad[at]} numeric ${numeric[at]}\n${source}`).toBeLessThan(1e-5);
  }
}

