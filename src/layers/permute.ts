/**
 * Permute(dims): reorders the per-sample axes; `dims` is a permutation of
 * 1..rank (the batch axis is 0 and never moves). Output axis i is input
 * axis dims[i] − 1. Forward and backward are the same copy in opposite
 * directions; no weights.
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, type Expr, type Stmt } from "../kernel/expr.js";
import { ints } from "./common.js";
import type { KernelContext, LayerDef, ShapeResult } from "./types.js";

/** Visits every output position: `body(outIdx, inIdx)` with one index expression per axis. */
function copyLoops(ctx: KernelContext, body: (b: Expr, out: Expr[], inp: Expr[]) => Stmt): Stmt[] {
  const dims = ints(ctx.attrs, "dims");
  const nest = (b: Expr, axis: number, out: Expr[]): Stmt[] => {
    if (axis === dims.length) {
      const inp: Expr[] = new Array<Expr>(dims.length);
      dims.forEach((d, i) => (inp[d - 1] = out[i]!));
      return [body(b, out, inp)];
    }
    return [loop(`p${axis}`, ctx.outShape[axis]!, (v) => nest(b, axis + 1, [...out, v]))];
  };
  return [loop("b", BATCH, (b) => nest(b, 0, []))];
}

export const permute: LayerDef = {
  kind: "Permute",
  description: "Reorders the axes of each sample by `dims` (1-based, the batch axis stays first).",
  defaultName: "permute",
  args: [{ name: "dims", type: { t: "shape" }, required: true, positional: true }],

  outputShape(attrs, input): ShapeResult {
    const dims = ints(attrs, "dims");
    const sorted = [...dims].sort((a, b) => a - b);
    if (dims.length !== input.length || sorted.some((d, i) => d !== i + 1)) {
      const expected = input.map((_, i) => i + 1).join(", ");
      return { ok: false, code: "permute_dims", holes: { dims: `(${dims.join(", ")}${dims.length === 1 ? "," : ""})`, rank: input.length, expected: `(${expected}${input.length === 1 ? "," : ""})` } };
    }
    return { ok: true, shape: dims.map((d) => input[d - 1]!) };
  },
  params: () => [],

  forward(ctx: KernelContext): Stmt[] {
    const x = new Buf(ctx.x.name, ["batch", ...ctx.inShape]);
    const y = new Buf(ctx.y.name, ["batch", ...ctx.outShape]);
    return copyLoops(ctx, (b, out, inp) => y.store([b, ...out], x.at(b, ...inp)));
  },

  backward(ctx: KernelContext): Stmt[] {
    if (!ctx.needInputGrad) return [];
    const dx = new Buf(ctx.dx.name, ["batch", ...ctx.inShape]);
    const dy = new Buf(ctx.dy.name, ["batch", ...ctx.outShape]);
    return copyLoops(ctx, (b, out, inp) => dx.store([b, ...inp], dy.at(b, ...out)));
  },
};
