/**
 * ZeroPadding1D(padding=1) and ZeroPadding2D(padding=(1, 1)), channels-last:
 * zeros before and after each spatial axis. `padding` is an int, a tuple
 * per axis (symmetric; for 1D the (before, after) pair) or per-axis
 * (before, after) pairs, resolved to [before0, after0, before1, after1].
 * No weights. Forward zeroes the output and copies the input into its
 * interior; backward reads the interior of dy.
 */
import { nest, view } from "./axes.js";
import { zeroAll } from "./pointwise.js";
import { add, BATCH, num } from "../kernel/expr.js";
import { loop } from "../kernel/buffer.js";
import { ints } from "./common.js";
import { type LayerBody, described, prod, type LayerDef } from "./types.js";

export function paddingLayer(kind: string, defaultName: string, rank: 1 | 2, describeInput: string): LayerBody {
  const amounts = (attrs: Parameters<LayerDef["outputShape"]>[0]) => ints(attrs, "padding");
  return {
    kind,
    defaultName,
    args: [
      { name: "padding", type: { t: "pairs", rank }, default: Array.from({ length: 2 * rank }, () => 1), positional: true },
      ...(rank === 2 ? [{ name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null } as const] : []),
    ],
    inputRank: { min: rank + 1, max: rank + 1, describe: describeInput },
    outputShape: (attrs, input) => ({ ok: true, shape: input.map((d, a) => (a < rank ? d + amounts(attrs)[2 * a]! + amounts(attrs)[2 * a + 1]! : d)) }),
    params: () => [],
    forward(ctx) {
      const p = amounts(ctx.attrs);
      const [x, y] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.outShape)];
      return [
        ...zeroAll(ctx.y.name, prod(ctx.outShape)),
        loop("b", BATCH, (b) => nest("i", ctx.inShape, (idx) => [y.store([b, ...idx.map((v, a) => (a < rank ? add(v, num(p[2 * a]!)) : v))], x.at(b, ...idx))])),
      ];
    },
    backward(ctx) {
      if (!ctx.needInputGrad) return [];
      const p = amounts(ctx.attrs);
      const [dx, dy] = [view(ctx.dx.name, ctx.inShape), view(ctx.dy.name, ctx.outShape)];
      return [loop("b", BATCH, (b) => nest("i", ctx.inShape, (idx) => [dx.store([b, ...idx], dy.at(b, ...idx.map((v, a) => (a < rank ? add(v, num(p[2 * a]!)) : v))))]))];
    },
  };
}

export const zeroPadding1d = described(paddingLayer("ZeroPadding1D", "zero_padding1d", 1, "2 (steps, channels)"), "Pads the steps axis with zeros before and after.");
export const zeroPadding2d = described(paddingLayer("ZeroPadding2D", "zero_padding2d", 2, "3 (height, width, channels)"), "Pads height and width with zeros before and after.");
