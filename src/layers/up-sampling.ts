/**
 * UpSampling1D(size=2) and UpSampling2D(size=(2, 2), interpolation=
 * 'nearest'|'bilinear'|'bicubic'|'lanczos3'|'lanczos5'|'area'), channels-last; no weights.
 *
 * Output position o = q·s + r along an axis (q the input position, r the
 * phase). nearest: y[o] = x[q] (Keras repeats values). bilinear (Keras's
 * image.resize, half-pixel centers): the source coordinate of o is
 * q + δ_r with δ_r = (r + ½)/s − ½ ∈ (−½, ½), read from the two nearest
 * input positions with weights 1 − |frac| and |frac|, clamped at the
 * edges (the half-pixel kernel renormalized there, as jax.image.resize
 * does). The phases are compile-time constants, so each (r_h, r_w) gets
 * its own loop nest over (q_h, q_w, c) with constant weights. Backward
 * scatters dy through the same taps into dx (zeroed first).
 *
 * bicubic, lanczos3, lanczos5 (jax.image.resize without antialiasing, which
 * Keras 3 calls): per axis a weight matrix computed at compile time as JAX's
 * compute_weight_mat does — kernel(|o + ½)/s − ½ − i|) for every input
 * position i (Keys cubic with a = −½, or Lanczos of radius 3 / 5), taps
 * outside the image left out and the rest renormalized to sum 1 — applied
 * separably (rows into a scratch buffer, then columns), each output
 * coordinate with its own constant taps. area: TensorFlow's ResizeArea
 * (Keras 3's TF backend; its JAX and PyTorch backends reject 'area') averages
 * the input pixels an output pixel's box [o/s, (o+1)/s) covers; for an
 * integer upscale that box lies inside input pixel ⌊o/s⌋, so area is
 * exactly nearest, which is what runs.
 */
import { nest, view } from "./axes.js";
import { zeroAll } from "./pointwise.js";
import { add, BATCH, cmp, mul, num, ref, select, sub, type Expr, type Stmt } from "../kernel/expr.js";
import { letVar, loop, setVar } from "../kernel/buffer.js";
import { ints } from "./common.js";
import { type LayerBody, described, prod, type KernelContext, type LayerDef } from "./types.js";

/** One input position read for output phase r: index as a function of q, and its weight. */
interface Tap {
  readonly at: (q: Expr) => Expr;
  readonly w: number;
}

/** Bilinear taps of phase r on an axis of length L upsampled by s. */
function bilinearTaps(L: number, s: number, r: number): Tap[] {
  const delta = (r + 0.5) / s - 0.5;
  if (delta === 0) return [{ at: (q) => q, w: 1 }];
  const f = Math.abs(delta);
  // the neighbour before (δ < 0) or after (δ > 0), clamped into the axis
  const other =
    delta < 0 ? (q: Expr) => select(cmp(">", q, num(0)), sub(q, num(1)), num(0)) : (q: Expr) => select(cmp("<", q, num(L - 1)), add(q, num(1)), num(L - 1));
  return [
    { at: (q) => q, w: 1 - f },
    { at: other, w: f },
  ];
}

const nearestTaps = (): Tap[] => [{ at: (q) => q, w: 1 }];

/** Every phase combination with its taps per spatial axis (cartesian product over axes). */
function phases(sizes: readonly number[], input: readonly number[], bilinear: boolean): { r: number[]; taps: Tap[][] }[] {
  let out: { r: number[]; taps: Tap[][] }[] = [{ r: [], taps: [] }];
  sizes.forEach((s, a) => {
    const next: typeof out = [];
    for (const p of out) for (let r = 0; r < s; r++) next.push({ r: [...p.r, r], taps: [...p.taps, bilinear ? bilinearTaps(input[a]!, s, r) : nearestTaps()] });
    out = next;
  });
  return out;
}

/** Every combination of one tap per axis: index per axis and the product of weights. */
function combos(taps: readonly Tap[][], q: readonly Expr[]): { at: Expr[]; w: number }[] {
  let out: { at: Expr[]; w: number }[] = [{ at: [], w: 1 }];
  taps.forEach((axis, a) => {
    out = out.flatMap((c) => axis.map((t) => ({ at: [...c.at, t.at(q[a]!)], w: c.w * t.w })));
  });
  return out;
}

