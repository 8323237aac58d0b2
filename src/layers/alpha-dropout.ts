/**
 * AlphaDropout(rate, seed=None): dropout for self-normalizing (selu)
 * networks, as Keras 3 computes it in training, with keep = u ≥ rate:
 *   α' = −1.6732632423543772 · 1.0507009873554805
 *   a = ((1 − rate)(1 + rate·α'²))^(−1/2),  b = −a·α'·rate
 *   y = a·(keep ? x : α') + b,   dx = keep ? a·dy : 0
 * Identity at inference and for rate 0; rate must be below 1.
 * `noise_shape` (Keras: the shape of the random tensor, batch first, None for
 * "as the input"; a 1 shares one draw along that axis): draws per sample are
 * the noise shape without its batch entry, and a batch entry of 1 shares
 * sample 0's draws across the batch.
 */
import { add, cmp, mul, num, select, type Expr } from "../kernel/expr.js";
import type { Buf } from "../kernel/buffer.js";
import { noiseLayer, rateBelowOne, seedArg, type Cell } from "./noise-common.js";
import { described, prod, type Attrs, type ShapeResult } from "./types.js";

const ALPHA_P = -1.6732632423543772 * 1.0507009873554805;
const rateOf = (attrs: Attrs) => attrs["rate"] as number;
const affine = (attrs: Attrs) => {
  const rate = rateOf(attrs);
  const a = ((1 - rate) * (1 + rate * ALPHA_P * ALPHA_P)) ** -0.5;
  return { a, b: -a * ALPHA_P * rate, rate };
};

/** The noise shape without its batch entry (None → the input's size), and whether the batch shares one draw. */
function noiseShape(attrs: Attrs, input: readonly number[]): { dims: number[]; shared: boolean } {
  const given = attrs["noise_shape"] as number[] | null;
  if (!given) return { dims: [...input], shared: false };
  return { dims: given.slice(1).map((d, a) => (d === 0 ? input[a]! : d)), shared: given[0] === 1 };
}

function checkNoiseShape(attrs: Attrs, input: readonly number[]): ShapeResult | undefined {
  const given = attrs["noise_shape"] as number[] | null;
  if (!given) return undefined;
  const got = `(${given.map((d) => (d === 0 ? "None" : String(d))).join(", ")})`;
  const bad = (constraint: string): ShapeResult => ({ ok: false, code: "arg_range", holes: { name: "noise_shape", constraint, got } });
  if (given.length !== input.length + 1) return bad(`${input.length + 1} entries: the batch, then one per input axis (None: as the input)`);
  if (given[0] !== 0 && given[0] !== 1) return bad("None or 1 as its batch entry (the batch size is not fixed)");
  const wrong = given.slice(1).findIndex((d, a) => d !== 0 && d !== 1 && d !== input[a]);
  return wrong < 0 ? undefined : bad(`1, None or the input's size (${input[wrong]}) at axis ${wrong + 1}`);
}

/** The draw for a value: its index in the noise shape (size-1 axes share index 0). */
function draw(attrs: Attrs, input: readonly number[], noise: Buf, at: Cell): Expr {
  const { dims, shared } = noiseShape(attrs, input);
  if (!attrs["noise_shape"]) return noise.at(at.b, at.flat);
  const index = at.idx.reduce<Expr>((acc, v, a) => add(mul(acc, num(dims[a]!)), dims[a] === 1 ? num(0) : v), num(0));
  return noise.at(shared ? num(0) : at.b, index);
}

export const alphaDropout = described(noiseLayer({
  kind: "AlphaDropout",
  defaultName: "alpha_dropout",
  args: [
    { name: "rate", type: { t: "float", min: 0, max: 1 }, required: true, positional: true },
    { name: "noise_shape", type: { t: "nullable", inner: { t: "shape", allowNone: true } }, default: null },
    seedArg,
  ],
  validate: rateBelowOne,
  validateShape: checkNoiseShape,
  draws: (attrs, input) => (rateOf(attrs) > 0 && rateOf(attrs) < 1 ? prod(noiseShape(attrs, input).dims) : 0),
  train(ctx, noise, at, x) {
    const { a, b, rate } = affine(ctx.attrs);
    return add(mul(num(a), select(cmp(">=", draw(ctx.attrs, ctx.inShape, noise, at), num(rate)), x, num(ALPHA_P))), num(b));
  },
  grad(ctx, noise, at, dy) {
    const { a, rate } = affine(ctx.attrs);
    return select(cmp(">=", draw(ctx.attrs, ctx.inShape, noise, at), num(rate)), mul(num(a), dy), num(0));
  },
}), "Dropout that keeps the mean and variance of its inputs (for SELU networks) while training.");
