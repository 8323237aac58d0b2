/**
 * Losses and accuracy (src/runtime/losses.ts) against hand-computed values,
 * and every loss gradient against central finite differences in float64.
 *
 * Tolerances: hand-computed values to 1e-12 relative (they use the same
 * float64 maths in another order); finite differences with step
 * h = 1e-6·max(1, |x|) to 1e-6 relative (the central-difference error is
 * O(h²) ≈ 1e-12 plus rounding ≈ 1e-16/h ≈ 1e-10), with an absolute floor
 * of 1e-6 × the largest gradient component for components that are ~0.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LayercError } from "../src/runtime/errors.js";
import { computeLoss, countCorrect } from "../src/runtime/losses.js";
import type { LossName, LossSpec } from "../src/runtime/spec.js";

const FC = { seed: 20240611, numRuns: 150 };
const EPS = 1e-7;
const HI = Math.fround(1 - 1e-7); // 0.99999988 = 1 − 2⁻²³

const f64 = (xs: readonly number[]): Float64Array => Float64Array.from(xs);
const spec = (name: LossName, fromLogits = false): LossSpec => ({ name, fromLogits });

function close(actual: number, expected: number, rel = 1e-12, abs = 1e-15): void {
  if (Math.abs(actual - expected) > abs + rel * Math.abs(expected)) {
    expect.fail(`${actual} is not within ${rel} (relative) of ${expected}`);
  }
}
function closeAll(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-12, abs = 1e-15): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i]!, expected[i]!, rel, abs);
}

/** Loss and gradient for a batch. */
function run(s: LossSpec, p: readonly number[], y: readonly number[], batch: number, outSize: number): [number, Float64Array] {
  const d = new Float64Array(batch * outSize).fill(NaN);
  const l = computeLoss(s, f64(p), y, 0, batch, outSize, d);
  return [l, d];
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
function softmax(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("mean_squared_error", () => {
  it("is Σ(p−y)²/(B·N) with gradient 2(p−y)/(B·N)", () => {
    const [l, d] = run(spec("mean_squared_error"), [1, 2, 3, 4], [0, 2, 5, 3], 2, 2);
    close(l, 6 / 4);
    closeAll(d, [0.5, 0, -1, 0.5]);
  });

  it("reads targets from yOffset and does not need dPred", () => {
    const y = [9, 9, 9, 0, 2, 5, 3, 9];
    close(computeLoss(spec("mean_squared_error"), f64([1, 2, 3, 4]), y, 3, 2, 2, null), 1.5);
    close(computeLoss(spec("mean_squared_error"), f64([1, 2, 3, 4]), Float32Array.from(y), 3, 1, 2, null), 0.5);
  });
});

describe("mean_absolute_error", () => {
  it("is Σ|p−y|/(B·N); d|u|/du is −1 at u = p − y = 0 (tfjs step(x, −1))", () => {
    const [l, d] = run(spec("mean_absolute_error"), [1, 2, 3, 4], [0, 2, 5, 3], 2, 2);
    close(l, 4 / 4);
    closeAll(d, [0.25, -0.25, -0.25, 0.25]);
  });
});

describe("binary_crossentropy", () => {
  it("is the clipped −[y log p + (1−y) log(1−p)], mean over all elements", () => {
    const [l, d] = run(spec("binary_crossentropy"), [0.8, 0.3, 0.6, 0.1], [1, 0, 0.25, 1], 2, 2);
    const terms = [-Math.log(0.8), -Math.log(0.7), -(0.25 * Math.log(0.6) + 0.75 * Math.log(0.4)), -Math.log(0.1)];
    close(l, terms.reduce((a, b) => a + b) / 4);
    closeAll(d, [-1 / 0.8 / 4, 1 / 0.7 / 4, (0.75 / 0.4 - 0.25 / 0.6) / 4, -1 / 0.1 / 4]);
  });

  it("clips at ε and float32(1 − ε), with zero gradient outside the clip", () => {
    // p = 0 with y = 1 costs −log ε; p = 1 with y = 0 costs −log(1 − 0.99999988) = 23·ln 2.
    const [l, d] = run(spec("binary_crossentropy"), [0, 1, -0.5, 1.5], [1, 0, 0, 1], 1, 4);
    close(l, (-Math.log(EPS) + 23 * Math.LN2 + -Math.log(1 - EPS) + -Math.log(HI)) / 4);
    expect(HI).toBe(1 - 2 ** -23);
    closeAll(d, [0, 0, 0, 0]);
    // The clip passes the gradient at its (inclusive) bounds.
    const [, d2] = run(spec("binary_crossentropy"), [EPS, HI], [1, 0], 1, 2);
    closeAll(d2, [-1 / EPS / 2, 1 / (1 - HI) / 2]);
  });

  it("from logits: max(z,0) − z·y + log1p(e^−|z|), gradient (σ(z) − y)/(B·N), stable for large |z|", () => {
    const z = [0, 2, -3, 0.5];
    const y = [1, 0, 0.5, 0.3];
    const [l, d] = run(spec("binary_crossentropy", true), z, y, 2, 2);
    const ref = z.map((zi, i) => -(y[i]! * Math.log(sigmoid(zi)) + (1 - y[i]!) * Math.log(1 - sigmoid(zi))));
    close(l, ref.reduce((a, b) => a + b) / 4, 1e-12);
    closeAll(d, z.map((zi, i) => (sigmoid(zi) - y[i]!) / 4));
    const [lBig, dBig] = run(spec("binary_crossentropy", true), [800, -800, 40], [0, 1, 1], 1, 3);
    close(lBig, (800 + 800 + Math.log1p(Math.exp(-40))) / 3);
    closeAll(dBig, [1 / 3, -1 / 3, (sigmoid(40) - 1) / 3], 1e-12, 1e-17);
  });
});

describe("categorical_crossentropy", () => {
  it("is −Σ y log p per sample, mean over the batch", () => {
    const [l] = run(spec("categorical_crossentropy"), [0.2, 0.3, 0.5, 0.1, 0.6, 0.3], [0, 1, 0, 0.5, 0.5, 0], 2, 3);
    close(l, (-Math.log(0.3) + -(0.5 * Math.log(0.1) + 0.5 * Math.log(0.6))) / 2);
  });

  it("renormalises non-normalised p, with the exact gradient through the renormalisation", () => {
    // q = [0.1, 0.3, 0.6]; l = −log(p₂/s) = −log p₂ + log s, so ∂l/∂p_k = 1/s − δ_k2/p₂.
    const [l, d] = run(spec("categorical_crossentropy"), [1, 3, 6], [0, 0, 1], 1, 3);
    close(l, -Math.log(0.6));
    closeAll(d, [0.1, 0.1, 0.1 - 1 / 6]);
  });

  it("clips q at ε and float32(1 − ε), where the gradient is zero", () => {
    const [l0, d0] = run(spec("categorical_crossentropy"), [0, 1, 0], [1, 0, 0], 1, 3);
    close(l0, -Math.log(EPS));
    closeAll(d0, [0, 0, 0]);
    const [l1, d1] = run(spec("categorical_crossentropy"), [0, 2, 0], [0, 1, 0], 1, 3);
    close(l1, -Math.log(HI));
    closeAll(d1, [0, 0, 0]);
  });

  it("from logits: −Σ y·log_softmax(z), gradient softmax(z)·Σy − y, stable for large logits", () => {
    const z = [1, 2, 3];
    const y = [0.2, 0, 0.6];
    const [l, d] = run(spec("categorical_crossentropy", true), z, y, 1, 3);
    const sm = softmax(z);
    close(l, -(0.2 * Math.log(sm[0]!) + 0.6 * Math.log(sm[2]!)));
    closeAll(d, sm.map((s, j) => s * 0.8 - y[j]!));
    const [lBig] = run(spec("categorical_crossentropy", true), [1000, 0, -1000], [0, 1, 0], 1, 3);
    close(lBig, 1000);
  });

  it("from logits equals the probability form on softmax(z) when no clipping is active", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 6 }), fc.infiniteStream(fc.double({ min: -4, max: 4, noNaN: true })), (b, n, rnd) => {
        const z = Array.from({ length: b * n }, () => rnd.next().value);
        const y = Array.from({ length: b * n }, () => Math.abs(rnd.next().value) / 4);
        const p: number[] = [];
        for (let r = 0; r < b; r++) p.push(...softmax(z.slice(r * n, r * n + n)));
        const [lz, dz] = run(spec("categorical_crossentropy", true), z, y, b, n);
        const [lp, dp] = run(spec("categorical_crossentropy"), p, y, b, n);
        close(lz, lp, 1e-12);
        // Chain dp through the softmax Jacobian: dz_k = p_k (dp_k − Σ_j dp_j p_j).
        for (let r = 0; r < b; r++) {
          let dot = 0;
          for (let j = 0; j < n; j++) dot += dp[r * n + j]! * p[r * n + j]!;
          for (let k = 0; k < n; k++) close(dz[r * n + k]!, p[r * n + k]! * (dp[r * n + k]! - dot), 1e-9, 1e-12);
        }
      }),
      FC,
    );
  });
});