/** The resampling kernels of jax.image.resize, as functions of the distance x ≥ 0. */
const RESAMPLERS: Readonly<Record<string, (x: number) => number>> = {
  bicubic: (x) => (x >= 2 ? 0 : x >= 1 ? ((-0.5 * x + 2.5) * x - 4) * x + 2 : ((1.5 * x - 2.5) * x) * x + 1),
  lanczos3: (x) => lanczos(3, x),
  lanczos5: (x) => lanczos(5, x),
};

function lanczos(radius: number, x: number): number {
  if (x > radius) return 0;
  if (x <= 1e-3) return 1;
  return (radius * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / radius)) / (Math.PI * Math.PI * x * x);
}

/** For each output position along an axis of length L upsampled by s: its input taps (index, weight), as JAX computes them. */
function weightRows(kernel: (x: number) => number, L: number, s: number): { i: number; w: number }[][] {
  const rows: { i: number; w: number }[][] = [];
  for (let o = 0; o < L * s; o++) {
    const at = (o + 0.5) / s - 0.5;
    const taps = Array.from({ length: L }, (_, i) => ({ i, w: Math.fround(kernel(Math.fround(Math.abs(at - i)))) })).filter((t) => t.w !== 0);
    const sum = taps.reduce((a, t) => a + t.w, 0);
    rows.push(Math.abs(sum) > 1000 * 1.1920928955078125e-7 ? taps.map((t) => ({ i: t.i, w: t.w / sum })) : []);
  }
  return rows;
}

/**
 * Separable resampling of (H, W, C) by weight rows: rows pass x → t (H·s_h, W, C),
 * column pass t → y; backward runs the transposes (dy → dt → dx).
 */
function resampled(ctx: KernelContext, backward: boolean, kernel: (x: number) => number): Stmt[] {
  const [sh, sw] = ints(ctx.attrs, "size") as [number, number];
  const [H, W, C] = ctx.inShape as [number, number, number];
  const rowsH = weightRows(kernel, H, sh);
  const rowsW = weightRows(kernel, W, sw);
  const x = view(backward ? ctx.dx.name : ctx.x.name, ctx.inShape);
  const y = view(backward ? ctx.dy.name : ctx.y.name, ctx.outShape);
  const t = view(ctx.scratch(backward ? "dt" : "t").name, [H * sh, W, C]);
  const sum = (terms: Expr[]): Expr => (terms.length === 0 ? num(0) : terms.reduce((a, v) => add(a, v)));
  // forward: t[oh, w] = Σ Wh[oh, i]·x[i, w]; y[oh, ow] = Σ Ww[ow, j]·t[oh, j]
  if (!backward) {
    return [
      loop("b", BATCH, (b) => rowsH.map((taps, oh) => loop("w", W, (w) => [loop("c", C, (c) => [t.store([b, num(oh), w, c], sum(taps.map((k) => mul(num(k.w), x.at(b, num(k.i), w, c)))))])]))),
      loop("b", BATCH, (b) => [loop("h", H * sh, (h) => rowsW.map((taps, ow) => loop("c", C, (c) => [y.store([b, h, num(ow), c], sum(taps.map((k) => mul(num(k.w), t.at(b, h, num(k.i), c)))))])))]),
    ];
  }
  // backward: dt[oh, j] = Σ_ow Ww[ow, j]·dy[oh, ow]; dx[i, w] = Σ_oh Wh[oh, i]·dt[oh, w] (gathered per input position)
  const gather = (rows: { i: number; w: number }[][], n: number) => Array.from({ length: n }, (_, i) => rows.flatMap((taps, o) => taps.filter((k) => k.i === i).map((k) => ({ o, w: k.w }))));
  const byJ = gather(rowsW, W);
  const byI = gather(rowsH, H);
  return [
    loop("b", BATCH, (b) => [loop("h", H * sh, (h) => byJ.map((taps, j) => loop("c", C, (c) => [t.store([b, h, num(j), c], sum(taps.map((k) => mul(num(k.w), y.at(b, h, num(k.o), c)))))])))]),
    loop("b", BATCH, (b) => byI.map((taps, i) => loop("w", W, (w) => [loop("c", C, (c) => [x.store([b, num(i), w, c], sum(taps.map((k) => mul(num(k.w), t.at(b, num(k.o), w, c)))))])]))),
  ];
}

