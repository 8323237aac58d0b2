/**
 * PReLU(alpha_initializer='zeros', shared_axes=None): y = relu(x) − α·relu(−x),
 * i.e. x > 0 ? x : α·x with a trainable α per value of the sample, shared
 * (size 1) along `shared_axes` (Keras axes: 1 is the first sample axis).
 * Weight: alpha, shaped like the sample with shared axes set to 1.
 *   dα = Σ dy · min(x, 0),   dx = x > 0 ? dy : (x < 0 ? α·dy : 0)
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, cmp, mul, num, select, type Expr } from "../kernel/expr.js";
import { axesAttr, nest, sampleAxes, view } from "./axes.js";
import { init, ZEROS } from "./common.js";
import type { Attrs, KernelContext, LayerDef } from "./types.js";
import { keepsMask } from "./mask-support.js";

function alphaShape(attrs: Attrs, input: readonly number[]): number[] {
  const shared = attrs["shared_axes"] === null ? [] : axesAttr(attrs["shared_axes"]);
  const r = sampleAxes("shared_axes", shared, input);
  const axes = r.ok ? r.axes : [];
  return input.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Every value of the sample with its index into alpha. */
function overValues(ctx: KernelContext, body: (b: Expr, idx: Expr[], a: Expr[]) => ReturnType<typeof loop>[]) {
  const shape = alphaShape(ctx.attrs, ctx.inShape);
  return [loop("b", BATCH, (b) => nest("i", ctx.inShape, (idx) => body(b, idx, idx.map((v, d) => (shape[d] === 1 ? num(0) : v)))))];
}

export const prelu: LayerDef = {
  kind: "PReLU",
  masking: keepsMask,
  description: "Parametric ReLU: `x` for x >= 0, a learned `alpha * x` below.",
  defaultName: "p_re_lu",
  args: [
    { name: "alpha_initializer", type: { t: "initializer" }, default: ZEROS, positional: true },
    { name: "shared_axes", type: { t: "nullable", inner: { t: "axes" } }, default: null },
  ],
  outputShape(attrs, input) {
    if (attrs["shared_axes"] !== null) {
      const r = sampleAxes("shared_axes", axesAttr(attrs["shared_axes"]), input);
      if (!r.ok) return r;
    }
    return { ok: true, shape: input };
  },
  params: (attrs, input) => [
    { name: "alpha", shape: alphaShape(attrs, input), initializer: init(attrs, "alpha_initializer"), trainable: true, initializerArg: "alpha_initializer" },
  ],
  forward(ctx) {
    const [x, y, alpha] = [view(ctx.x.name, ctx.inShape), view(ctx.y.name, ctx.inShape), ctx.param("alpha")];
    return overValues(ctx, (b, idx, a) => [y.store([b, ...idx], select(cmp(">", x.at(b, ...idx), num(0)), x.at(b, ...idx), mul(alpha.at(...a), x.at(b, ...idx))))]);
  },
  backward(ctx) {
    const [x, dy, alpha] = [view(ctx.x.name, ctx.inShape), view(ctx.dy.name, ctx.inShape), ctx.param("alpha")];
    const dx = new Buf(ctx.dx.name, x.dims);
    return overValues(ctx, (b, idx, a) => {
      const xv = x.at(b, ...idx);
      const g = dy.at(b, ...idx);
      const out = [ctx.grad("alpha").accumulate(a, select(cmp("<", xv, num(0)), mul(g, xv), num(0)))];
      if (ctx.needInputGrad) out.push(dx.store([b, ...idx], select(cmp(">", xv, num(0)), g, select(cmp("<", xv, num(0)), mul(alpha.at(...a), g), num(0)))));
      return out;
    });
  },
};
