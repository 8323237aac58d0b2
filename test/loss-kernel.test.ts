/**
 * The loss kernel (what generated and interpreted models run) against the
 * runtime's reference computeLoss (validated against tfjs in
 * losses.test.ts and the oracle tests): the same batch loss and the same
 * gradient, bit for bit, for every loss, label encoding, from_logits,
 * the fused-probabilities path (with rows whose labelled probability
 * underflows, which take the logits path) and outputs of rank > 1.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lossKernel } from "../src/kernel/loss.js";
import { compileKernel } from "../src/interpreter/exec.js";
import { computeLoss } from "../src/runtime/losses.js";
import { Rng } from "../src/runtime/random.js";
import type { LossName } from "../src/runtime/spec.js";

const softmaxRows = (z: Float64Array, width: number): Float64Array => {
  const p = new Float64Array(z.length);
  for (let o = 0; o < z.length; o += width) {
    let m = -Infinity;
    for (let j = 0; j < width; j++) m = Math.max(m, z[o + j]!);
    let s = 0;
    for (let j = 0; j < width; j++) s += p[o + j] = Math.exp(z[o + j]! - m);
    for (let j = 0; j < width; j++) p[o + j] = p[o + j]! / s;
  }
  return p;
};

const caseArb = fc.record({
  name: fc.constantFrom<LossName>("mean_squared_error", "mean_absolute_error", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"),
  fromLogits: fc.boolean(),
  fused: fc.boolean(),
  classes: fc.integer({ min: 1, max: 5 }),
  rowsPer: fc.constantFrom(1, 1, 3),
  batch: fc.integer({ min: 1, max: 6 }),
  spread: fc.constantFrom(1, 8, 800),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe("loss kernel", () => {
  it("equals computeLoss bit for bit (loss and gradient)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const sparse = c.name === "sparse_categorical_crossentropy";
        const categorical = sparse || c.name === "categorical_crossentropy";
        const classes = categorical ? Math.max(2, c.classes) : c.classes;
        const outSize = sparse ? classes : classes * c.rowsPer;
        const rng = new Rng(c.seed);
        const n = c.batch * outSize;
        // logits spread widely enough that some softmax probabilities underflow (spread 800)
        const z = Float64Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * c.spread);
        const fused = categorical && c.fromLogits && c.fused;
        const probs = fused ? softmaxRows(z, sparse ? outSize : classes) : null;
        const pred = categorical || c.fromLogits ? z : Float64Array.from(z, (v) => (c.name === "binary_crossentropy" ? 1 / (1 + Math.exp(-v)) : v));
        if (categorical && !c.fromLogits) for (let i = 0; i < n; i++) pred[i] = rng.uniform() + (i % 7 === 0 ? 0 : 1e-9);
        const labels = new Float32Array(sparse ? c.batch : n);
        for (let i = 0; i < labels.length; i++) {
          labels[i] = sparse ? rng.int(classes) : c.name === "binary_crossentropy" || categorical ? (rng.uniform() < 0.4 ? 1 : rng.uniform() < 0.3 ? 0.25 : 0) : rng.uniform() * 4 - 2;
        }
        const spec = { name: c.name, fromLogits: c.fromLogits };
        const dRef = new Float64Array(n);
        const ref = computeLoss(spec, pred, labels, 0, c.batch, outSize, dRef, classes, probs ?? undefined);

        const order = ["pred", "probs", "labels", "dOut", "result"];
        const kernel = lossKernel(spec, outSize, classes, { pred: "pred", probs: fused ? "probs" : null, labels: "labels", dOut: "dOut", result: "result" });
        const run = compileKernel(kernel, (buf) => ({ slot: order.indexOf(buf), base: 0 }));
        const dOut = new Float64Array(n);
        const result = new Float64Array(1);
        run({ arrays: [pred, probs ?? new Float64Array(0), labels, dOut, result], batch: c.batch });
        expect(Object.is(result[0], ref) || result[0] === ref, `loss ${result[0]} vs ${ref}`).toBe(true);
        expect(Array.from(dOut)).toEqual(Array.from(dRef));
      }),
      { numRuns: 400, seed: 20261129 },
    );
  });
});
