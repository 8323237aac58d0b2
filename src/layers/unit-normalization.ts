/**
 * UnitNormalization(axis=-1): each sample is scaled to unit L2 norm over
 * `axis` (one axis or several), as Keras 3's ops.normalize computes it:
 *   inv = min(1/√(Σx²), 1e12),  y = x · inv
 *   dx = inv · (dy − y·Σ(dy·y))   (dx = inv · dy where the 1e12 cap applies)
 * No weights.
 */
import { letVar, setVar, type Buf } from "../kernel/buffer.js";
import { call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "../kernel/expr.js";
import { overGroups, sameShapeOverAxis, splitAxisAttr, view, type Group } from "./axes.js";
import type { KernelContext, LayerDef } from "./types.js";
import { keepsMask } from "./mask-support.js";

const CAP = 1e12;

/** `uinv` = the group's capped inverse norm, from the input `x`. */
function inverseNorm(x: Buf, b: Expr, members: Group["members"]): Stmt[] {
  return [
    letVar("usq", num(0)),
    ...members("s", (idx) => [setVar("usq", mul(x.at(b, ...idx), x.at(b, ...idx)), true)]),
    letVar("uinv", call("min", div(num(1), call("sqrt", ref("usq"))), num(CAP))),
  ];
}

export const unitNormalization: LayerDef = {
  kind: "UnitNormalization",
  masking: keepsMask,
  description: "Scales each sample to unit L2 norm along `axis`.",
  defaultName: "unit_normalization",
  args: [{ name: "axis", type: { t: "axes" }, default: -1, positional: true }],
  outputShape: sameShapeOverAxis,
  params: () => [],
  forward(ctx: KernelContext): Stmt[] {
    const [x, y] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.inShape)];
    return overGroups(splitAxisAttr(ctx.attrs, ctx.inShape), ({ b, members }) => [
      ...inverseNorm(x, b, members),
      ...members("n", (idx) => [y.store([b, ...idx], mul(x.at(b, ...idx), ref("uinv")))]),
    ]);
  },
  backward(ctx: KernelContext): Stmt[] {
    if (!ctx.needInputGrad) return [];
    const [x, y, dy, dx] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.inShape), view(ctx.dy.name, ctx.inShape), view(ctx.dx.name, ctx.inShape)];
    return overGroups(splitAxisAttr(ctx.attrs, ctx.inShape), ({ b, members }) => [
      ...inverseNorm(x, b, members),
      letVar("udot", num(0)),
      ...members("d", (idx) => [setVar("udot", mul(dy.at(b, ...idx), y.at(b, ...idx)), true)]),
      // where the cap applies the scale is a constant: no term through the norm
      letVar("ukeep", select(cmp("<", ref("uinv"), num(CAP)), num(1), num(0))),
      ...members("g", (idx) => [dx.store([b, ...idx], mul(ref("uinv"), sub(dy.at(b, ...idx), mul(ref("ukeep"), mul(y.at(b, ...idx), ref("udot"))))))]),
    ]);
  },
};