describe("sparse_categorical_crossentropy", () => {
  it("is categorical crossentropy on the one-hot of the class ids", () => {
    const p = [0.2, 0.3, 0.5, 1, 3, 6, 0, 1, 0];
    const [l, d] = run(spec("sparse_categorical_crossentropy"), p, [2, 1, 0], 3, 3);
    close(l, (-Math.log(0.5) - Math.log(0.3) - Math.log(EPS)) / 3);
    const [lc, dc] = run(spec("categorical_crossentropy"), p, [0, 0, 1, 0, 1, 0, 1, 0, 0], 3, 3);
    close(l, lc);
    closeAll(d, [...dc]);
  });

  it("from logits matches categorical from logits on the one-hot, and reads ids from yOffset", () => {
    const z = [1, -2, 0.5, 3, 3, 0];
    const d = new Float64Array(6);
    const l = computeLoss(spec("sparse_categorical_crossentropy", true), f64(z), [7, 7, 0, 2], 2, 2, 3, d);
    const [lc, dc] = run(spec("categorical_crossentropy", true), z, [1, 0, 0, 0, 0, 1], 2, 3);
    close(l, lc);
    closeAll(d, [...dc]);
    const sm = softmax([1, -2, 0.5]);
    close(l, (-Math.log(sm[0]!) - Math.log(softmax([3, 3, 0])[2]!)) / 2);
  });
});

