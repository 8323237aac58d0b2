/**
 * The runtime's seedable random numbers: weight initialization, dropout
 * masks and seeded shuffles all draw from `Rng`. Part of the shipped
 * runtime, so it imports nothing.
 *
 * Invariant: a seed fixes every value bit for bit on every engine. The
 * generator uses only 32-bit integer arithmetic (`Math.imul`, `| 0`,
 * `>>> 0`); the samplers use only +, −, ×, ÷ and `Math.sqrt`, which IEEE 754
 * rounds exactly. `Math.log`/`sin`/`cos` are implementation-defined in
 * JavaScript (last-ulp differences between engines), so `ln` below is
 * written out rather than borrowed.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator from
 * PractRand). 128-bit state with a built-in counter, so every seed has a
 * period of at least 2^32 (about 2^127 expected); it passes TestU01 BigCrush
 * and long PractRand runs, and its step is adds, xors and shifts only, which
 * JITs compile to a handful of instructions. xoshiro128** is as good but
 * needs two multiplies per step.
 *
 * Seeding: a Weyl sequence (step 0x9e3779b9) hashed by `mix32` fills the
 * four state words (the splitmix construction, 32-bit), and the first 12
 * outputs are discarded as sfc's author recommends. Distinct 32-bit seeds
 * therefore give distinct states.
 */

/**
 * A bijective 32-bit hash: Chris Wellons' "lowbias32" from hash-prospector
 * (xor-shift-multiply, near-ideal avalanche). mix32(0) = 0.
 */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Reduces any number to a 32-bit seed: integers in [0, 2^32) map to
 * themselves; larger integers fold their high word in through `mix32`;
 * fractions are truncated; NaN and ±Infinity become 0.
 */
function fold(seed: number): number {
  return ((seed >>> 0) ^ mix32((seed / 4294967296) >>> 0)) >>> 0;
}

/**
 * Natural log for x > 0 using only exactly rounded operations, so it gives
 * the same bits everywhere: scale x into [√½, √2] by powers of two (exact),
 * then ln m = 2·atanh(z) with z = (m−1)/(m+1), |z| ≤ 0.1716, summed as an
 * odd series to z^25 (truncation error < 1e−19). Accurate to a few ulp.
 */
export function ln(x: number): number {
  let e = 0;
  while (x < Math.SQRT1_2) (x *= 2), e--;
  while (x > Math.SQRT2) (x /= 2), e++;
  const z = (x - 1) / (x + 1);
  const z2 = z * z;
  let p = 0;
  for (let k = 25; k > 0; k -= 2) p = p * z2 + 1 / k;
  return 2 * z * p + e * Math.LN2;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The second value of the last polar-method pair, or NaN if used up. */
  private spare = NaN;

  constructor(seed: number) {
    let w = fold(seed);
    const next = (): number => mix32((w = (w + 0x9e3779b9) | 0));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Writes the generator's state into `out` (5 values), so a rejected training step can put it back. */
  saveState(out: Float64Array): void {
    out[0] = this.a;
    out[1] = this.b;
    out[2] = this.c;
    out[3] = this.d;
    out[4] = this.spare;
  }

  /** Restores a state written by {@link saveState}. */
  restoreState(s: Float64Array): void {
    this.a = s[0]! | 0;
    this.b = s[1]! | 0;
    this.c = s[2]! | 0;
    this.d = s[3]! | 0;
    this.spare = s[4]!;
  }

  /** The next raw output, an integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /**
   * Uniform in [0, 1) from one draw: k / 2^32, so 32 bits of resolution
   * (finer than the float32 weights it usually feeds) and never 1.
   */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Standard normal by Marsaglia's polar method: (u, v) uniform in the unit
   * disc gives two independent normals u·f and v·f, f = √(−2 ln s / s);
   * the second is kept for the next call. Chosen over Box–Muller because it
   * needs no sin/cos (only `ln`, which is ours, and the exact `Math.sqrt`).
   */
  normal(): number {
    const spare = this.spare;
    if (!Number.isNaN(spare)) {
      this.spare = NaN;
      return spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * ln(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Standard normal truncated to [−2, 2] by re-drawing (as Keras and TF do). */
  truncatedNormal(): number {
    let z: number;
    do z = this.normal();
    while (z < -2 || z > 2);
    return z;
  }

  /**
   * Uniform integer in [0, n) for an integer 1 ≤ n ≤ 2^32, without modulo
   * bias: draws at or above the largest multiple of n that fits in 32 bits
   * are rejected (fewer than half of all draws, usually almost none).
   */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && n % 1 === 0)) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** Shuffles `items` in place (Fisher–Yates, every permutation equally likely) and returns it. */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
    const xs: { [i: number]: unknown } = items;
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return items;
  }
}

/**
 * The seed of tensor `index` in a model seeded `modelSeed`. Each input is
 * hashed separately and the results are xored and hashed again, so for a
 * fixed model seed distinct indices (< 2^32) give distinct seeds, and
 * neighbouring model seeds or indices give unrelated streams.
 */
export function deriveSeed(modelSeed: number, index: number): number {
  return mix32(mix32(fold(modelSeed) ^ 0x85ebca6b) ^ mix32(Math.imul(index + 1, 0x9e3779b9)));
}

/**
 * A 32-bit hash of a string (FNV-1a over UTF-16 code units, then `mix32`),
 * the same on every engine.
 */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/**
 * The seed of the weight called `name` (`layer/weight`, e.g. `dense_1/kernel`)
 * in a model seeded `modelSeed`: it depends only on the seed and that stable
 * identity, never on the weight's position, so adding, removing or editing
 * one layer leaves every other layer's initial weights unchanged.
 */
export function weightSeed(modelSeed: number, name: string): number {
  return deriveSeed(modelSeed, hashName(name));
}

/**
 * A fresh seed for models that declare none: from `crypto.getRandomValues`
 * where the platform has it (browsers, Node ≥ 19, Deno, Bun), else
 * `Math.random`.
 */
export function randomSeed(): number {
  const crypto = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (crypto?.getRandomValues) return crypto.getRandomValues(new Uint32Array(1))[0]!;
  return (Math.random() * 4294967296) >>> 0;
}