function kernels(ctx: KernelContext, backward: boolean): Stmt[] {
  const size = ints(ctx.attrs, "size");
  const rank = size.length;
  const resampler = RESAMPLERS[ctx.attrs["interpolation"] as string];
  if (resampler) return resampled(ctx, backward, resampler);
  const bilinear = ctx.attrs["interpolation"] === "bilinear";
  const [x, y] = backward ? [view(ctx.dx.name, ctx.inShape), view(ctx.dy.name, ctx.outShape)] : [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.outShape)];
  const spatial = ctx.inShape.slice(0, rank);
  const channels = ctx.inShape[rank]!;
  if (!bilinear && backward) {
    // each input value gathers its s₀·s₁… copies
    return [
      loop("b", BATCH, (b) =>
        nest("q", spatial, (q) => [
          loop("c", channels, (c) => [
            letVar("g", num(0)),
            ...nest("r", size, (r) => [setVar("g", y.at(b, ...q.map((v, a) => add(mul(v, num(size[a]!)), r[a]!)), c), true)]),
            x.store([b, ...q, c], ref("g")),
          ]),
        ]),
      ),
    ];
  }
  const out: Stmt[] = backward ? zeroAll(ctx.dx.name, prod(ctx.inShape)) : [];
  for (const p of phases(size, spatial, bilinear)) {
    out.push(
      loop("b", BATCH, (b) =>
        nest("q", spatial, (q) => [
          loop("c", channels, (c) => {
            const o = q.map((v, a) => add(mul(v, num(size[a]!)), num(p.r[a]!)));
            const taps = combos(p.taps, q);
            if (backward) return taps.map((t) => x.accumulate([b, ...t.at, c], mul(num(t.w), y.at(b, ...o, c))));
            const value = taps.map((t) => mul(num(t.w), x.at(b, ...t.at, c))).reduce((s, v) => add(s, v));
            return [y.store([b, ...o, c], value)];
          }),
        ]),
      ),
    );
  }
  return out;
}

function upSamplingLayer(kind: string, defaultName: string, rank: 1 | 2, describeInput: string): LayerBody {
  return {
    kind,
    defaultName,
    args: [
      { name: "size", type: { t: "ints", rank, min: 1 }, default: Array.from({ length: rank }, () => 2), positional: true },
      ...(rank === 2
        ? ([
            { name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null },
            { name: "interpolation", type: { t: "enum", values: ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"] }, default: "nearest" },
          ] as const)
        : []),
    ],
    inputRank: { min: rank + 1, max: rank + 1, describe: describeInput },
    outputShape: (attrs, input) => ({ ok: true, shape: input.map((d, a) => (a < rank ? d * ints(attrs, "size")[a]! : d)) }),
    params: () => [],
    // the separable resamplers keep the rows pass in a scratch buffer (and its gradient)
    scratch: (attrs, input, _output, training) => {
      if (!(String(attrs["interpolation"]) in RESAMPLERS)) return [];
      const size = prod(input) * ints(attrs, "size")[0]!;
      return [{ name: "t", size }, ...(training ? [{ name: "dt", size }] : [])];
    },
    forward: (ctx) => kernels(ctx, false),
    backward: (ctx) => (ctx.needInputGrad ? kernels(ctx, true) : []),
  };
}

export const upSampling1d = described(upSamplingLayer("UpSampling1D", "up_sampling1d", 1, "2 (steps, channels)"), "Repeats each step `size` times.");
export const upSampling2d = described(upSamplingLayer("UpSampling2D", "up_sampling2d", 2, "3 (height, width, channels)"), "Enlarges rows and columns `size` times: repeated (nearest), or resampled (bilinear, bicubic, lanczos3, lanczos5) as jax.image.resize does. `area` is TensorFlow's area resize, which for an integer factor is exactly nearest; Keras 3 accepts it only on the TensorFlow backend (on JAX and PyTorch it raises).");
