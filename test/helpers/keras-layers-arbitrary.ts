/**
 * fast-check arbitraries for specs over the layers of issue 12: a Dense on
 * the last axis (so every layer's input gradient is exercised), then one to
 * three random layers with random arguments, each chosen among those that
 * accept the current shape, ending in mse on whatever shape is left. Shapes
 * are tracked so every spec checks without errors.
 */
import fc from "fast-check";
import type { LayerSpec } from "./layer-arbitrary.js";

/** A layer for the current shape: its line and output shape, or null if it does not fit. */
export type Step = (shape: number[]) => { line: string; shape: number[] } | null;

const same = (line: string): Step => (sh) => ({ line, shape: sh });
const tuple = (v: readonly number[]) => (v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`);
/** Keras axes (1-based) of a random non-empty subset of the sample axes, chosen by `bits`. */
const axesOf = (rank: number, bits: number): number[] => {
  const all = Array.from({ length: rank }, (_, i) => i + 1).filter((_, i) => (bits >> i) & 1);
  return all.length ? all : [rank];
};

/** Activation, scaling and normalization layers; they keep the shape. */
export const normSteps: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(fc.option(fc.constantFrom(0.5, 1, 6)), fc.constantFrom(0, 0.1), fc.constantFrom(0, 0.3)).map(([max, slope, t]) =>
    same(`ReLU(max_value=${max ?? "None"}, negative_slope=${slope}, threshold=${t})`),
  ),
  fc.constantFrom(0.01, 0.3).map((s) => same(`LeakyReLU(negative_slope=${s})`)),
  fc.constantFrom(0.5, 1.5).map((a) => same(`ELU(alpha=${a})`)),
  fc.constantFrom(-2, 0.5).map((s) => same(`Rescaling(${s}, offset=0.25)`)),
  fc.nat(7).map((bits): Step => (sh) => ({ line: `PReLU(alpha_initializer=RandomUniform(-0.5, 0.5), shared_axes=${tuple(axesOf(sh.length, bits))})`, shape: sh })),
  fc.nat(7).map((bits): Step => (sh) => ({ line: `Softmax(axis=${tuple(axesOf(sh.length, bits))})`, shape: sh })),
  fc.nat(7).map((bits): Step => (sh) => ({ line: `UnitNormalization(axis=${tuple(axesOf(sh.length, bits))})`, shape: sh })),
  fc.tuple(fc.nat(7), fc.boolean(), fc.boolean()).map(([bits, c, s]): Step => (sh) => ({
    line: `LayerNormalization(axis=${tuple(axesOf(sh.length, bits))}, center=${c ? "True" : "False"}, scale=${s ? "True" : "False"}, gamma_initializer=RandomNormal(1.0, 0.2), beta_initializer=RandomNormal(0.0, 0.2))`,
    shape: sh,
  })),
  fc.boolean().map((invert): Step => (sh) => {
    const c = sh[sh.length - 1]!;
    const mean = Array.from({ length: c }, (_, i) => (i - 1) * 0.5);
    const variance = Array.from({ length: c }, (_, i) => 0.5 + i);
    return { line: `Normalization(mean=${tuple(mean)}, variance=${tuple(variance)}, invert=${invert ? "True" : "False"})`, shape: sh };
  }),
);

/** Rank-2/3 (steps or height/width, channels) spatial layers of issue 12, with random geometry. */
const spatial = (make: (sh: number[]) => { line: string; shape: number[] } | null): Step => (sh) => (sh.length < 2 || sh.length > 3 ? null : make(sh));
const kind = (sh: number[], base: string) => `${base}${sh.length - 1}D`;
const deconvOut = (L: number, k: number, s: number, padding: string) => (padding === "valid" ? (L - 1) * s + Math.max(k, s) : L * s);
const convOut = (L: number, k: number, s: number, padding: string) => (padding === "valid" ? Math.floor((L - k) / s) + 1 : Math.ceil(L / s));

export const spatialSteps: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(fc.nat(2), fc.nat(2)).map(([a, b]): Step => spatial((sh) => ({ line: `${kind(sh, "ZeroPadding")}(${sh.length === 2 ? `(${a}, ${b})` : `((${a}, ${b}), (${b}, ${a}))`})`, shape: sh.map((d, i) => (i < sh.length - 1 ? d + a + b : d)) }))),
  fc.tuple(fc.nat(1), fc.nat(1)).map(([a, b]): Step =>
    spatial((sh) => (sh.slice(0, -1).some((d) => d - a - b < 1) ? null : { line: `${kind(sh, "Cropping")}(${sh.length === 2 ? `(${a}, ${b})` : `((${a}, ${b}), (${b}, ${a}))`})`, shape: sh.map((d, i) => (i < sh.length - 1 ? d - a - b : d)) })),
  ),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([s, bilinear]): Step =>
    spatial((sh) =>
      sh.length === 2
        ? { line: `UpSampling1D(${s})`, shape: [sh[0]! * s, sh[1]!] }
        : { line: `UpSampling2D((${s}, 2), interpolation='${bilinear ? "bilinear" : "nearest"}')`, shape: [sh[0]! * s, sh[1]! * 2, sh[2]!] },
    ),
  ),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom("valid", "same"), fc.constantFrom("linear", "tanh", "relu")).map(([k, s, padding, act]): Step =>
    spatial((sh) => ({
      line: `${kind(sh, "Conv")}Transpose(2, ${k}, strides=${s}, padding='${padding}', activation='${act}')`,
      shape: [...sh.slice(0, -1).map((d) => deconvOut(d, k, s, padding)), 2],
    })),
  ),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom("valid", "same"), fc.integer({ min: 1, max: 2 }), fc.boolean()).map(([k, s, padding, dm, separable]): Step =>
    spatial((sh) => {
      const out = sh.slice(0, -1).map((d) => convOut(d, k, s, padding));
      if (out.some((o) => o < 1)) return null;
      if (separable) return { line: `${kind(sh, "SeparableConv")}(2, ${k}, strides=${s}, padding='${padding}', depth_multiplier=${dm}, activation='tanh')`, shape: [...out, 2] };
      if (sh.length !== 3) return null;
      return { line: `DepthwiseConv2D(${k}, strides=${s}, padding='${padding}', depth_multiplier=${dm})`, shape: [...out, sh[2]! * dm] };
    }),
  ),
  fc.constantFrom("SpatialDropout", "GaussianNoise(0.2)", "GaussianDropout(0.3)", "AlphaDropout(0.1)").map((l): Step =>
    spatial((sh) => ({ line: l === "SpatialDropout" ? `${kind(sh, "SpatialDropout")}(0.3)` : l, shape: sh })),
  ),
);

export function specArbitrary(steps: fc.Arbitrary<Step>, ranks: readonly number[]): fc.Arbitrary<LayerSpec & { unroll: string }> {
  return fc
    .record({
      rank: fc.constantFrom(...ranks),
      sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
      steps: fc.array(steps, { minLength: 1, maxLength: 3 }),
      optimizer: fc.constantFrom("SGD(learning_rate=0.05)", "Adam(learning_rate=0.01)"),
      unroll: fc.constantFrom("auto", "loops", "full"),
      seed: fc.integer({ min: 0, max: 999 }),
    })
    .map((r) => {
      const inShape = r.sizes.slice(0, r.rank).map((s, i) => (i === r.rank - 1 ? s : s + 1));
      let shape = [...inShape];
      const lines = [`Dense(${shape[shape.length - 1]}, activation='tanh')`];
      for (const step of r.steps) {
        const out = step(shape);
        if (out) {
          lines.push(out.line);
          shape = out.shape;
        }
      }
      const source = `model L(seed=${r.seed}, unroll=${r.unroll}) {\n  Input(shape=${tuple(inShape)})\n${lines.map((l) => `  ${l}`).join("\n")}\n  compile(optimizer=${r.optimizer}, loss='mse')\n}\n`;
      return { source, inShape, outShape: shape, loss: "mse", unroll: r.unroll };
    });
}
