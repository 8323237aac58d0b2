/**
 * Masking(mask_value=0.0), Keras 3: a timestep (the last axis's vector at
 * one position) whose every value equals mask_value is masked — its output
 * is zeros and its mask is 0; every other step passes through with mask 1.
 * The mask goes to the layers after it (src/phases/2-check/masks.ts).
 * Backward: dx = dy on kept steps, 0 on masked ones.
 */
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { BATCH, cmp, mul, num, ref, select, type Expr, type Stmt } from "../kernel/expr.js";
import { prod, type KernelContext, type LayerDef } from "./types.js";

function views(ctx: KernelContext) {
  const f = ctx.inShape[ctx.inShape.length - 1]!;
  const rows = prod(ctx.inShape) / f;
  const view = (name: string) => new Buf(name, ["batch", rows, f]);
  return { f, rows, view };
}

/** keep ← 1 when some value of row (b, r) differs from mask_value, else 0. */
function keepOf(ctx: KernelContext, x: Buf, b: Expr, r: Expr, f: number): Stmt[] {
  const v = ctx.attrs["mask_value"] as number;
  return [letVar("keep", num(0)), loop("f", f, (j) => [setVar("keep", select(cmp("!=", x.at(b, r, j), num(v)), num(1), ref("keep")))])];
}

export const masking: LayerDef = {
  kind: "Masking",
  description: "Masks the timesteps whose every value equals `mask_value` (zeroing them); recurrent layers after it skip those steps.",
  defaultName: "masking",
  args: [{ name: "mask_value", type: { t: "float" }, default: 0, positional: true }],
  inputRank: { min: 1, max: 8, describe: "at least 1 (…, features)" },
  masking: { makes: () => true, keeps: () => true },
  outputShape: (_attrs, input) => ({ ok: true, shape: [...input] }),
  params: () => [],

  forward(ctx: KernelContext): Stmt[] {
    const { f, rows, view } = views(ctx);
    const [x, y] = [view(ctx.x.name), view(ctx.y.name)];
    const mask = ctx.maskOut ? new Buf(ctx.maskOut.name, ["batch", rows]) : null;
    return [
      loop("b", BATCH, (b) => [
        loop("r", rows, (r) => [
          ...keepOf(ctx, x, b, r, f),
          ...(mask ? [mask.store([b, r], ref("keep"))] : []),
          loop("f", f, (j) => [y.store([b, r, j], mul(x.at(b, r, j), ref("keep")))]),
        ]),
      ]),
    ];
  },

  backward(ctx: KernelContext): Stmt[] {
    if (!ctx.needInputGrad) return [];
    const { f, rows, view } = views(ctx);
    const [x, dx, dy] = [view(ctx.x.name), view(ctx.dx.name), view(ctx.dy.name)];
    return [loop("b", BATCH, (b) => [loop("r", rows, (r) => [...keepOf(ctx, x, b, r, f), loop("f", f, (j) => [dx.store([b, r, j], mul(dy.at(b, r, j), ref("keep")))])])])];
  },
};
