/**
 * Flatten: (batch, d1, ..., dn) → (batch, d1·…·dn) in row-major order
 * (for NHWC that is h, w, c). A copy in both directions; no weights.
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH } from "../kernel/expr.js";
import { prod, type KernelContext, type LayerDef } from "./types.js";

function copy(from: Buf, to: Buf, size: number) {
  const a = new Buf(from.name, ["batch", size]);
  const b = new Buf(to.name, ["batch", size]);
  return [loop("b", BATCH, (bi) => [loop("i", size, (i) => [b.store([bi, i], a.at(bi, i))])])];
}

export const flatten: LayerDef = {
  kind: "Flatten",
  description: "Flattens each sample to one dimension (no parameters).",
  defaultName: "flatten",
  args: [],
  inputRank: { min: 1, max: 8, describe: "at least 1" },
  outputShape: (_attrs, input) => ({ ok: true, shape: [prod(input)] }),
  params: () => [],
  // shares its input's buffer inside a model; the copy kernels serve a model's last layer
  aliasesInput: true,
  forward: (ctx: KernelContext) => copy(ctx.x, ctx.y, prod(ctx.inShape)),
  backward: (ctx: KernelContext) => (ctx.needInputGrad ? copy(ctx.dy, ctx.dx, prod(ctx.inShape)) : []),
};
