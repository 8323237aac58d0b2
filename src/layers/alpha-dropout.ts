/**
 * AlphaDropout(rate, seed=None): dropout for self-normalizing (selu)
 * networks, as Keras 3 computes it in training, with keep = u ≥ rate:
 *   α' = −1.6732632423543772 · 1.0507009873554805
 *   a = ((1 − rate)(1 + rate·α'²))^(−1/2),  b = −a·α'·rate
 *   y = a·(keep ? x : α') + b,   dx = keep ? a·dy : 0
 * Identity at inference and for rate 0; rate must be below 1.
 * `noise_shape` is not supported.
 */
import { add, cmp, mul, num, select } from "../kernel/expr.js";
import { noiseLayer, rateBelowOne, seedArg } from "./noise-common.js";
import { described, prod, type Attrs } from "./types.js";

const ALPHA_P = -1.6732632423543772 * 1.0507009873554805;
const rateOf = (attrs: Attrs) => attrs["rate"] as number;
const affine = (attrs: Attrs) => {
  const rate = rateOf(attrs);
  const a = ((1 - rate) * (1 + rate * ALPHA_P * ALPHA_P)) ** -0.5;
  return { a, b: -a * ALPHA_P * rate, rate };
};

export const alphaDropout = described(noiseLayer({
  kind: "AlphaDropout",
  defaultName: "alpha_dropout",
  args: [{ name: "rate", type: { t: "float", min: 0, max: 1 }, required: true, positional: true }, seedArg],
  validate: rateBelowOne,
  draws: (attrs, input) => (rateOf(attrs) > 0 && rateOf(attrs) < 1 ? prod(input) : 0),
  train(ctx, noise, at, x) {
    const { a, b, rate } = affine(ctx.attrs);
    return add(mul(num(a), select(cmp(">=", noise.at(at.b, at.flat), num(rate)), x, num(ALPHA_P))), num(b));
  },
  grad(ctx, noise, at, dy) {
    const { a, rate } = affine(ctx.attrs);
    return select(cmp(">=", noise.at(at.b, at.flat), num(rate)), mul(num(a), dy), num(0));
  },
}), "Dropout that keeps the mean and variance of its inputs (for SELU networks) while training.");
