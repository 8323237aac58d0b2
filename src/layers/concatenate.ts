/**
 * Concatenate(axis=-1): joins its inputs along one axis (Keras counts the
 * batch as axis 0, so axis=-1 is the last sample axis). Keras 3 shape
 * rule: equal ranks, and equal sizes on every other axis. Forward copies
 * each input into its slice of the output; backward copies the slices of
 * the output gradient back. No weights.
 *
 * Masks (Keras 3 Concatenate.compute_mask): along the last axis the output
 * mask is the OR of the inputs' when all have one (an unmasked input counts
 * as all ones, so otherwise the OR masks nothing and the output has none);
 * along another axis the inputs' masks are concatenated, all ones for an
 * unmasked input.
 */
import { load, loop, storeAt } from "../kernel/buffer.js";
import { add, BATCH, call, mul, num, type Expr, type Stmt } from "../kernel/expr.js";
import type { Attrs, KernelContext, LayerDef, ShapeResult } from "./types.js";
import { prod } from "./types.js";
import { int } from "./common.js";
import type { Shape } from "../ir/model-ir.js";

const shapeText = (s: Shape) => `(None, ${s.join(", ")})`;

/** The sample axis (no batch) that Keras `axis` names for rank-`rank` samples, or -1 if none. */
export function sampleAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank + 1 : axis;
  return a >= 1 && a <= rank ? a - 1 : -1;
}

function concatShape(attrs: Attrs, inputs: readonly Shape[]): ShapeResult {
  const first = inputs[0]!;
  const axis = int(attrs, "axis");
  const a = sampleAxis(axis, first.length);
  if (a < 0) return { ok: false, code: "merge_axis_invalid", holes: { axis, shape: shapeText(first) } };
  for (const s of inputs.slice(1)) {
    if (s.length !== first.length || s.some((d, k) => k !== a && d !== first[k])) {
      return { ok: false, code: "concat_shape_mismatch", holes: { axis, a: shapeText(first), b: shapeText(s) } };
    }
  }
  return { ok: true, shape: first.map((d, k) => (k === a ? inputs.reduce((n, s) => n + s[a]!, 0) : d)) };
}

/** Calls `body` for each input: its rows before the axis, its block size, and its offset in the output block. */
function blocks(ctx: KernelContext) {
  const a = sampleAxis(int(ctx.attrs, "axis"), ctx.outShape.length);
  const rows = prod(ctx.outShape.slice(0, a));
  const after = prod(ctx.outShape.slice(a + 1));
  const total = ctx.outShape[a]! * after;
  let offset = 0;
  return ctx.inShapes.map((s) => {
    const size = s[a]! * after;
    const b = { rows, size, total, offset };
    offset += size;
    return b;
  });
}

const copy = (rows: number, size: number, to: (r: Expr, j: Expr) => [string, Expr], from: (r: Expr, j: Expr) => [string, Expr]) =>
  loop("b", BATCH, (b) => [
    loop("r", rows, (r) => [
      loop("j", size, (j) => {
        const row = add(mul(b, num(rows)), r);
        const [dst, di] = to(row, j);
        const [src, si] = from(row, j);
        return [{ k: "store", buf: dst, index: di, value: { k: "load", buf: src, index: si }, acc: false }];
      }),
    ]),
  ]);

/** Whether the call makes an output mask: along the last axis when every input is masked, along another when any is. */
function combinesMasks(attrs: Attrs, shapes: readonly Shape[], masked: readonly boolean[]): boolean {
  const rank = shapes[0]!.length;
  return sampleAxis(int(attrs, "axis"), rank) === rank - 1 ? masked.every(Boolean) : true;
}

/** The output's mask (see the header). */
function concatMasks(ctx: KernelContext): Stmt[] {
  const out = ctx.maskOut;
  if (out === null) return [];
  const rank = ctx.outShape.length;
  const a = sampleAxis(int(ctx.attrs, "axis"), rank);
  if (a === rank - 1) {
    const rows = prod(ctx.outShape.slice(0, -1));
    return [loop("i", mul(BATCH, num(rows)), (i) => [storeAt(out.name, i, ctx.masks.map((m) => load(m!.name, i) as Expr).reduce((p, q) => call("max", p, q)))])];
  }
  // mask space: the shapes without their last axis, joined along the same axis
  const rows = prod(ctx.outShape.slice(0, a));
  const after = prod(ctx.outShape.slice(a + 1, -1));
  const total = ctx.outShape[a]! * after;
  let offset = 0;
  return ctx.inShapes.map((s, k) => {
    const size = s[a]! * after;
    const at = offset;
    offset += size;
    const m = ctx.masks[k];
    return loop("b", BATCH, (b) => [
      loop("r", rows, (r) => [
        loop("j", size, (j) => {
          const row = add(mul(b, num(rows)), r);
          return [storeAt(out.name, add(add(mul(row, num(total)), num(at)), j), m ? load(m.name, add(mul(row, num(size)), j)) : num(1))];
        }),
      ]),
    ]);
  });
}

export const concatenate: LayerDef = {
  kind: "Concatenate",
  masking: { combines: combinesMasks },
  description: "Joins a list of tensors along `axis` (the others must match).",
  defaultName: "concatenate",
  args: [{ name: "axis", type: { t: "int" }, default: -1, positional: true }],
  outputShape: (_attrs, input) => ({ ok: true, shape: input }),
  merge: { minInputs: 1, outputShape: concatShape },
  params: () => [],
  forward(ctx) {
    return [...concatMasks(ctx), ...blocks(ctx).map(({ rows, size, total, offset }, k) =>
      copy(
        rows,
        size,
        (row, j) => [ctx.y.name, add(add(mul(row, num(total)), num(offset)), j)],
        (row, j) => [ctx.xs[k]!.name, add(mul(row, num(size)), j)],
      ),
    )];
  },
  backward(ctx) {
    return blocks(ctx).flatMap(({ rows, size, total, offset }, k) =>
      ctx.dxs[k]!.name === ""
        ? []
        : [
            copy(
              rows,
              size,
              (row, j) => [ctx.dxs[k]!.name, add(mul(row, num(size)), j)],
              (row, j) => [ctx.dy.name, add(add(mul(row, num(total)), num(offset)), j)],
            ),
          ],
    );
  },
};
