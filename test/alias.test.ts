/**
 * Flatten and Reshape share their input's buffer inside a model (no copy in
 * forward or backward); as the last layer they copy. Finite differences
 * check gradients through every placement, on both backends.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, randomArray, randomTargets } from "./helpers/models.js";

const source = `model A(seed=2, dtype=float64) {
  Input(shape=(2, 3))
  Flatten()
  Dense(6, activation='tanh')
  Reshape((3, 2))
  Dense(4, activation='sigmoid')
  Flatten()
  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}`;

describe("aliasing layers", () => {
  it("keep gradients exact when placed first, in the middle and last", async () => {
    const rng = new Rng(3);
    const x = randomArray(rng, 2 * 6);
    const y = randomTargets(rng, "mse", 2, [12]);
    for (const backend of [interpreted(source), await generated(source)]) {
      const cls = backend["A"]!;
      const theta = flat(new cls({ seed: 2 }).getWeights());
      const { grad } = gradient(cls, 2, theta, x, y, 2);
      const numeric = numericGradient(cls, 2, theta, x, y, 2);
      expect(maxRelError(grad, numeric, 1e-3)[0]).toBeLessThan(1e-5);
      expect(new cls({ seed: 2 }).predictBatch(x, 2)).toHaveLength(24);
    }
  });

  it("emit no copy loops for Flatten and Reshape inside a model", async () => {
    const { compile } = await import("../src/index.js");
    const code = (await compile(source)).code!;
    expect(code).not.toContain("flatten_out");
    expect(code).not.toContain("reshape_out");
    expect(code).toContain("flatten_1_out");
  });
});
