/**
 * The runtime PRNG: bit-exact golden streams (computed by an independent C
 * implementation of splitmix-seeded sfc32, the polar method and the series
 * ln — see the comments), statistical checks of each sampler at fixed seeds,
 * and fast-check properties with a fixed fast-check seed.
 *
 * Statistical tolerances: a mean must lie within 5 standard errors, a
 * standard deviation within 1 % (≥ 4.4 standard errors at these sample
 * sizes), a chi-square below its 0.9999 quantile.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Rng, deriveSeed, ln, randomSeed } from "../src/runtime/random.js";

const FC = { seed: 20240607, numRuns: 200 };

function stats(xs: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (xs.length - 1)), min, max };
}

const draws = (n: number, f: () => number): Float64Array => Float64Array.from({ length: n }, f);

describe("Rng stream (golden values from an independent C implementation)", () => {
  // gcc: mix32 = lowbias32; state words mix32(seed + k·0x9e3779b9), k = 1..4;
  // 12 discarded sfc32 outputs; then these.
  const golden: [number, number[]][] = [
    [0, [2922680431, 803217101, 496295668, 391281643, 1468582436, 50987373]],
    [1, [845037242, 4135648491, 2944625099, 3147075719, 1926481213, 3079610539]],
    [42, [3502659753, 3919853302, 4142252394, 4023679871, 2914258767, 4210265447]],
    [4294967295, [1969202317, 3505321268, 846818948, 4056422543, 2879150202, 4250718565]],
  ];
  it.each(golden)("seed %i", (seed, expected) => {
    const rng = new Rng(seed);
    expect(expected.map(() => rng.nextUint32())).toEqual(expected);
  });

  it("normal() for seed 42 matches the C polar method bit for bit", () => {
    const rng = new Rng(42);
    const expected = [
      0.8103165265586985, 0.18156360090569246, -0.02437267878895748, -0.7684695127571286, 1.7561310513524973,
      -0.12507489983057313,
    ];
    expect(expected.map(() => rng.normal())).toEqual(expected);
  });

  it("deriveSeed matches the C implementation", () => {
    expect([deriveSeed(42, 0), deriveSeed(42, 1), deriveSeed(0, 0), deriveSeed(7, 1000)]).toEqual([
      1801882133, 506485726, 2771556020, 858683270,
    ]);
  });
});

describe("Rng determinism", () => {
  it("same seed gives the same sequence; different seeds differ", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const a = new Rng(seed);
        const b = new Rng(seed);
        const c = new Rng((seed + 1) >>> 0);
        const xs = draws(32, () => a.nextUint32());
        expect(draws(32, () => b.nextUint32())).toEqual(xs);
        expect(draws(32, () => c.nextUint32())).not.toEqual(xs);
      }),
      FC,
    );
  });

  it("folds seeds beyond 32 bits instead of dropping the high word", () => {
    expect(new Rng(2 ** 32 + 5).nextUint32()).not.toBe(new Rng(5).nextUint32());
    expect(new Rng(5.7).nextUint32()).toBe(new Rng(5).nextUint32());
  });
});

describe("Rng samplers", () => {
  const N = 200_000;

  it("nextUint32 returns integers in [0, 2^32) using all bits", () => {
    const rng = new Rng(1);
    let or = 0;
    let and = -1;
    for (let i = 0; i < 1000; i++) {
      const x = rng.nextUint32();
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
      or |= x;
      and &= x;
    }
    expect(or >>> 0).toBe(0xffffffff);
    expect(and).toBe(0);
  });

  it("uniform() is in [0, 1) with mean 1/2 and variance 1/12", () => {
    const rng = new Rng(2);
    const s = stats(draws(N, () => rng.uniform()));
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
    expect(Math.abs(s.mean - 0.5)).toBeLessThan((5 * Math.sqrt(1 / 12)) / Math.sqrt(N));
    expect(Math.abs(s.std / Math.sqrt(1 / 12) - 1)).toBeLessThan(0.01);
  });

  it("normal() has mean 0, std 1 and normal tails", () => {
    const rng = new Rng(3);
    const xs = draws(N, () => rng.normal());
    const s = stats(xs);
    expect(Math.abs(s.mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(s.std - 1)).toBeLessThan(0.01);
    // P(|z| > 2) = 0.0455003; binomial standard error.
    const p = 0.04550026;
    const tail = xs.filter((x) => Math.abs(x) > 2).length / N;
    expect(Math.abs(tail - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
    // Excess kurtosis 0 (standard error √(24/N) ≈ 0.011).
    const kurt = xs.reduce((a, x) => a + x ** 4, 0) / N / s.std ** 4 - 3;
    expect(Math.abs(kurt)).toBeLessThan(5 * Math.sqrt(24 / N));
  });

  it("truncatedNormal() stays in [-2, 2] with std 0.87962566103423978", () => {
    const rng = new Rng(4);
    const s = stats(draws(N, () => rng.truncatedNormal()));
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(s.max).toBeGreaterThan(1.99);
    expect(Math.abs(s.mean)).toBeLessThan((5 * 0.88) / Math.sqrt(N));
    expect(Math.abs(s.std / 0.87962566103423978 - 1)).toBeLessThan(0.01);
  });

  it("int(n) is uniform on [0, n): chi-square for n = 7", () => {
    const rng = new Rng(5);
    const counts = new Array<number>(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[rng.int(7)]!++;
    expect(counts.reduce((a, c) => a + c, 0)).toBe(draws); // every k was an index in 0..6
    const chi2 = counts.reduce((a, c) => a + (c - draws / 7) ** 2 / (draws / 7), 0);
    expect(chi2).toBeLessThan(27.9); // 0.9999 quantile, 6 degrees of freedom
  });

  it("int(n) has no modulo bias where plain % would be badly biased", () => {
    // n = 3·2^30: `x % n` would put half of all results below n/3.
    const n = 3 * 2 ** 30;
    const rng = new Rng(6);
    const m = 100_000;
    let low = 0;
    for (let i = 0; i < m; i++) if (rng.int(n) < n / 3) low++;
    expect(Math.abs(low / m - 1 / 3)).toBeLessThan(5 * Math.sqrt(2 / 9 / m));
  });

  it("int(n) edge cases and bad arguments", () => {
    const rng = new Rng(7);
    expect(rng.int(1)).toBe(0);
    expect(rng.int(2 ** 32)).toBeLessThan(2 ** 32);
    for (const bad of [0, -1, 1.5, 2 ** 32 + 1, NaN, Infinity]) expect(() => rng.int(bad)).toThrow(RangeError);
  });
});

describe("Rng.shuffle", () => {
  it("is a deterministic permutation, in place", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 50 }), fc.nat(), (xs, seed) => {
        const a = xs.slice();
        expect(new Rng(seed).shuffle(a)).toBe(a);
        expect(a.slice().sort((p, q) => p - q)).toEqual(xs.slice().sort((p, q) => p - q));
        expect(new Rng(seed).shuffle(xs.slice())).toEqual(a);
      }),
      FC,
    );
  });

  it("shuffles typed arrays too", () => {
    const idx = new Rng(8).shuffle(Uint32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(idx).sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(idx)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("makes all 6 permutations of 3 items equally likely", () => {
    const rng = new Rng(9);
    const counts = new Map<string, number>();
    const m = 60_000;
    for (let i = 0; i < m; i++) {
      const key = rng.shuffle([0, 1, 2]).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chi2 = [...counts.values()].reduce((a, c) => a + (c - m / 6) ** 2 / (m / 6), 0);
    expect(chi2).toBeLessThan(25.7); // 0.9999 quantile, 5 degrees of freedom
  });
});

describe("deriveSeed / randomSeed", () => {
  it("gives distinct 32-bit seeds per tensor index and per model seed", () => {
    const seen = new Set<number>();
    for (let k = 0; k < 10_000; k++) {
      const s = deriveSeed(42, k);
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
      seen.add(s);
    }
    expect(seen.size).toBe(10_000);
    expect(deriveSeed(43, 0)).not.toBe(deriveSeed(42, 0));
    expect(deriveSeed(42, 0)).toBe(deriveSeed(42, 0));
  });

  it("derived streams are uncorrelated between neighbouring indices", () => {
    const n = 100_000;
    const a = new Rng(deriveSeed(1, 0));
    const b = new Rng(deriveSeed(1, 1));
    let r = 0;
    for (let i = 0; i < n; i++) r += (a.uniform() - 0.5) * (b.uniform() - 0.5);
    // correlation = r / (n / 12), standard error 1/√n
    expect(Math.abs((12 * r) / n)).toBeLessThan(5 / Math.sqrt(n));
  });

  afterEach(() => vi.unstubAllGlobals());

  it("randomSeed returns fresh 32-bit integers, with or without crypto", () => {
    const a = randomSeed();
    expect(Number.isInteger(a) && a >= 0 && a < 2 ** 32).toBe(true);
    expect(randomSeed()).not.toBe(a);
    vi.stubGlobal("crypto", undefined);
    const b = randomSeed();
    expect(Number.isInteger(b) && b >= 0 && b < 2 ** 32).toBe(true);
  });
});

describe("ln (the engine-independent log)", () => {
  it("agrees with Math.log to 4 ulp over all positive doubles", () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), (x) => {
        const want = Math.log(x);
        expect(Math.abs(ln(x) - want)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(Math.abs(want), 1e-300));
      }),
      { ...FC, numRuns: 2000 },
    );
    expect(ln(1)).toBe(0);
  });
});
