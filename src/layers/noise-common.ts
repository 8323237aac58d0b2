/**
 * Shared by the regularizing noise layers (SpatialDropout1D/2D,
 * GaussianNoise, GaussianDropout, AlphaDropout): identity at inference;
 * in training they read uniform draws from a `random` scratch buffer that
 * the runtime refills from the model's seeded stream (or the layer's own
 * `seed=`) before every training forward, so backward — which runs after
 * that forward — sees the same noise. Normal draws come from pairs of
 * uniforms by the Box–Muller transform.
 */
import { Buf, loop } from "../kernel/buffer.js";
import { add, BATCH, call, mul, num, sub, type Expr, type Stmt } from "../kernel/expr.js";
import { keepsMask } from "./mask-support.js";
import { nest } from "./axes.js";
import { type LayerBody, prod, type ArgSpec, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

export const seedArg: ArgSpec = { name: "seed", type: { t: "nullable", inner: { t: "int", min: 0 } }, default: null };

/** A standard normal from uniforms u1, u2 ∈ [0, 1): √(−2 ln(1 − u1)) · cos(2π u2). */
export function boxMuller(u1: Expr, u2: Expr): Expr {
  return mul(call("sqrt", mul(num(-2), call("log", sub(num(1), u1)))), call("cos", mul(num(2 * Math.PI), u2)));
}

export interface Noise {
  readonly kind: string;
  readonly defaultName: string;
  readonly args: readonly ArgSpec[];
  readonly inputRank?: LayerDef["inputRank"];
  readonly validate?: (attrs: Attrs) => ShapeResult | undefined;
  /** Checks that need the input shape (AlphaDropout's noise_shape). */
  readonly validateShape?: (attrs: Attrs, input: readonly number[]) => ShapeResult | undefined;
  /** Uniform draws per sample in training (0: the layer is the identity in training too). */
  readonly draws: (attrs: Attrs, input: readonly number[]) => number;
  /** Training output for one value, given its input value and the noise buffer. */
  readonly train: (ctx: KernelContext, noise: Buf, at: Cell, x: Expr) => Expr;
  /** Input gradient in training. */
  readonly grad: (ctx: KernelContext, noise: Buf, at: Cell, dy: Expr) => Expr;
}

/** One value of a sample: its sample, flat index, channel (last axis) index, and every axis's index. */
export interface Cell {
  readonly b: Expr;
  readonly flat: Expr;
  readonly channel: Expr;
  readonly idx: readonly Expr[];
}

/** `to[cell] = value(cell)` over every value, the last axis innermost. */
function mapCells(shape: readonly number[], to: string, value: (at: Cell) => Expr): Stmt[] {
  const dims = shape.length > 0 ? shape : [1];
  const out = new Buf(to, ["batch", ...dims]);
  const flat = (idx: readonly Expr[]): Expr => idx.reduce((acc, v, a) => (a === 0 ? v : add(mul(acc, num(dims[a]!)), v)), num(0));
  return [loop("b", BATCH, (b) => nest("i", dims, (idx) => [out.store([b, ...idx], value({ b, flat: flat(idx), channel: idx[idx.length - 1]!, idx }))]))];
}

export function noiseLayer(n: Noise): LayerBody {
  const flat = (ctx: KernelContext, name: string) => new Buf(name, ["batch", prod(ctx.inShape)]);
  const noiseOf = (ctx: KernelContext) => new Buf(ctx.scratch("noise").name, ["batch", n.draws(ctx.attrs, ctx.inShape)]);
  const copy = (ctx: KernelContext, from: string, to: string): Stmt[] => mapCells(ctx.inShape, to, (at) => flat(ctx, from).at(at.b, at.flat));
  return {
    kind: n.kind,
    masking: keepsMask,
    defaultName: n.defaultName,
    args: n.args,
    ...(n.inputRank ? { inputRank: n.inputRank } : {}),
    outputShape: (attrs, input) => n.validate?.(attrs) ?? n.validateShape?.(attrs, input) ?? { ok: true, shape: input },
    params: () => [],
    scratch: (attrs, input, _output, training) =>
      training && n.draws(attrs, input) > 0 ? [{ name: "noise", size: n.draws(attrs, input), random: true, seed: attrs["seed"] as number | null }] : [],
    forward(ctx) {
      if (!ctx.training || n.draws(ctx.attrs, ctx.inShape) === 0) return copy(ctx, ctx.x.name, ctx.y.name);
      return mapCells(ctx.inShape, ctx.y.name, (at) => n.train(ctx, noiseOf(ctx), at, flat(ctx, ctx.x.name).at(at.b, at.flat)));
    },
    backward(ctx) {
      if (!ctx.needInputGrad) return [];
      if (n.draws(ctx.attrs, ctx.inShape) === 0) return copy(ctx, ctx.dy.name, ctx.dx.name);
      return mapCells(ctx.inShape, ctx.dx.name, (at) => n.grad(ctx, noiseOf(ctx), at, flat(ctx, ctx.dy.name).at(at.b, at.flat)));
    },
  };
}

/** `rate` < 1 for layers whose scale divides by 1 − rate. */
export function rateBelowOne(attrs: Attrs): ShapeResult | undefined {
  const rate = attrs["rate"] as number;
  return rate < 1 ? undefined : { ok: false, code: "arg_range", holes: { name: "rate", constraint: "less than 1 (the layer scales by 1/(1 − rate))", got: String(rate) } };
}
