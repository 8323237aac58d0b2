/**
 * LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True,
 * beta_initializer='zeros', gamma_initializer='ones'): each sample is
 * normalized over `axis` (one axis or several; Keras counts the batch as 0)
 * with its own mean and biased variance, then scaled and shifted:
 *   x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
 * γ and β are shaped like the normalized axes. Weights in Keras order:
 * gamma (if scale), beta (if center).
 *   dγ = Σ dy·x̂, dβ = Σ dy, and per group of n values with g = γ·dy:
 *   dx = inv/n · (n·g − Σg − x̂·Σ(g·x̂))
 * Forward of a training model keeps x̂ and the per-group 1/√(σ² + ε).
 */
import { Buf, letVar, setVar } from "../kernel/buffer.js";
import { add, call, div, mul, num, ref, sub, type Expr, type Stmt } from "../kernel/expr.js";
import { overGroups, sameShapeOverAxis, splitAxisAttr, view } from "./axes.js";
import { bool, init, ONES, ZEROS } from "./common.js";
import { prod, type KernelContext, type LayerDef, type ParamDecl } from "./types.js";
import { keepsMask } from "./mask-support.js";

export const layerNormalization: LayerDef = {
  kind: "LayerNormalization",
  masking: keepsMask,
  description: "Normalizes each sample over `axis` to mean 0 and variance 1, then scales by `gamma` and shifts by `beta`.",
  defaultName: "layer_normalization",
  args: [
    { name: "axis", type: { t: "axes" }, default: -1, positional: true },
    { name: "epsilon", type: { t: "float", min: 0, exclusiveMin: true }, default: 1e-3, positional: true },
    { name: "center", type: { t: "bool" }, default: true, positional: true },
    { name: "scale", type: { t: "bool" }, default: true, positional: true },
    { name: "beta_initializer", type: { t: "initializer" }, default: ZEROS, positional: true },
    { name: "gamma_initializer", type: { t: "initializer" }, default: ONES, positional: true },
  ],
  outputShape: sameShapeOverAxis,
  params(attrs, input) {
    const shape = splitAxisAttr(attrs, input).reducedShape;
    const out: ParamDecl[] = [];
    if (bool(attrs, "scale")) out.push({ name: "gamma", shape, initializer: init(attrs, "gamma_initializer"), trainable: true, initializerArg: "gamma_initializer" });
    if (bool(attrs, "center")) out.push({ name: "beta", shape, initializer: init(attrs, "beta_initializer"), trainable: true, initializerArg: "beta_initializer" });
    return out;
  },
  scratch: (attrs, input, _output, training) =>
    training
      ? [
          { name: "xhat", size: prod(input) },
          { name: "inv", size: splitAxisAttr(attrs, input).groups },
        ]
      : [],

  forward(ctx: KernelContext): Stmt[] {
    const s = splitAxisAttr(ctx.attrs, ctx.inShape);
    const [x, y] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.inShape)];
    const gamma = (r: Expr) => (bool(ctx.attrs, "scale") ? new Buf(ctx.param("gamma").name, [s.size]).at(r) : num(1));
    const beta = (r: Expr) => (bool(ctx.attrs, "center") ? new Buf(ctx.param("beta").name, [s.size]).at(r) : num(0));
    const keep = ctx.modelTrains;
    const xhat = keep ? view(ctx.scratch("xhat").name, ctx.inShape) : undefined;
    const inv = keep ? new Buf(ctx.scratch("inv").name, ["batch", s.groups]) : undefined;
    return overGroups(s, ({ b, g, members }) => [
      letVar("lsum", num(0)),
      ...members("m", (idx) => [setVar("lsum", x.at(b, ...idx), true)]),
      letVar("lmean", div(ref("lsum"), num(s.size))),
      letVar("lsq", num(0)),
      ...members("v", (idx) => [letVar("ld", sub(x.at(b, ...idx), ref("lmean"))), setVar("lsq", mul(ref("ld"), ref("ld")), true)]),
      letVar("linv", div(num(1), call("sqrt", add(div(ref("lsq"), num(s.size)), num(ctx.attrs["epsilon"] as number))))),
      ...(inv ? [inv.store([b, g], ref("linv"))] : []),
      ...members("n", (idx, r) => [
        letVar("lh", mul(sub(x.at(b, ...idx), ref("lmean")), ref("linv"))),
        ...(xhat ? [xhat.store([b, ...idx], ref("lh"))] : []),
        y.store([b, ...idx], add(mul(gamma(r), ref("lh")), beta(r))),
      ]),
    ]);
  },

  backward(ctx: KernelContext): Stmt[] {
    const s = splitAxisAttr(ctx.attrs, ctx.inShape);
    const scale = bool(ctx.attrs, "scale");
    const [dy, xhat] = [view(ctx.dy.name, ctx.inShape), view(ctx.scratch("xhat").name, ctx.inShape)];
    const inv = new Buf(ctx.scratch("inv").name, ["batch", s.groups]);
    const flat = (name: string) => new Buf(name, [s.size]);
    const gamma = (r: Expr) => (scale ? flat(ctx.param("gamma").name).at(r) : num(1));
    return overGroups(s, ({ b, g, members }) => {
      const out: Stmt[] = [];
      if (scale) out.push(...members("p", (idx, r) => [flat(ctx.grad("gamma").name).accumulate([r], mul(dy.at(b, ...idx), xhat.at(b, ...idx)))]));
      if (bool(ctx.attrs, "center")) out.push(...members("q", (idx, r) => [flat(ctx.grad("beta").name).accumulate([r], dy.at(b, ...idx))]));
      if (!ctx.needInputGrad) return out;
      const dx = view(ctx.dx.name, ctx.inShape);
      return [
        ...out,
        letVar("lsg", num(0)),
        letVar("lsgx", num(0)),
        ...members("s", (idx, r) => [
          letVar("lg", mul(gamma(r), dy.at(b, ...idx))),
          setVar("lsg", ref("lg"), true),
          setVar("lsgx", mul(ref("lg"), xhat.at(b, ...idx)), true),
        ]),
        letVar("lk", div(inv.at(b, g), num(s.size))),
        ...members("d", (idx, r) => [
          dx.store([b, ...idx], mul(ref("lk"), sub(sub(mul(num(s.size), mul(gamma(r), dy.at(b, ...idx))), ref("lsg")), mul(xhat.at(b, ...idx), ref("lsgx"))))),
        ]),
      ];
    });
  },
};
