/**
 * GaussianDropout(rate, seed=None): in training y = x·m with
 * m ~ N(1, rate/(1 − rate)) per value (Box–Muller); dx = dy·m. Identity at
 * inference and for rate 0. rate must be below 1 (the variance divides by
 * 1 − rate).
 */
import { add, mul, num } from "../kernel/expr.js";
import { noiseLayer, rateBelowOne, seedArg } from "./noise-common.js";
import { normalAt } from "./gaussian-noise.js";
import type { Buf } from "../kernel/buffer.js";
import type { Cell } from "./noise-common.js";
import { described, prod, type Attrs, type KernelContext } from "./types.js";

const rateOf = (attrs: Attrs) => attrs["rate"] as number;
const factor = (ctx: KernelContext, noise: Buf, at: Cell) => add(num(1), mul(num(Math.sqrt(rateOf(ctx.attrs) / (1 - rateOf(ctx.attrs)))), normalAt(noise, at)));

export const gaussianDropout = described(noiseLayer({
  kind: "GaussianDropout",
  defaultName: "gaussian_dropout",
  args: [{ name: "rate", type: { t: "float", min: 0, max: 1 }, required: true, positional: true }, seedArg],
  validate: rateBelowOne,
  draws: (attrs, input) => (rateOf(attrs) > 0 && rateOf(attrs) < 1 ? 2 * prod(input) : 0),
  train: (ctx, noise, at, x) => mul(x, factor(ctx, noise, at)),
  grad: (ctx, noise, at, dy) => mul(dy, factor(ctx, noise, at)),
}), "Multiplies by Gaussian noise of mean 1 and variance rate/(1-rate) while training.");
