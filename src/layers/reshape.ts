/**
 * Reshape(target_shape): same values in the same row-major order under a new
 * per-sample shape; one size may be -1 and is inferred. A copy in both
 * directions; no weights.
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, type Stmt } from "../kernel/expr.js";
import { ints } from "./common.js";
import { prod, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

const tuple = (v: readonly number[]) => (v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`);

function copy(from: string, to: string, size: number): Stmt[] {
  const a = new Buf(from, ["batch", size]);
  const b = new Buf(to, ["batch", size]);
  return [loop("b", BATCH, (bi) => [loop("i", size, (i) => [b.store([bi, i], a.at(bi, i))])])];
}

function reshapeOutput(target: readonly number[], input: readonly number[]): ShapeResult {
  const size = prod(input);
  const known = prod(target.filter((d) => d !== -1));
  const inferred = target.includes(-1);
  if (inferred ? size % known !== 0 : known !== size) {
    return { ok: false, code: "shape_reshape", holes: { from: tuple(input), fromSize: size, to: tuple(target) } };
  }
  return { ok: true, shape: target.map((d) => (d === -1 ? size / known : d)) };
}

export const reshape: LayerDef = {
  kind: "Reshape",
  description: "Reshapes each sample to `target_shape` (one dimension may be -1).",
  defaultName: "reshape",
  args: [{ name: "target_shape", type: { t: "shape", allowMinusOne: true }, required: true, positional: true }],
  outputShape: (attrs, input) => reshapeOutput(ints(attrs, "target_shape"), input),
  params: () => [],
  // shares its input's buffer inside a model; the copy kernels serve a model's last layer
  aliasesInput: true,
  forward: (ctx: KernelContext) => copy(ctx.x.name, ctx.y.name, prod(ctx.inShape)),
  backward: (ctx: KernelContext) => (ctx.needInputGrad ? copy(ctx.dy.name, ctx.dx.name, prod(ctx.inShape)) : []),
};
