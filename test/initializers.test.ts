/**
 * Runtime initializers against the Keras 3 formulas (keras-semantics.md §1).
 *
 * Statistical checks use 100 000 draws at a fixed seed: the sample mean must
 * lie within 5 standard errors of the formula's mean, the sample std within
 * 1 % of the formula's std (≥ 4.4 standard errors for these distributions),
 * and every value inside the formula's support. The orthogonal initializer
 * is checked against an independent oracle: modified Gram–Schmidt in the
 * test, run on the same normal draws, which yields the positive-diagonal QR
 * factor that Keras's Q·sign(diag R) also is.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LayercError } from "../src/runtime/errors.js";
import { computeFans, initialize } from "../src/runtime/initializers.js";
import { Rng } from "../src/runtime/random.js";
import type { InitializerSpec } from "../src/runtime/spec.js";

const FC = { seed: 20240607, numRuns: 100 };
const T = 0.87962566103423978;

function fill(spec: InitializerSpec, shape: number[], seed = 1): Float64Array {
  const out = new Float64Array(shape.reduce((p, d) => p * d, 1));
  initialize(spec, shape, seed, out, 0);
  return out;
}

function stats(xs: Float64Array): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (xs.length - 1)), min, max };
}

describe("computeFans", () => {
  it.each<[number[], [number, number]]>([
    [[], [1, 1]],
    [[7], [7, 7]],
    [[3, 5], [3, 5]],
    [[4, 3, 5], [12, 20]],
    [[3, 2, 16, 32], [96, 192]],
    [[2, 2, 2, 3, 4], [24, 32]],
  ])("%j → %j", (shape, fans) => {
    expect(computeFans(shape)).toEqual(fans);
  });
});

describe("constant initializers", () => {
  it.each<[InitializerSpec, number]>([
    [{ name: "zeros" }, 0],
    [{ name: "ones" }, 1],
    [{ name: "constant", value: -2.5 }, -2.5],
  ])("%j fills exactly its range", (spec, value) => {
    const out = new Float32Array(10).fill(9);
    initialize(spec, [2, 3], 0, out, 2);
    expect(Array.from(out)).toEqual([9, 9, value, value, value, value, value, value, 9, 9]);
  });

  it("identity is gain·eye for non-square 2-D shapes", () => {
    expect(Array.from(fill({ name: "identity", gain: 2 }, [2, 3]))).toEqual([2, 0, 0, 0, 2, 0]);
    expect(Array.from(fill({ name: "identity", gain: 1 }, [3, 2]))).toEqual([1, 0, 0, 1, 0, 0]);
  });

  it("identity rejects other ranks", () => {
    for (const shape of [[4], [2, 2, 2], []]) {
      expect(() => fill({ name: "identity", gain: 1 }, shape)).toThrow(LayercError);
    }
    expect(() => fill({ name: "identity", gain: 1 }, [4])).toThrow(/identity initializer needs a 2-D shape, got \(4\)/);
  });
});

// Shape (400, 250): fan_in 400, fan_out 250, fan_avg 325; N = 100 000.
const S = [400, 250];
interface Case {
  spec: InitializerSpec;
  shape?: number[];
  mean: number;
  std: number;
  /** Closed support [lo, hi]; `hiOpen` when hi itself is excluded. */
  lo?: number;
  hi?: number;
  hiOpen?: boolean;
}
const uniformCase = (spec: InitializerSpec, limit: number, shape?: number[]): Case => ({
  spec,
  shape,
  mean: 0,
  std: limit / Math.sqrt(3),
  lo: -limit,
  hi: limit,
  hiOpen: true,
});
const truncCase = (spec: InitializerSpec, s: number, shape?: number[]): Case => ({
  spec,
  shape,
  mean: 0,
  std: Math.sqrt(s),
  lo: (-2 * Math.sqrt(s)) / T,
  hi: (2 * Math.sqrt(s)) / T,
});
const cases: [string, Case][] = [
  ["random_normal", { spec: { name: "random_normal", mean: 1, stddev: 2, seed: null }, mean: 1, std: 2 }],
  [
    "random_uniform default",
    { spec: { name: "random_uniform", minval: -0.05, maxval: 0.05, seed: null }, mean: 0, std: 0.1 / Math.sqrt(12), lo: -0.05, hi: 0.05, hiOpen: true },
  ],
  [
    "random_uniform [0, 3)",
    { spec: { name: "random_uniform", minval: 0, maxval: 3, seed: null }, mean: 1.5, std: 3 / Math.sqrt(12), lo: 0, hi: 3, hiOpen: true },
  ],
  [
    "truncated_normal (no correction)",
    { spec: { name: "truncated_normal", mean: 0.5, stddev: 0.1, seed: null }, mean: 0.5, std: 0.1 * T, lo: 0.3, hi: 0.7 },
  ],
  [
    "variance_scaling uniform fan_out",
    uniformCase({ name: "variance_scaling", scale: 2, mode: "fan_out", distribution: "uniform", seed: null }, Math.sqrt((3 * 2) / 250)),
  ],
  [
    "variance_scaling truncated_normal fan_avg",
    truncCase({ name: "variance_scaling", scale: 1, mode: "fan_avg", distribution: "truncated_normal", seed: null }, 1 / 325),
  ],
  [
    "variance_scaling untruncated_normal fan_in",
    {
      spec: { name: "variance_scaling", scale: 3, mode: "fan_in", distribution: "untruncated_normal", seed: null },
      mean: 0,
      std: Math.sqrt(3 / 400),
    },
  ],
  ["glorot_uniform", uniformCase({ name: "glorot_uniform", seed: null }, Math.sqrt(6 / 650))],
  ["glorot_normal", truncCase({ name: "glorot_normal", seed: null }, 2 / 650)],
  ["he_uniform", uniformCase({ name: "he_uniform", seed: null }, Math.sqrt(6 / 400))],
  ["he_normal", truncCase({ name: "he_normal", seed: null }, 2 / 400)],
  ["lecun_uniform", uniformCase({ name: "lecun_uniform", seed: null }, Math.sqrt(3 / 400))],
  ["lecun_normal", truncCase({ name: "lecun_normal", seed: null }, 1 / 400)],
  // Conv2D kernel (5, 5, 40, 100): fan_in = 25·40 = 1000, fan_out = 2500.
  ["he_normal conv kernel", truncCase({ name: "he_normal", seed: null }, 2 / 1000, [5, 5, 40, 100])],
  ["glorot_uniform conv kernel", uniformCase({ name: "glorot_uniform", seed: null }, Math.sqrt(6 / 3500), [5, 5, 40, 100])],
];

