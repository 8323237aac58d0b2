/**
 * SpatialDropout1D(rate, seed=None) and SpatialDropout2D(rate, seed=None):
 * Dropout that drops whole channels — one keep decision per (sample,
 * channel), shared by every step or pixel (Keras's noise_shape
 * (batch, 1, channels) / (batch, 1, 1, channels)). In training
 * y = keep ? x/(1 − rate) : 0 with keep = u ≥ rate; rate 1 gives zeros,
 * rate 0 the identity; inference is the identity.
 */
import type { Buf } from "../kernel/buffer.js";
import { cmp, div, num, select, type Expr } from "../kernel/expr.js";
import { noiseLayer, seedArg, type Cell } from "./noise-common.js";
import { type LayerBody, described, type Attrs, type KernelContext } from "./types.js";

const rateOf = (attrs: Attrs) => attrs["rate"] as number;

function masked(ctx: KernelContext, noise: Buf, at: Cell, v: Expr): Expr {
  const rate = rateOf(ctx.attrs);
  if (rate >= 1) return num(0);
  return select(cmp(">=", noise.at(at.b, at.channel), num(rate)), div(v, num(1 - rate)), num(0));
}

function spatialDropout(kind: string, defaultName: string, rank: 1 | 2, describe: string): LayerBody {
  return noiseLayer({
    kind,
    defaultName,
    args: [{ name: "rate", type: { t: "float", min: 0, max: 1 }, required: true, positional: true }, seedArg],
    inputRank: { min: rank + 1, max: rank + 1, describe },
    // rate 1 needs no draws but is not the identity: one unused draw keeps it on the training path
    draws: (attrs, input) => (rateOf(attrs) <= 0 ? 0 : rateOf(attrs) >= 1 ? 1 : input[input.length - 1]!),
    train: masked,
    grad: masked,
  });
}

export const spatialDropout1d = described(spatialDropout("SpatialDropout1D", "spatial_dropout1d", 1, "2 (steps, channels)"), "Drops whole channels (feature maps) of a sequence while training.");
export const spatialDropout2d = described(spatialDropout("SpatialDropout2D", "spatial_dropout2d", 2, "3 (height, width, channels)"), "Drops whole channels (feature maps) of an image while training.");
