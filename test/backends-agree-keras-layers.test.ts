/**
 * Property tests for the layers of issue 12: for random specs over random
 * shapes and arguments, generated code (under every unroll style) and the
 * interpreter agree on initial weights, predictions, a training step and a
 * short fit, to 1e-6 relative (the same contract as
 * backends-agree-layers.test.ts, over these layers).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, maxRelError, prod, randomArray, randomTargets } from "./helpers/models.js";
import { normSteps, spatialSteps, specArbitrary, type Step } from "./helpers/keras-layers-arbitrary.js";
import type { LayerSpec } from "./helpers/layer-arbitrary.js";

async function agree(spec: LayerSpec, dataSeed: number) {
  const I = interpreted(spec.source)["L"]!;
  const G = (await generated(spec.source))["L"]!;
  const a = new I();
  const b = new G();
  a.getWeights().forEach((w, i) => expect(Array.from(b.getWeights()[i]!.data)).toEqual(Array.from(w.data)));
  const rng = new Rng(dataSeed);
  const n = 1 + rng.int(3);
  const xs = randomArray(rng, n * prod(spec.inShape), 2);
  expect(maxRelError(b.predictBatch(xs, n), a.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
  const ys = randomTargets(rng, spec.loss, n, spec.outShape);
  const la = a.trainOnBatch(xs, ys, n);
  const lb = b.trainOnBatch(xs, ys, n);
  expect(Math.abs(la - lb) / Math.max(1, Math.abs(la))).toBeLessThan(1e-6);
  const after = a.getWeights();
  b.getWeights().forEach((w, i) => expect(maxRelError(w.data, after[i]!.data)[0]).toBeLessThan(1e-5));
  const ha = a.fit(xs, ys, { epochs: 2, batchSize: 2 });
  const hb = b.fit(xs, ys, { epochs: 2, batchSize: 2 });
  expect(maxRelError(hb.history.loss, ha.history.loss)[0]).toBeLessThan(1e-5);
}

function property(title: string, steps: fc.Arbitrary<Step>, ranks: readonly number[], seed: number, numRuns = 6) {
  it(title, async () => {
    await fc.assert(fc.asyncProperty(specArbitrary(steps, ranks), fc.integer({ min: 0, max: 2 ** 31 - 1 }), agree), { numRuns, seed });
  });
}

describe("generated code agrees with the interpreter on the layers of issue 12", () => {
  property("activation and normalization layers, ranks 1 to 3", normSteps, [1, 2, 3], 1212);
  property("padding, cropping, upsampling, transposed, depthwise and separable convolutions, noise", spatialSteps, [2, 3], 1213);
});
