/**
 * Weight initializers with Keras 3 semantics (keras-semantics.md §1): the
 * runtime fills each weight tensor with `initialize`, given a spec whose
 * arguments the checker has already resolved to Keras 3 defaults. Part of
 * the shipped runtime, so it imports only runtime files.
 *
 * Values are computed in float64 and rounded once when stored, so a
 * Float32Array and a Float64Array filled from one seed agree up to that
 * rounding. Draws are consumed in row-major order, one per element (the
 * orthogonal initializer draws its (max, min) matrix row-major). Keras's
 * own RNG is unrelated, so only the distributions match Keras, not values.
 */
import { LayercError } from "./errors.js";
import { deriveSeed, Rng } from "./random.js";
import type { InitializerSpec } from "./spec.js";

/** Standard deviation of a standard normal truncated to [−2, 2]; Keras divides σ by it. */
const TRUNCATED_STD = 0.87962566103423978;

type FanMode = "fan_in" | "fan_out" | "fan_avg";
type Distribution = "uniform" | "truncated_normal" | "untruncated_normal";
type Shortcut = "glorot_uniform" | "glorot_normal" | "he_uniform" | "he_normal" | "lecun_uniform" | "lecun_normal";

/** The VarianceScaling definition of each named initializer: scale, mode, distribution. */
const SHORTCUTS: Record<Shortcut, readonly [number, FanMode, Distribution]> = {
  glorot_uniform: [1, "fan_avg", "uniform"],
  glorot_normal: [1, "fan_avg", "truncated_normal"],
  he_uniform: [2, "fan_in", "uniform"],
  he_normal: [2, "fan_in", "truncated_normal"],
  lecun_uniform: [1, "fan_in", "uniform"],
  lecun_normal: [1, "fan_in", "truncated_normal"],
};

const showShape = (shape: readonly number[]): string => `(${shape.join(", ")})`;

/**
 * Keras 3 `compute_fans`: rank 0 → (1, 1); rank 1 → (n, n); rank 2 →
 * (rows, cols); rank ≥ 3 is a channels-last kernel `(*spatial, in, out)`
 * → (in·rf, out·rf) with rf the product of the spatial sizes.
 */
export function computeFans(shape: readonly number[]): [fanIn: number, fanOut: number] {
  const r = shape.length;
  if (r === 0) return [1, 1];
  if (r === 1) return [shape[0]!, shape[0]!];
  let rf = 1;
  for (let i = 0; i < r - 2; i++) rf *= shape[i]!;
  return [shape[r - 2]! * rf, shape[r - 1]! * rf];
}

/**
 * Fills `out[offset, end)` (end − offset = ∏shape) row-major with a fresh
 * tensor of `shape` drawn per `spec`; `kinds` are the initializers the
 * model links (unit_forget_bias fills through its inner one).
 */
export type InitializerFill = (
  spec: InitializerSpec,
  shape: readonly number[],
  seed: number,
  out: Float32Array | Float64Array,
  offset: number,
  end: number,
  kinds: InitializerKinds,
) => void;

/** The initializers a model links, by name: a generated class only those its weights use (so a bundle carries only those). */
export type InitializerKinds = Readonly<Partial<Record<InitializerSpec["name"], InitializerFill>>>;

/**
 * Fills `out[offset, offset + ∏shape)` row-major with a fresh tensor of
 * `shape` drawn per `spec`. `seed` is this tensor's seed (the caller chose
 * between `spec.seed` and the model-derived one); non-random initializers
 * ignore it. Throws LayercError for shapes the initializer does not accept
 * and for a range that does not fit in `out`.
 */
export function initialize(
  spec: InitializerSpec,
  shape: readonly number[],
  seed: number,
  out: Float32Array | Float64Array,
  offset: number,
): void {
  initializeWith(INITIALIZERS, spec, shape, seed, out, offset);
}

/** `initialize` with the initializers `kinds` links (a model's); an initializer it does not link throws. */
export function initializeWith(
  kinds: InitializerKinds,
  spec: InitializerSpec,
  shape: readonly number[],
  seed: number,
  out: Float32Array | Float64Array,
  offset: number,
): void {
  const size = shape.reduce((p, d) => p * d, 1);
  const end = offset + size;
  if (!(offset >= 0 && end <= out.length)) {
    throw new LayercError(`cannot initialize ${size} values at offset ${offset} of a buffer of length ${out.length}`);
  }
  const fill = Object.hasOwn(kinds, spec.name) ? kinds[spec.name] : undefined;
  if (fill === undefined) throw new LayercError(`unknown initializer "${(spec as { name: string }).name}"`);
  fill(spec, shape, seed, out, offset, end, kinds);
}

