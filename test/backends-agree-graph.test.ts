/**
 * Property test over random functional graphs (test/helpers/graph-arbitrary.ts:
 * fan-out, every merge layer, shared layers, one or two inputs and outputs,
 * every unroll style): generated code equals the interpreter — initial
 * weights, predictions (one sample and batched), a training step, and a
 * short fit with its per-output history.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, maxRelError, randomArray } from "./helpers/models.js";
import { graphSpec } from "./helpers/graph-arbitrary.js";

const TOL = 1e-6;
type Many = Float32Array | Float32Array[];
const list = (v: Many) => (Array.isArray(v) ? v : [v]);
const arg = (vs: Float32Array[]) => (vs.length === 1 ? vs[0]! : vs) as unknown as Float32Array;

describe("generated code agrees with the interpreter on random graphs", () => {
  it("weights, predictions, a training step and a short fit", async () => {
    await fc.assert(
      fc.asyncProperty(graphSpec, fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (spec, dataSeed) => {
        const I = interpreted(spec.source)["F"]!;
        const G = (await generated(spec.source))["F"]!;
        const a = new I();
        const b = new G();
        const wa = a.getWeights();
        wa.forEach((w, i) => expect(Array.from(b.getWeights()[i]!.data), spec.source).toEqual(Array.from(w.data)));
        const rng = new Rng(dataSeed);
        const one = spec.inputSizes.map((s) => randomArray(rng, s, 2));
        list(b.predict(arg(one)) as Many).forEach((p, k) => expect(maxRelError(p, list(a.predict(arg(one)) as Many)[k]!)[0], spec.source).toBeLessThan(TOL));
        const n = 2 + rng.int(4);
        const xs = spec.inputSizes.map((s) => randomArray(rng, n * s, 2));
        const pa = list(a.predictBatch(arg(xs), n) as Many);
        list(b.predictBatch(arg(xs), n) as Many).forEach((p, k) => expect(maxRelError(p, pa[k]!)[0]).toBeLessThan(TOL));
        const ys = spec.outputSizes.map((s, k) => (k === 1 ? Float32Array.from({ length: n * s }, () => rng.int(2)) : randomArray(rng, n * s)));
        const la = a.trainOnBatch(arg(xs), arg(ys), n);
        const lb = b.trainOnBatch(arg(xs), arg(ys), n);
        expect(Math.abs(la - lb) / Math.max(1, Math.abs(la)), spec.source).toBeLessThan(TOL);
        const after = a.getWeights();
        b.getWeights().forEach((w, i) => expect(maxRelError(w.data, after[i]!.data)[0], spec.source).toBeLessThan(1e-5));
        const ha = a.fit(arg(xs), arg(ys), { epochs: 2, batchSize: 2 });
        const hb = b.fit(arg(xs), arg(ys), { epochs: 2, batchSize: 2 });
        expect(Object.keys(hb.history)).toEqual(Object.keys(ha.history));
        for (const key of Object.keys(ha.history)) expect(maxRelError(hb.history[key]!, ha.history[key]!)[0]).toBeLessThan(1e-5);
      }),
      { numRuns: 15, seed: 1111 },
    );
  });
});