describe("random initializers match the Keras 3 formulas", () => {
  it.each(cases)("%s", (_, c) => {
    const xs = fill(c.spec, c.shape ?? S, 12345);
    const n = xs.length;
    expect(n).toBe(100_000);
    const s = stats(xs);
    expect(Math.abs(s.mean - c.mean)).toBeLessThan((5 * c.std) / Math.sqrt(n));
    expect(Math.abs(s.std / c.std - 1)).toBeLessThan(0.01);
    if (c.lo !== undefined && c.hi !== undefined) {
      const width = c.hi - c.lo;
      expect(s.min).toBeGreaterThanOrEqual(c.lo);
      if (c.hiOpen) expect(s.max).toBeLessThan(c.hi);
      else expect(s.max).toBeLessThanOrEqual(c.hi);
      // the whole support is used
      expect(s.min).toBeLessThan(c.lo + 0.01 * width);
      expect(s.max).toBeGreaterThan(c.hi - 0.01 * width);
    }
  });

  it.each(cases)("%s: same seed → same values, other seed → other values, f32 = fround(f64)", (_, c) => {
    const shape = [20, 30];
    const a = fill(c.spec, shape, 7);
    expect(fill(c.spec, shape, 7)).toEqual(a);
    expect(fill(c.spec, shape, 8)).not.toEqual(a);
    const f32 = new Float32Array(a.length + 3);
    initialize(c.spec, shape, 7, f32, 3);
    expect(Array.from(f32.subarray(3))).toEqual(Array.from(a, Math.fround));
  });

  it("glorot_uniform on a (1, 4) kernel stays within ±√(6/5)", () => {
    const limit = Math.sqrt(6 / 5);
    let max = 0;
    for (let seed = 0; seed < 5000; seed++) {
      for (const x of fill({ name: "glorot_uniform", seed: null }, [1, 4], seed)) {
        expect(Math.abs(x)).toBeLessThanOrEqual(limit);
        max = Math.max(max, Math.abs(x));
      }
    }
    expect(max).toBeGreaterThan(0.999 * limit);
  });

  it("uses max(1, n): a rank-0 he_uniform draws from U(±√6)", () => {
    const limit = Math.sqrt(6);
    const xs = Array.from({ length: 2000 }, (_, seed) => fill({ name: "he_uniform", seed: null }, [], seed)[0]!);
    expect(Math.max(...xs.map(Math.abs))).toBeLessThan(limit);
    expect(Math.max(...xs.map(Math.abs))).toBeGreaterThan(0.99 * limit);
  });
});

