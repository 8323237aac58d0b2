/**
 * Dropout(rate, seed=None): inverted dropout, active only in training
 * (reference/keras-semantics.md §2.4, Keras 3 semantics):
 *   - inference (predict, evaluate): y = x;
 *   - training: keep = u ≥ rate with u ~ U[0, 1), y = keep ? x / (1 − rate) : 0,
 *     so P(keep) = 1 − rate; rate = 1 gives zeros (Keras 3; tfjs would give
 *     the identity), rate = 0 the identity in both modes.
 * The noise u lives in a `random` scratch buffer that the runtime refills
 * from the model's seeded stream before every training forward; backward
 * runs after that forward and reads the same buffer, so it uses the same mask.
 *
 * `seed` (a non-negative integer or None) gives the layer its own mask
 * stream, as Keras's per-layer SeedGenerator does: the masks then do not
 * depend on the model seed. Without it masks come from the model's stream.
 * `noise_shape` is not supported. Every pass is an elementwise loop over
 * the batch (native where the model has native kernels).
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, cmp, div, elementwise, num, select, type Expr, type Stmt } from "../kernel/expr.js";
import { prod, type Attrs, type KernelContext, type LayerDef } from "./types.js";
import { keepsMask } from "./mask-support.js";

const rateOf = (attrs: Attrs): number => attrs["rate"] as number;

/** Dropout really masks in training (0 < rate < 1); rate 0 and 1 need no noise. */
const masks = (attrs: Attrs) => rateOf(attrs) > 0 && rateOf(attrs) < 1;

/** to = from in training mode, through the mask held in `noise` (also used for dx = dy through the mask). */
function apply(ctx: KernelContext, label: string, from: string, to: string): Stmt[] {
  const rate = rateOf(ctx.attrs);
  const size = prod(ctx.inShape);
  const a = new Buf(from, ["batch", size]);
  const b = new Buf(to, ["batch", size]);
  const each = (value: (bi: Expr, i: Expr) => Expr) => [elementwise(label, size, loop("b", BATCH, (bi) => [loop("i", size, (i) => [b.store([bi, i], value(bi, i))])]), true)];
  if (rate >= 1) return each(() => num(0));
  if (rate <= 0) return each((bi, i) => a.at(bi, i));
  const noise = new Buf(ctx.scratch("noise").name, ["batch", size]);
  return each((bi, i) => select(cmp(">=", noise.at(bi, i), num(rate)), div(a.at(bi, i), num(1 - rate)), num(0)));
}

export const dropout: LayerDef = {
  kind: "Dropout",
  masking: keepsMask,
  description: "Sets a `rate` fraction of inputs to 0 while training and scales the rest by 1/(1-rate).",
  defaultName: "dropout",
  args: [
    { name: "rate", type: { t: "float", min: 0, max: 1 }, required: true, positional: true },
    { name: "seed", type: { t: "nullable", inner: { t: "int", min: 0 } }, default: null },
  ],
  outputShape: (_attrs, input) => ({ ok: true, shape: input }),
  params: () => [],
  scratch: (attrs, input, _output, training) => (training && masks(attrs) ? [{ name: "noise", size: prod(input), random: true, seed: attrs["seed"] as number | null }] : []),
  forward(ctx: KernelContext): Stmt[] {
    if (!ctx.training) {
      const size = prod(ctx.inShape);
      const x = new Buf(ctx.x.name, ["batch", size]);
      const y = new Buf(ctx.y.name, ["batch", size]);
      return [elementwise("copy", size, loop("b", BATCH, (b) => [loop("i", size, (i) => [y.store([b, i], x.at(b, i))])]), true)];
    }
    return apply(ctx, "forward", ctx.x.name, ctx.y.name);
  },
  backward: (ctx: KernelContext) => (ctx.needInputGrad ? apply(ctx, "input_grad", ctx.dy.name, ctx.dx.name) : []),
};
