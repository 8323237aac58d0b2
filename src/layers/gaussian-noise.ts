/**
 * GaussianNoise(stddev, seed=None): in training y = x + stddev·n with
 * n ~ N(0, 1) per value (Box–Muller from two uniforms); dx = dy. Identity
 * at inference. Keras requires 0 ≤ stddev ≤ 1.
 */
import { add, mul, num, type Expr } from "../kernel/expr.js";
import { boxMuller, noiseLayer, seedArg, type Cell } from "./noise-common.js";
import type { Buf } from "../kernel/buffer.js";
import { described, prod, type Attrs } from "./types.js";

const stddev = (attrs: Attrs) => attrs["stddev"] as number;

/** The standard normal of one value: uniforms 2i and 2i + 1. */
export const normalAt = (noise: Buf, at: Cell): Expr => boxMuller(noise.at(at.b, mul(at.flat, num(2))), noise.at(at.b, add(mul(at.flat, num(2)), num(1))));

export const gaussianNoise = described(noiseLayer({
  kind: "GaussianNoise",
  defaultName: "gaussian_noise",
  args: [{ name: "stddev", type: { t: "float", min: 0, max: 1 }, required: true, positional: true }, seedArg],
  draws: (attrs, input) => (stddev(attrs) > 0 ? 2 * prod(input) : 0),
  train: (ctx, noise, at, x) => add(x, mul(num(stddev(ctx.attrs)), normalAt(noise, at))),
  grad: (_ctx, _noise, _at, dy) => dy,
}), "Adds zero-mean Gaussian noise with `stddev` while training.");