/** Orthonormal rows (wide) or columns (tall) of a row-major rows×cols matrix, scaled by gain. */
function gramError(w: ArrayLike<number>, rows: number, cols: number, gain: number): number {
  const tall = rows >= cols;
  const k = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const at = (v: number, i: number): number => (tall ? w[i * cols + v]! : w[v * cols + i]!);
  let worst = 0;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let d = 0;
      for (let i = 0; i < len; i++) d += at(p, i) * at(q, i);
      worst = Math.max(worst, Math.abs(d - (p === q ? gain * gain : 0)));
    }
  }
  return worst;
}

/** Oracle: modified Gram–Schmidt on the same (max, min) normal matrix, transposed if wide. */
function gramSchmidtOracle(rows: number, cols: number, gain: number, seed: number): Float64Array {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const rng = new Rng(seed);
  const a = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
  const q = Array.from({ length: n }, (_, j) => a.map((row) => row[j]!));
  for (let j = 0; j < n; j++) {
    const qj = q[j]!;
    for (let p = 0; p < j; p++) {
      const qp = q[p]!;
      const d = qp.reduce((s, x, i) => s + x * qj[i]!, 0);
      for (let i = 0; i < m; i++) qj[i]! -= d * qp[i]!;
    }
    const norm = Math.hypot(...qj);
    for (let i = 0; i < m; i++) qj[i]! /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (rows >= cols ? q[j]![i]! : q[i]![j]!);
  }
  return out;
}

describe("orthogonal", () => {
  const orth = (gain: number): InitializerSpec => ({ name: "orthogonal", gain, seed: null });

  it.each<[number[], number, number]>([
    [[3, 4, 5], 12, 5],
    [[5, 12], 5, 12],
    [[8, 8], 8, 8],
    [[2, 3, 3, 40], 18, 40],
  ])("%j has orthonormal rows/columns and matches the Gram–Schmidt oracle", (shape, rows, cols) => {
    const w = fill(orth(1), shape, 99);
    expect(gramError(w, rows, cols, 1)).toBeLessThan(1e-12);
    const oracle = gramSchmidtOracle(rows, cols, 1, 99);
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - oracle[i]!)).toBeLessThan(1e-9);
  });

  it("any 2-D shape, gain and seed (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.nat(), fc.double({ min: 0.1, max: 4, noNaN: true }), (rows, cols, seed, gain) => {
        const w = fill(orth(gain), [rows, cols], seed);
        expect(gramError(w, rows, cols, gain)).toBeLessThan(1e-11 * gain * gain);
        const oracle = gramSchmidtOracle(rows, cols, gain, seed);
        for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - oracle[i]!)).toBeLessThan(1e-8 * gain);
      }),
      FC,
    );
  });

  it("gain scales, seed determines, Float32 output stays orthonormal", () => {
    const a = fill(orth(1), [30, 10], 5);
    expect(fill(orth(1), [30, 10], 5)).toEqual(a);
    expect(fill(orth(1), [30, 10], 6)).not.toEqual(a);
    expect(Array.from(fill(orth(2.5), [30, 10], 5))).toEqual(Array.from(a, (x) => 2.5 * x));
    const f32 = new Float32Array(300);
    initialize(orth(1), [30, 10], 5, f32, 0);
    expect(gramError(f32, 30, 10, 1)).toBeLessThan(1e-6);
  });

  it("rejects rank < 2 with a clear error", () => {
    expect(() => fill(orth(1), [5])).toThrow(LayercError);
    expect(() => fill(orth(1), [])).toThrow(/orthogonal initializer needs a shape of rank 2 or more, got \(\)/);
  });
});

describe("initialize arguments", () => {
  it("writes only [offset, offset + size) and rejects ranges outside the buffer", () => {
    const out = new Float64Array(8).fill(7);
    initialize({ name: "he_normal", seed: null }, [2, 2], 3, out, 2);
    expect(Array.from(out.subarray(0, 2))).toEqual([7, 7]);
    expect(Array.from(out.subarray(6))).toEqual([7, 7]);
    expect(() => initialize({ name: "ones" }, [3, 3], 0, out, 0)).toThrow(LayercError);
    expect(() => initialize({ name: "ones" }, [2], 0, out, -1)).toThrow(LayercError);
  });

  it("rejects an unknown initializer name from an untyped spec", () => {
    const spec = { name: "glorot", seed: null } as unknown as InitializerSpec;
    expect(() => fill(spec, [2, 2])).toThrow(/unknown initializer "glorot"/);
  });
});
