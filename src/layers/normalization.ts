/**
 * Normalization(axis=-1, mean=…, variance=…, invert=False) with given
 * statistics (layerc has no adapt()): one mean and variance per index of
 * the `axis` axes (or a single pair broadcast over them; axis=None: one
 * pair for everything), as Keras 3 computes it:
 *   y = (x − mean) / max(√variance, 1e-7)     (invert: y = mean + x · max(√variance, 1e-7))
 * No weights (Keras keeps given statistics as constants), so the constants
 * are folded into the kernel: one loop over the other axes per statistic.
 */
import { add, BATCH, mul, num, type Expr, type Stmt } from "../kernel/expr.js";
import { loop } from "../kernel/buffer.js";
import { axesAttr, nest, sampleAxes, splitAxes, view } from "./axes.js";
import type { Attrs, KernelContext, LayerDef, ShapeResult } from "./types.js";
import { keepsMask } from "./mask-support.js";

const EPSILON = 1e-7;

/** The statistic axes (0-based) of a sample. */
function statAxes(attrs: Attrs, shape: readonly number[]) {
  if (attrs["axis"] === null) return { ok: true as const, axes: [] as number[] };
  return sampleAxes("axis", axesAttr(attrs["axis"]), shape);
}

function axesOf(ctx: KernelContext): number[] {
  const r = statAxes(ctx.attrs, ctx.inShape);
  return r.ok ? r.axes : [];
}

function checkStats(attrs: Attrs, shape: readonly number[]): ShapeResult {
  const r = statAxes(attrs, shape);
  if (!r.ok) return r;
  const mean = attrs["mean"] as readonly number[] | null;
  const variance = attrs["variance"] as readonly number[] | null;
  if (mean === null || variance === null) {
    return { ok: false, code: "normalization_no_statistics", holes: { missing: mean === null ? "mean" : "variance" } };
  }
  const want = splitAxes(shape, r.axes).reducedShape.reduce((a, b) => a * b, 1);
  for (const [name, v] of [["mean", mean], ["variance", variance]] as const) {
    if (v.length !== 1 && v.length !== want) {
      return { ok: false, code: "arg_range", holes: { name, constraint: `1 or ${want} values (one per index of axis ${JSON.stringify(attrs["axis"])})`, got: `${v.length} values` } };
    }
  }
  if (variance.some((v) => v < 0)) return { ok: false, code: "arg_range", holes: { name: "variance", constraint: "values ≥ 0", got: variance.join(", ") } };
  return { ok: true, shape };
}

/**
 * `to = scale·from + shift` with constants per index of the sample axes `axes`
 * (none: one pair for everything): an unrolled loop over those indices, each
 * over the other axes. Also Rescaling's kernel.
 */
export function affine(ctx: KernelContext, axes: readonly number[], from: string, to: string, coeff: (i: number) => { scale: number; shift: number }): Stmt[] {
  const s = splitAxes(ctx.inShape, axes);
  const [a, y] = [view(from, ctx.inShape), view(to, ctx.inShape)];
  const out: Stmt[] = [];
  for (let stat = 0; stat < s.size; stat++) {
    const { scale, shift } = coeff(stat);
    // the index of `stat` along each statistic axis (row-major)
    let rest = stat;
    const fixed = new Map<number, Expr>();
    for (let k = s.reduced.length - 1; k >= 0; k--) {
      const d = s.reducedShape[k]!;
      fixed.set(s.reduced[k]!, num(rest % d));
      rest = Math.floor(rest / d);
    }
    out.push(
      loop("b", BATCH, (b) =>
        nest("i", s.keptShape, (kept) => {
          const idx = ctx.inShape.map((_, d) => fixed.get(d) ?? kept[s.kept.indexOf(d)]!);
          return [y.store([b, ...idx], add(mul(a.at(b, ...idx), num(scale)), num(shift)))];
        }),
      ),
    );
  }
  return out;
}

function stats(attrs: Attrs, i: number) {
  const mean = attrs["mean"] as readonly number[];
  const variance = attrs["variance"] as readonly number[];
  const m = mean.length === 1 ? mean[0]! : mean[i]!;
  const sd = Math.max(Math.sqrt(variance.length === 1 ? variance[0]! : variance[i]!), EPSILON);
  return { m, sd };
}

export const normalization: LayerDef = {
  kind: "Normalization",
  masking: keepsMask,
  description: "Standardizes features with a fixed `mean` and `variance`: `(x - mean) / sqrt(variance)`.",
  defaultName: "normalization",
  args: [
    { name: "axis", type: { t: "nullable", inner: { t: "axes" } }, default: -1, positional: true },
    { name: "mean", type: { t: "nullable", inner: { t: "floats" } }, default: null, positional: true },
    { name: "variance", type: { t: "nullable", inner: { t: "floats" } }, default: null, positional: true },
    { name: "invert", type: { t: "bool" }, default: false, positional: true },
  ],
  outputShape: checkStats,
  params: () => [],
  forward(ctx) {
    const invert = ctx.attrs["invert"] === true;
    return affine(ctx, axesOf(ctx), ctx.x.name, ctx.y.name, (i) => {
      const { m, sd } = stats(ctx.attrs, i);
      return invert ? { scale: sd, shift: m } : { scale: 1 / sd, shift: -m / sd };
    });
  },
  backward(ctx) {
    if (!ctx.needInputGrad) return [];
    const invert = ctx.attrs["invert"] === true;
    return affine(ctx, axesOf(ctx), ctx.dy.name, ctx.dx.name, (i) => {
      const { sd } = stats(ctx.attrs, i);
      return { scale: invert ? sd : 1 / sd, shift: 0 };
    });
  },
};
