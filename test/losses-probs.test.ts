/**
 * The fused softmax + crossentropy fast path (reusing the forward pass's
 * probabilities) computes the same loss and gradient as the pure logits
 * form, and falls back to it row by row when a labelled probability
 * underflows.
 */
import { describe, expect, it } from "vitest";
import { computeLoss } from "../src/runtime/losses.js";

function softmaxRows(z: Float64Array, width: number): Float64Array {
  const p = new Float64Array(z.length);
  for (let o = 0; o < z.length; o += width) {
    let m = -Infinity;
    for (let j = 0; j < width; j++) m = Math.max(m, z[o + j]!);
    let s = 0;
    for (let j = 0; j < width; j++) s += (p[o + j] = Math.exp(z[o + j]! - m));
    for (let j = 0; j < width; j++) p[o + j] = p[o + j]! / s;
  }
  return p;
}

describe("crossentropy from logits with the forward's probabilities", () => {
  for (const name of ["categorical_crossentropy", "sparse_categorical_crossentropy"] as const) {
    it(`${name}: same loss and gradient as from logits alone, with an underflow fallback`, () => {
      // row 2 puts the label on a class whose probability underflows (z gap of 800)
      const z = Float64Array.from([0.3, -1.2, 2.0, 1.5, 0.1, -0.4, -800, 0, 0]);
      const p = softmaxRows(z, 3);
      expect(p[6]).toBe(0);
      const ids = [2, 0, 0];
      const y = name === "sparse_categorical_crossentropy" ? Float32Array.from(ids) : Float32Array.from(ids.flatMap((c) => [0, 1, 2].map((j) => +(j === c))));
      const spec = { name, fromLogits: true };
      const gA = new Float64Array(9);
      const gB = new Float64Array(9);
      const a = computeLoss(spec, z, y, 0, 3, 3, gA);
      const b = computeLoss(spec, z, y, 0, 3, 3, gB, 3, p);
      expect(Number.isFinite(b)).toBe(true);
      expect(Math.abs(a - b) / a).toBeLessThan(1e-12);
      gA.forEach((g, i) => expect(Math.abs(g - gB[i]!)).toBeLessThan(1e-12));
    });
  }
});