describe("gradients vs central finite differences (float64)", () => {
  const cases: [LossName, boolean][] = [
    ["mean_squared_error", false],
    ["mean_absolute_error", false],
    ["binary_crossentropy", false],
    ["binary_crossentropy", true],
    ["categorical_crossentropy", false],
    ["categorical_crossentropy", true],
    ["sparse_categorical_crossentropy", false],
    ["sparse_categorical_crossentropy", true],
  ];

  /** Random predictions away from kinks (MAE) and clip bounds (probabilities in [0.02, 0.98] or positive). */
  function sample(name: LossName, logits: boolean, b: number, n: number, rnd: () => number): { p: number[]; y: number[] } {
    const p: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < b * n; i++) {
      const u = rnd();
      if (logits) p.push(8 * u - 4);
      else if (name === "binary_crossentropy") p.push(0.02 + 0.96 * u);
      else if (name.includes("categorical")) p.push(0.05 + 2 * u); // renormalised: q ≥ 0.05/(2.05·n) ≫ ε
      else p.push(6 * u - 3);
      const v = rnd();
      if (name === "mean_absolute_error") y.push(p[i]! + (v < 0.5 ? -0.1 - v : v + 0.1) * 2); // |p − y| ≥ 0.2
      else if (name === "mean_squared_error") y.push(6 * v - 3);
      else y.push(v); // soft targets in [0, 1)
    }
    if (name === "sparse_categorical_crossentropy") return { p, y: Array.from({ length: b }, () => Math.floor(rnd() * n)) };
    return { p, y };
  }

  for (const [name, logits] of cases) {
    it(`${name}${logits ? " (from logits)" : ""}`, () => {
      const minN = name.includes("categorical") ? 2 : 1;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: minN, max: 5 }),
          fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
          (b, n, stream) => {
            const { p, y } = sample(name, logits, b, n, () => stream.next().value);
            const s = spec(name, logits);
            const [, d] = run(s, p, y, b, n);
            const x = f64(p);
            let gmax = 0;
            for (const g of d) gmax = Math.max(gmax, Math.abs(g));
            for (let i = 0; i < x.length; i++) {
              const h = 1e-6 * Math.max(1, Math.abs(p[i]!));
              x[i] = p[i]! + h;
              const up = computeLoss(s, x, y, 0, b, n, null);
              x[i] = p[i]! - h;
              const down = computeLoss(s, x, y, 0, b, n, null);
              x[i] = p[i]!;
              close(d[i]!, (up - down) / (2 * h), 1e-6, 1e-6 * gmax);
            }
          },
        ),
        FC,
      );
    });
  }
});

