/**
 * Reductions over a set of axes, shared by the layers that normalize or
 * take a softmax over some axes of a sample (LayerNormalization,
 * UnitNormalization, Softmax). Axes are written as in Keras: the batch is
 * axis 0, so the first sample axis is 1, and negative axes count from the
 * end. A sample splits into groups: one per combination of the kept axes,
 * each reducing over the combinations of the reduced axes.
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, type Expr, type Stmt } from "../kernel/expr.js";
import type { AttrValue, Shape } from "../ir/model-ir.js";
import { prod, type Attrs, type ShapeResult } from "./types.js";

/** An `axes` attribute as a list (a default may be a single number). */
export const axesAttr = (v: AttrValue | undefined): readonly number[] => (typeof v === "number" ? [v] : ((v ?? []) as readonly number[]));

/**
 * Keras axes → 0-based sample axes (sorted, distinct); an error naming the
 * argument when an axis is the batch or out of range.
 */
export function sampleAxes(name: string, axes: readonly number[], shape: Shape): { ok: true; axes: number[] } | (ShapeResult & { ok: false }) {
  const rank = shape.length;
  const out = new Set<number>();
  for (const a of axes) {
    const k = a < 0 ? a + rank + 1 : a;
    if (k < 1 || k > rank) {
      return {
        ok: false,
        code: "arg_range",
        holes: { name, constraint: `an axis of the input (1 to ${rank}, or -1 to -${rank}; axis 0 is the batch)`, got: String(a) },
      };
    }
    out.add(k - 1);
  }
  return { ok: true, axes: [...out].sort((x, y) => x - y) };
}

export interface AxisSplit {
  readonly shape: Shape;
  /** Reduced sample axes (0-based, sorted) and their sizes. */
  readonly reduced: readonly number[];
  readonly reducedShape: Shape;
  /** Kept sample axes and their sizes. */
  readonly kept: readonly number[];
  readonly keptShape: Shape;
  /** Values per group and groups per sample. */
  readonly size: number;
  readonly groups: number;
}

export function splitAxes(shape: Shape, reduced: readonly number[]): AxisSplit {
  const kept = shape.map((_, i) => i).filter((i) => !reduced.includes(i));
  const reducedShape = reduced.map((i) => shape[i]!);
  const keptShape = kept.map((i) => shape[i]!);
  return { shape, reduced, reducedShape, kept, keptShape, size: prod(reducedShape), groups: prod(keptShape) };
}

/** The split an `axis=` argument makes (the last axis when it is invalid, which outputShape has reported). */
export function splitAxisAttr(attrs: Attrs, shape: Shape): AxisSplit {
  const r = sampleAxes("axis", axesAttr(attrs["axis"]), shape);
  return splitAxes(shape, r.ok ? r.axes : [shape.length - 1]);
}

/** outputShape of a layer that keeps its input's shape and reduces over `axis=`: the input, or the axis error. */
export function sameShapeOverAxis(attrs: Attrs, input: Shape): ShapeResult {
  const r = sampleAxes("axis", axesAttr(attrs["axis"]), input);
  return r.ok ? { ok: true, shape: input } : r;
}

/** Loops named `${prefix}0…` over `sizes`. */
export function nest(prefix: string, sizes: readonly number[], body: (idx: Expr[]) => Stmt[]): Stmt[] {
  const go = (a: number, idx: Expr[]): Stmt[] => (a === sizes.length ? body(idx) : [loop(`${prefix}${a}`, sizes[a]!, (i) => go(a + 1, [...idx, i]))]);
  return go(0, []);
}

/** One group: its sample, kept indices and flat group index, and a way to loop over its members. */
export interface Group {
  readonly b: Expr;
  /** Flat index of the group within the sample (for per-group scratch). */
  readonly g: Expr;
  /** Loops over the group's members; `idx` is the full sample index, `r` the flat index over the reduced axes. */
  members(prefix: string, body: (idx: Expr[], r: Expr) => Stmt[]): Stmt[];
}

/** Loops over every (sample, group) of a [batch, ...shape] tensor. */
export function overGroups(s: AxisSplit, body: (group: Group) => Stmt[]): Stmt[] {
  const keptFlat = new Buf("", s.keptShape);
  const reducedFlat = new Buf("", s.reducedShape);
  return [
    loop("b", BATCH, (b) =>
      nest("k", s.keptShape, (kept) => {
        const g = s.kept.length ? keptFlat.index(...kept) : ({ k: "num", v: 0 } as Expr);
        return body({
          b,
          g,
          members: (prefix, inner) =>
            nest(prefix, s.reducedShape, (red) => {
              const idx = s.shape.map((_, i) => (s.reduced.includes(i) ? red[s.reduced.indexOf(i)]! : kept[s.kept.indexOf(i)]!));
              return inner(idx, s.reduced.length ? reducedFlat.index(...red) : { k: "num", v: 0 });
            }),
        });
      }),
    ),
  ];
}

/** A [batch, ...shape] view of a buffer. */
export const view = (name: string, shape: Shape): Buf => new Buf(name, ["batch", ...shape]);
