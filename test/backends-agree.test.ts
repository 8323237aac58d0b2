/**
 * Property tests: for random valid specs and random inputs, generated code
 * and the reference interpreter agree — same initial weights for the same
 * seed, predictions (batch 1 and batched), one training step and a short
 * fit — under every unroll style. Agreement proves the emitter; the math
 * itself is proven by the finite-difference and tfjs oracle tests.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, maxRelError, randomArray, randomTargets } from "./helpers/models.js";
import { denseSpec } from "./helpers/spec-arbitrary.js";

const TOL = 1e-6;

describe("generated code agrees with the interpreter", () => {
  it("on random Dense stacks: weights, predictions, a training step and a short fit", async () => {
    await fc.assert(
      fc.asyncProperty(denseSpec, fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (spec, dataSeed) => {
        const I = interpreted(spec.source)["P"]!;
        const G = (await generated(spec.source))["P"]!;
        const a = new I();
        const b = new G();
        expect(a.seed).toBe(b.seed);
        const wa = a.getWeights();
        const wb = b.getWeights();
        expect(wb.map((w) => w.shape)).toEqual(wa.map((w) => w.shape));
        wa.forEach((w, i) => expect(Array.from(wb[i]!.data)).toEqual(Array.from(w.data)));

        const rng = new Rng(dataSeed);
        const x1 = randomArray(rng, spec.inputSize, 2);
        expect(maxRelError(b.predict(x1), a.predict(x1))[0]).toBeLessThan(TOL);
        const n = 1 + rng.int(5);
        const xs = randomArray(rng, n * spec.inputSize, 2);
        expect(maxRelError(b.predictBatch(xs, n), a.predictBatch(xs, n))[0]).toBeLessThan(TOL);

        if (spec.loss !== null) {
          const ys = randomTargets(rng, spec.loss, n, spec.outputShape);
          const la = a.trainOnBatch(xs, ys, n);
          const lb = b.trainOnBatch(xs, ys, n);
          expect(Math.abs(la - lb) / Math.max(1, Math.abs(la))).toBeLessThan(TOL);
          const after = a.getWeights();
          b.getWeights().forEach((w, i) => expect(maxRelError(w.data, after[i]!.data)[0]).toBeLessThan(1e-5));
          const ha = a.fit(xs, ys, { epochs: 2, batchSize: 2 });
          const hb = b.fit(xs, ys, { epochs: 2, batchSize: 2 });
          expect(maxRelError(hb.history.loss, ha.history.loss)[0]).toBeLessThan(1e-5);
        }
      }),
      { numRuns: 40, seed: 20261129 },
    );
  });

  it("the same seed gives the same weights in both backends and differs across seeds", async () => {
    const src = "model S {\n  Dense(8, input_shape=(3,), activation='relu')\n  Dense(2)\n}\n";
    const I = interpreted(src)["S"]!;
    const G = (await generated(src))["S"]!;
    const w = (m: InstanceType<typeof I>) => m.getWeights().flatMap((t) => Array.from(t.data));
    expect(w(new G({ seed: 5 }))).toEqual(w(new I({ seed: 5 })));
    expect(w(new G({ seed: 6 }))).not.toEqual(w(new I({ seed: 5 })));
    const fresh = new G();
    expect(Number.isInteger(fresh.seed)).toBe(true);
    expect(w(new I({ seed: fresh.seed }))).toEqual(w(fresh));
  });
});
