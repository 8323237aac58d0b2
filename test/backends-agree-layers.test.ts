/**
 * Property test over every layer kind: for random valid specs (conv with
 * padding/stride/dilation, pooling, BatchNormalization, Dropout, Reshape,
 * global pooling, Dense) under every unroll style, generated code and the
 * interpreter agree on initial weights, predictions, one training step and
 * a short fit, to 1e-6 relative.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, maxRelError, prod, randomArray, randomTargets } from "./helpers/models.js";
import { layerSpec } from "./helpers/layer-arbitrary.js";

describe("generated code agrees with the interpreter on every layer kind", () => {
  it("random spatial specs: weights, predictions, a step and a short fit", async () => {
    await fc.assert(
      fc.asyncProperty(layerSpec, fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (spec, dataSeed) => {
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
      }),
      { numRuns: 30, seed: 1129 },
    );
  });
});
