/**
 * Layers that map every value on its own (ReLU, LeakyReLU, ELU, Rescaling):
 * the layer states y = f(x) and dy/dx as kernel-form expressions once;
 * this file turns them into forward and backward kernels over the flat
 * sample. Backward reads the layer's input, which is still in the previous
 * layer's output buffer (or the model input) when backward runs. Both are
 * elementwise loops over the batch: native where the model has native
 * kernels and the expressions allow (compares, selections, min/max; not exp).
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, elementwise, num, type Expr, type Stmt } from "../kernel/expr.js";
import { keepsMask } from "./mask-support.js";
import { type LayerBody, prod, type ArgSpec, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

export interface Pointwise {
  readonly kind: string;
  readonly defaultName: string;
  readonly args: readonly ArgSpec[];
  /** y for input value x. */
  readonly f: (attrs: Attrs, x: Expr) => Expr;
  /** dL/dx for input value x and upstream gradient dy. */
  readonly df: (attrs: Attrs, x: Expr, dy: Expr) => Expr;
  /** Argument checks beyond the schema's. */
  readonly validate?: (attrs: Attrs) => ShapeResult | undefined;
}

/** `to[b, i] = value(from[b, i], extra[b, i])` over every value of the sample. */
export function mapValues(size: number, to: string, value: (b: Expr, i: Expr) => Expr): Stmt[] {
  const out = new Buf(to, ["batch", size]);
  return [loop("b", BATCH, (b) => [loop("i", size, (i) => [out.store([b, i], value(b, i))])])];
}

/** mapValues as an elementwise loop over the batch (native where the backend can). */
const mapped = (label: string, size: number, to: string, value: (b: Expr, i: Expr) => Expr): Stmt[] => mapValues(size, to, value).map((l) => elementwise(label, size, l, true));

/** Zeroes every value of a [batch, size] buffer. */
export const zeroAll = (name: string, size: number): Stmt[] => mapValues(size, name, () => num(0));

export function pointwiseLayer(p: Pointwise): LayerBody {
  const flat = (ctx: KernelContext, name: string) => new Buf(name, ["batch", prod(ctx.inShape)]);
  return {
    kind: p.kind,
    masking: keepsMask,
    defaultName: p.defaultName,
    args: p.args,
    outputShape: (attrs, input) => p.validate?.(attrs) ?? { ok: true, shape: input },
    params: () => [],
    forward: (ctx) => mapped("forward", prod(ctx.inShape), ctx.y.name, (b, i) => p.f(ctx.attrs, flat(ctx, ctx.x.name).at(b, i))),
    backward: (ctx) =>
      ctx.needInputGrad
        ? mapped("input_grad", prod(ctx.inShape), ctx.dx.name, (b, i) => p.df(ctx.attrs, flat(ctx, ctx.x.name).at(b, i), flat(ctx, ctx.dy.name).at(b, i)))
        : [],
  };
}