describe("errors", () => {
  it("rejects an unknown loss and short buffers with LayercError", () => {
    expect(() => computeLoss({ name: "hinge" as LossName, fromLogits: false }, f64([1]), [1], 0, 1, 1, null)).toThrow(LayercError);
    expect(() => computeLoss(spec("mean_squared_error"), f64([1, 2]), [1, 2], 1, 1, 2, null)).toThrow(LayercError);
    expect(() => computeLoss(spec("mean_squared_error"), f64([1]), [1, 2], 0, 1, 2, null)).toThrow(LayercError);
    expect(() => computeLoss(spec("mean_squared_error"), f64([1, 2]), [1, 2], 0, 1, 2, new Float64Array(1))).toThrow(LayercError);
    expect(() => computeLoss(spec("sparse_categorical_crossentropy"), f64([1, 2, 3, 4]), [1], 0, 2, 2, null)).toThrow(LayercError);
  });
});

describe("countCorrect (Keras 3 'accuracy')", () => {
  it("outSize 1: binary accuracy, (p > 0.5) == y with y compared exactly", () => {
    const p = f64([0.7, 0.5, 0.2, 0.9, 0.9, 0.51]);
    expect(countCorrect("binary_crossentropy", p, [1, 1, 0, 0, 0.9, 1], 0, 6, 1)).toBe(3);
    // Same rule for any loss when the output has one unit (Keras decides from the shapes).
    expect(countCorrect("mean_squared_error", p, [1, 1, 0, 0, 0.9, 1], 0, 6, 1)).toBe(3);
    expect(countCorrect("binary_crossentropy", p, [5, 5, 1, 1], 2, 2, 1)).toBe(1);
  });

  it("binary from logits still thresholds the logit at 0.5, as Keras does", () => {
    // σ(0.3) > 0.5 but the logit 0.3 is not > 0.5: counted wrong.
    expect(countCorrect("binary_crossentropy", f64([0.3, 2, -1]), [1, 1, 0], 0, 3, 1)).toBe(2);
  });

  it("categorical: argmax(p) == argmax(y), first maximum wins (logits or probabilities alike)", () => {
    const p = f64([0.1, 0.7, 0.2, 0.4, 0.4, 0.2, -3, 5, 1]);
    const y = [0, 1, 0, 0, 1, 0, 0, 1, 0];
    expect(countCorrect("categorical_crossentropy", p, y, 0, 3, 3)).toBe(2);
    expect(countCorrect("categorical_crossentropy", p, [9, 9, 9, ...y], 3, 3, 3)).toBe(2);
  });

  it("multi-unit binary_crossentropy / MSE use categorical accuracy (Keras 3 shape rule)", () => {
    const p = f64([0.9, 0.8, 0.1, 0.6]);
    expect(countCorrect("binary_crossentropy", p, [1, 0, 0, 1], 0, 2, 2)).toBe(2);
    expect(countCorrect("mean_squared_error", p, [0, 1, 1, 0], 0, 2, 2)).toBe(0);
  });

  it("sparse: argmax(p) == class id", () => {
    const p = f64([0.1, 0.7, 0.2, 0.5, 0.4, 0.1, 0, 0, 1]);
    expect(countCorrect("sparse_categorical_crossentropy", p, [1, 1, 2], 0, 3, 3)).toBe(2);
    expect(countCorrect("sparse_categorical_crossentropy", p, [4, 1, 0, 2], 1, 3, 3)).toBe(3);
  });
});
