/**
 * Softmax(axis=-1): softmax over one axis or a set of axes of each sample
 * (Keras counts the batch as axis 0), numerically stable (max subtracted):
 *   y = exp(x − max) / Σ exp(x − max),   dx = y · (dy − Σ dy·y)
 * No weights. Over the last axis it is the `softmax` activation, so loss
 * checks treat it as one.
 */
import { letVar, setVar } from "../kernel/buffer.js";
import { call, div, mul, num, ref, sub, type Stmt } from "../kernel/expr.js";
import { axesAttr, overGroups, sameShapeOverAxis, splitAxisAttr, view } from "./axes.js";
import type { KernelContext, LayerDef } from "./types.js";

export const softmax: LayerDef = {
  kind: "Softmax",
  // Keras 3 adds (1 − mask)·(−1e9) to the logits, which needs a mask broadcastable to them: one value per timestep is not
  masking: {
    refuses:
      "Keras 3 adds the mask to the logits only when it broadcasts against them, and a mask with one value per timestep does not (Keras raises 'The `mask` must be broadcastable to `inputs`'); use Dense(…, activation='softmax') or Activation('softmax'), which carry the mask on",
  },
  description: "Softmax along `axis` (each slice sums to 1).",
  defaultName: "softmax",
  args: [{ name: "axis", type: { t: "axes" }, default: -1, positional: true }],
  outputShape: sameShapeOverAxis,
  params: () => [],
  forward(ctx: KernelContext): Stmt[] {
    const s = splitAxisAttr(ctx.attrs, ctx.inShape);
    const [x, y] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.inShape)];
    return overGroups(s, ({ b, members }) => [
      letVar("smax", num(-Infinity)),
      ...members("m", (idx) => [setVar("smax", call("max", ref("smax"), x.at(b, ...idx)))]),
      letVar("ssum", num(0)),
      ...members("e", (idx) => [y.store([b, ...idx], call("exp", sub(x.at(b, ...idx), ref("smax")))), setVar("ssum", y.at(b, ...idx), true)]),
      letVar("sinv", div(num(1), ref("ssum"))),
      ...members("n", (idx) => [y.store([b, ...idx], mul(y.at(b, ...idx), ref("sinv")))]),
    ]);
  },
  backward(ctx: KernelContext): Stmt[] {
    if (!ctx.needInputGrad) return [];
    const s = splitAxisAttr(ctx.attrs, ctx.inShape);
    const [y, dy, dx] = [view(ctx.y.name, ctx.inShape), view(ctx.dy.name, ctx.inShape), view(ctx.dx.name, ctx.inShape)];
    return overGroups(s, ({ b, members }) => [
      letVar("sdot", num(0)),
      ...members("d", (idx) => [setVar("sdot", mul(dy.at(b, ...idx), y.at(b, ...idx)), true)]),
      ...members("g", (idx) => [dx.store([b, ...idx], mul(y.at(b, ...idx), sub(dy.at(b, ...idx), ref("sdot"))))]),
    ]);
  },
  outputActivation(attrs) {
    const axes = axesAttr(attrs["axis"]);
    return axes.length === 1 && axes[0] === -1 ? "softmax" : undefined;
  },
};
