/**
 * Cropping1D(cropping=(1, 1)) and Cropping2D(cropping=((0, 0), (0, 0))),
 * channels-last: drops values before and after each spatial axis
 * (`cropping` as ZeroPadding's `padding`). A crop that leaves nothing of an
 * axis is a `crop_everything` error. No weights. Backward zeroes dx and
 * writes dy into the kept region.
 */
import { nest, view } from "./axes.js";
import { zeroAll } from "./pointwise.js";
import { add, BATCH, num } from "../kernel/expr.js";
import { loop } from "../kernel/buffer.js";
import { ints } from "./common.js";
import { type LayerBody, described, prod, type LayerDef, type ShapeResult } from "./types.js";

function cropOutput(crop: readonly number[], input: readonly number[], rank: number): ShapeResult {
  const shape = [...input];
  for (let a = 0; a < rank; a++) {
    const [before, after] = [crop[2 * a]!, crop[2 * a + 1]!];
    shape[a] = input[a]! - before - after;
    if (shape[a]! <= 0) return { ok: false, code: "crop_everything", holes: { crop: `${before} + ${after}`, axis: a + 1, size: input[a]! } };
  }
  return { ok: true, shape };
}

function croppingLayer(kind: string, defaultName: string, rank: 1 | 2, dflt: number[], describeInput: string): LayerBody {
  return {
    kind,
    defaultName,
    args: [
      { name: "cropping", type: { t: "pairs", rank }, default: dflt, positional: true },
      ...(rank === 2 ? [{ name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null } as const] : []),
    ],
    inputRank: { min: rank + 1, max: rank + 1, describe: describeInput },
    outputShape: (attrs, input) => cropOutput(ints(attrs, "cropping"), input, rank),
    params: () => [],
    forward(ctx) {
      const c = ints(ctx.attrs, "cropping");
      const [x, y] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.outShape)];
      return [loop("b", BATCH, (b) => nest("o", ctx.outShape, (idx) => [y.store([b, ...idx], x.at(b, ...idx.map((v, a) => (a < rank ? add(v, num(c[2 * a]!)) : v))))]))];
    },
    backward(ctx) {
      if (!ctx.needInputGrad) return [];
      const c = ints(ctx.attrs, "cropping");
      const [dx, dy] = [view(ctx.dx.name, ctx.inShape), view(ctx.dy.name, ctx.outShape)];
      return [
        ...zeroAll(ctx.dx.name, prod(ctx.inShape)),
        loop("b", BATCH, (b) => nest("o", ctx.outShape, (idx) => [dx.store([b, ...idx.map((v, a) => (a < rank ? add(v, num(c[2 * a]!)) : v))], dy.at(b, ...idx))])),
      ];
    },
  };
}

export const cropping1d = described(croppingLayer("Cropping1D", "cropping1d", 1, [1, 1], "2 (steps, channels)"), "Removes steps from the start and end of the sequence.");
export const cropping2d = described(croppingLayer("Cropping2D", "cropping2d", 2, [0, 0, 0, 0], "3 (height, width, channels)"), "Removes rows and columns from the edges of height and width.");