/** The variant of InitializerSpec whose name includes N. */
type Spec<N extends InitializerSpec["name"]> = InitializerSpec extends infer S ? (S extends { readonly name: infer M } ? (N extends M ? S : never) : never) : never;

// one export per initializer (or family): a generated model links those its weights use

/** zeros, ones and constant. */
export const constantInit: InitializerFill = (spec, _shape, _seed, out, offset, end) =>
  void out.fill(spec.name === "constant" ? spec.value : spec.name === "ones" ? 1 : 0, offset, end);

export const identityInit: InitializerFill = (spec, shape, _seed, out, offset) => identity(shape, (spec as Spec<"identity">).gain, out, offset);

export const orthogonalInit: InitializerFill = (spec, shape, seed, out, offset) => orthogonal(shape, (spec as Spec<"orthogonal">).gain, new Rng(seed), out, offset);

/** Keras calls the inner initializer twice, for (units,) and (2·units,). */
export const unitForgetBiasInit: InitializerFill = (spec, _shape, seed, out, offset, _end, kinds) => {
  const { inner, units: u } = spec as Spec<"unit_forget_bias">;
  initializeWith(kinds, inner, [u], inner.seed ?? seed, out, offset);
  out.fill(1, offset + u, offset + 2 * u);
  initializeWith(kinds, inner, [2 * u], inner.seed ?? deriveSeed(seed, 1), out, offset + 2 * u);
};

/** One draw per element, in order. */
const draws =
  (sampler: (spec: InitializerSpec, shape: readonly number[], rng: Rng) => () => number): InitializerFill =>
  (spec, shape, seed, out, offset, end) => {
    const draw = sampler(spec, shape, new Rng(seed));
    for (let i = offset; i < end; i++) out[i] = draw();
  };

export const randomNormalInit: InitializerFill = draws((spec, _shape, rng) => {
  const { mean, stddev } = spec as Spec<"random_normal">;
  return () => mean + stddev * rng.normal();
});

export const truncatedNormalInit: InitializerFill = draws((spec, _shape, rng) => {
  const { mean, stddev } = spec as Spec<"truncated_normal">;
  return () => mean + stddev * rng.truncatedNormal();
});

export const randomUniformInit: InitializerFill = draws((spec, _shape, rng) => {
  const { minval, maxval } = spec as Spec<"random_uniform">;
  return () => minval + (maxval - minval) * rng.uniform();
});

/** variance_scaling and its named forms (glorot_*, he_*, lecun_*). */
export const varianceScalingInit: InitializerFill = draws((spec, shape, rng) => {
  if (spec.name === "variance_scaling") return varianceScaling(shape, spec.scale, spec.mode, spec.distribution, rng);
  const def = SHORTCUTS[spec.name as Shortcut];
  return varianceScaling(shape, def[0], def[1], def[2], rng);
});

/** Every initializer (interpreted models, `initialize`). */
export const INITIALIZERS: Readonly<Record<InitializerSpec["name"], InitializerFill>> = {
  zeros: constantInit,
  ones: constantInit,
  constant: constantInit,
  identity: identityInit,
  orthogonal: orthogonalInit,
  unit_forget_bias: unitForgetBiasInit,
  random_normal: randomNormalInit,
  truncated_normal: truncatedNormalInit,
  random_uniform: randomUniformInit,
  variance_scaling: varianceScalingInit,
  glorot_uniform: varianceScalingInit,
  glorot_normal: varianceScalingInit,
  he_uniform: varianceScalingInit,
  he_normal: varianceScalingInit,
  lecun_uniform: varianceScalingInit,
  lecun_normal: varianceScalingInit,
};

/** The runtime export of each initializer, for generated modules' imports (the emitter reads it). */
export const INITIALIZER_EXPORTS: Readonly<Record<InitializerSpec["name"], string>> = {
  zeros: "constantInit",
  ones: "constantInit",
  constant: "constantInit",
  identity: "identityInit",
  orthogonal: "orthogonalInit",
  unit_forget_bias: "unitForgetBiasInit",
  random_normal: "randomNormalInit",
  truncated_normal: "truncatedNormalInit",
  random_uniform: "randomUniformInit",
  variance_scaling: "varianceScalingInit",
  glorot_uniform: "varianceScalingInit",
  glorot_normal: "varianceScalingInit",
  he_uniform: "varianceScalingInit",
  he_normal: "varianceScalingInit",
  lecun_uniform: "varianceScalingInit",
  lecun_normal: "varianceScalingInit",
};

/**
 * Keras 3 VarianceScaling with s = scale / max(1, n): uniform on
 * [−√(3s), √(3s)); truncated normal with σ = √s / 0.8796… (so the sample
 * std is √s); untruncated normal with σ = √s.
 */
function varianceScaling(
  shape: readonly number[],
  scale: number,
  mode: FanMode,
  distribution: Distribution,
  rng: Rng,
): () => number {
  const [fanIn, fanOut] = computeFans(shape);
  const n = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
  const s = scale / Math.max(1, n);
  if (distribution === "uniform") {
    const limit = Math.sqrt(3 * s);
    return () => limit * (2 * rng.uniform() - 1);
  }
  if (distribution === "truncated_normal") {
    const sigma = Math.sqrt(s) / TRUNCATED_STD;
    return () => sigma * rng.truncatedNormal();
  }
  const sigma = Math.sqrt(s);
  return () => sigma * rng.normal();
}

/** Keras 3 Identity: gain · eye(rows, cols) for any 2-D shape. */
function identity(shape: readonly number[], gain: number, out: Float32Array | Float64Array, offset: number): void {
  if (shape.length !== 2) {
    throw new LayercError(`the identity initializer needs a 2-D shape, got ${showShape(shape)}`);
  }
  const [rows, cols] = shape as readonly [number, number];
  out.fill(0, offset, offset + rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) out[offset + i * cols + i] = gain;
}

/**
 * Keras 3 Orthogonal: view the shape as (rows = ∏shape[:-1], cols =
 * shape[-1]); draw an (m, n) = (max, min) standard-normal matrix A; take its
 * thin QR; scale Q's columns by sign(diag R) (making the result the unique
 * QR factor with R's diagonal positive, whatever the QR algorithm);
 * transpose if rows < cols; multiply by gain.
 *
 * QR is Householder in float64 (backward stable, unlike classical
 * Gram–Schmidt), O(m·n²). Matrices are stored column-major so that each
 * reflector works on contiguous columns; conveniently, column-major Q is
 * exactly row-major Qᵀ, the wide case's answer.
 */
function orthogonal(
  shape: readonly number[],
  gain: number,
  rng: Rng,
  out: Float32Array | Float64Array,
  offset: number,
): void {
  if (shape.length < 2) {
    throw new LayercError(`the orthogonal initializer needs a shape of rank 2 or more, got ${showShape(shape)}`);
  }
  const cols = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j * m + i] = rng.normal();

  // Reflector k is H = I − 2vvᵀ with unit v (zero above row k) sending
  // column k of A to r·e_k; r = −sign(a_kk)·‖a[k:, k]‖ avoids cancellation.
  const v = new Float64Array(m * n);
  const sign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm2 = 0;
    for (let i = k; i < m; i++) norm2 += a[k * m + i]! ** 2;
    const r = a[k * m + k]! > 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    sign[k] = r < 0 ? -1 : 1;
    let vv = 0;
    for (let i = k; i < m; i++) {
      const x = a[k * m + i]! - (i === k ? r : 0);
      v[k * m + i] = x;
      vv += x * x;
    }
    if (vv === 0) continue; // column already r·e_k (measure zero): H = I
    const scale = 1 / Math.sqrt(vv);
    for (let i = k; i < m; i++) v[k * m + i]! *= scale;
    reflect(v, k, m, a, k + 1, n);
  }

  // Q = H_0 ⋯ H_{n−1} applied to the first n columns of I, innermost first;
  // H_k leaves columns j < k of the partial product untouched.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) reflect(v, k, m, q, k, n);

  if (rows < cols) {
    for (let t = 0; t < m * n; t++) out[offset + t] = gain * sign[Math.floor(t / m)]! * q[t]!;
  } else {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) out[offset + i * n + j] = gain * sign[j]! * q[j * m + i]!;
    }
  }
}

/** Applies reflector k (unit vector v[k·m + k …]) to columns [from, to) of the column-major x. */
function reflect(v: Float64Array, k: number, m: number, x: Float64Array, from: number, to: number): void {
  const vk = k * m;
  for (let j = from; j < to; j++) {
    const xj = j * m;
    let dot = 0;
    for (let i = k; i < m; i++) dot += v[vk + i]! * x[xj + i]!;
    dot *= 2;
    for (let i = k; i < m; i++) x[xj + i]! -= dot * v[vk + i]!;
  }
}
