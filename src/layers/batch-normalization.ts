/**
 * BatchNormalization over the last axis (channels-last; axis=-1 only) for
 * inputs of any rank ≥ 1 (reference/keras-semantics.md §2.5).
 *
 * Weights, each (C,), in Keras order: gamma (if scale), beta (if center),
 * moving_mean, moving_variance; the moving statistics are non-trainable
 * (no gradient buffer, so the optimizer never touches them).
 *
 *   inference: k = γ/√(σ²_mov + ε), y = x·k + (β − μ_mov·k)  (Keras 3's form)
 *   training:  μ, σ² = mean and BIASED variance over the batch and every
 *              non-channel axis (N = batch · rows values per channel, two
 *              passes); x̂ = (x − μ)/√(σ² + ε); y = γ·x̂ + β; then
 *              moving ← moving·momentum + batch·(1 − momentum), stored in
 *              place into the parameter buffers.
 *   backward:  dβ = Σdy, dγ = Σdy·x̂,
 *              dx = (γ·inv/N)·(N·dy − Σdy − x̂·Σ(dy·x̂)).
 *
 * With a mask (Keras 3 `_moments`, training only; the output keeps the
 * mask): the moments count unmasked rows only, each divided by
 * D = Σmask + 1e-7 (Keras's backend.epsilon()): μ = Σm·x/D,
 * σ² = Σm·(x − μ)²/D; every row is normalized with them. Backward:
 * dx = γ·inv·(dy − m·(Σdy + x̂·Σ(dy·x̂))/D), which leaves out a term of
 * relative size 1e-7/D from the ε in D (below float32 resolution).
 *
 * Scratch (only when the model trains): `xhat` (per sample, x̂) and `inv`,
 * the per-channel 1/√(σ² + ε) of the last training batch, which is not per
 * sample: it occupies row 0 of a C-wide scratch buffer (every buffer has
 * capacity for at least one sample). A small layer (rows · channels at
 * most SMALL_WORK, unrolled) runs one channel at a time with its sums in
 * locals; a larger one runs passes over (sample, row, channel) with the
 * channel innermost, each an elementwise loop (native where the model has
 * native kernels), keeping per-channel running sums and statistics in row 0
 * of `wide` scratch buffers (float64 in every model): each channel's sums
 * add the same terms in the same order either way, so the numbers are the
 * same. (With a mask, a row's weight is not per channel: those passes stay
 * loops.)
 */
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { add, BATCH, call, div, elementwise, mul, num, ref, sub, type Expr, type Stmt } from "../kernel/expr.js";
import { affineForward, type ChannelAffine } from "../kernel/affine.js";
import { bool, init, ONES, ZEROS } from "./common.js";
import { prod, type Attrs, type KernelContext, type LayerDef, type ParamDecl } from "./types.js";
import { keepsMask } from "./mask-support.js";
import { SMALL_WORK } from "../kernel/schedule.js";

function dims(ctx: { inShape: readonly number[] }) {
  const c = ctx.inShape[ctx.inShape.length - 1]!;
  return { rows: prod(ctx.inShape.slice(0, -1)), c };
}

const num_ = (attrs: Attrs, name: string): number => attrs[name] as number;

/** The input's mask as [batch, rows] (one value per row of channels), or null. */
const maskOf = (ctx: KernelContext, rows: number): Buf | null => (ctx.mask ? new Buf(ctx.mask.name, ["batch", rows]) : null);

/**
 * The count the moments divide by: batch · rows, or with a mask `n`, bound
 * by `stmts` to Σmask + 1e-7 (Keras's backend.epsilon()).
 */
function count(mask: Buf | null, rows: number): { stmts: Stmt[]; n: Expr } {
  if (!mask) return { stmts: [], n: mul(BATCH, num(rows)) };
  return { stmts: [letVar("n", num(1e-7)), loop("bn", BATCH, (b) => [loop("rn", rows, (r) => [setVar("n", mask.at(b, r), true)])])], n: ref("n") };
}

/** Row 0 of a per-channel scratch buffer (a running sum or statistic, float64 in every model). */
function stat(ctx: KernelContext, name: string) {
  const buf = ctx.scratch(name);
  return { at: (ch: Expr) => buf.at(num(0), ch), store: (ch: Expr, v: Expr) => buf.store([num(0), ch], v), add: (ch: Expr, v: Expr) => buf.accumulate([num(0), ch], v) };
}

/** Elementwise passes over every (sample, row, channel), the channel innermost. */
const passes = (rows: number, c: number) => (label: string, body: (b: Expr, r: Expr, ch: Expr) => Stmt[]) =>
  elementwise(label, rows * c, loop("b", BATCH, (b) => [loop("r", rows, (r) => [loop("ch", c, (ch) => body(b, r, ch))])]), true);

/*
 * The per-element and per-channel math, stated once for both schedules (small: one channel at a time with sums
 * in locals; larger: passes with sums in scratch).
 */

/** 1/√(σ² + ε). */
const invStd = (variance: Expr, eps: Expr): Expr => div(num(1), call("sqrt", add(variance, eps)));

/** A moving statistic's update toward this batch's value: s·momentum + v·(1 − momentum). */
const moving = (s: { at(ch: Expr): Expr; store(at: Expr[], v: Expr): Stmt }, ch: Expr, v: Expr, momentum: number): Stmt =>
  s.store([ch], add(mul(s.at(ch), num(momentum)), mul(v, num(1 - momentum))));

/** One element normalized: x̂ = (x − μ)·iv (kept for backward) and y = γ·x̂ + β. */
const normalized = (xv: Expr, mean: Expr, iv: Expr, gamma: Expr, beta: Expr, keep: (h: Expr) => Stmt, out: (v: Expr) => Stmt): Stmt[] => [
  letVar("h", mul(sub(xv, mean), iv)),
  keep(ref("h")),
  out(add(mul(gamma, ref("h")), beta)),
];

/** dx of one element: kx·(n·dy − Σdy − x̂·Σdy·x̂), Σdy and x̂ weighted by the row's mask value when there is a mask. */
function inputGrad(kx: Expr, n: Expr, dyv: Expr, xh: Expr, sdy: Expr, sdyx: Expr, m: Expr | null): Expr {
  const xs = mul(xh, sdyx);
  const ndy = mul(n, dyv);
  return mul(kx, m ? sub(ndy, mul(m, add(sdy, xs))) : sub(sub(ndy, sdy), xs));
}

/** The inference form, y = x·k + (β − μ_mov·k) with k = γ/√(σ²_mov + ε): a per-channel affine map (the plan may fold it into a product, affine.ts). */
function inference(ctx: KernelContext): ChannelAffine {
  const { c } = dims(ctx);
  const eps = num(num_(ctx.attrs, "epsilon"));
  const mm = ctx.param("moving_mean");
  const mv = ctx.param("moving_variance");
  const gamma = (ch: Expr): Expr => (bool(ctx.attrs, "scale") ? ctx.param("gamma").at(ch) : num(1));
  const beta = (ch: Expr): Expr => (bool(ctx.attrs, "center") ? ctx.param("beta").at(ch) : num(0));
  return {
    channels: c,
    per: (ch) => ({
      stmts: [letVar("k", mul(div(num(1), call("sqrt", add(mv.at(ch), eps))), gamma(ch))), letVar("off", sub(beta(ch), mul(mm.at(ch), ref("k"))))],
      scale: ref("k"),
      shift: ref("off"),
    }),
  };
}

/** Keras 3 order; every argument may be given by position, as in Python. */
export const batchNormalization: LayerDef = {
  kind: "BatchNormalization",
  // Keras: a mask weights the batch moments in training; the output carries it on
  masking: { ...keepsMask, reads: true },
  description: "Normalizes each channel with batch statistics while training and moving averages at inference.",
  defaultName: "batch_normalization",
  args: [
    { name: "axis", type: { t: "int" }, default: -1, positional: true },
    { name: "momentum", type: { t: "float", min: 0, max: 1 }, default: 0.99, positional: true },
    { name: "epsilon", type: { t: "float", min: 0, exclusiveMin: true }, default: 1e-3, positional: true },
    { name: "center", type: { t: "bool" }, default: true, positional: true },
    { name: "scale", type: { t: "bool" }, default: true, positional: true },
    { name: "beta_initializer", type: { t: "initializer" }, default: ZEROS, positional: true },
    { name: "gamma_initializer", type: { t: "initializer" }, default: ONES, positional: true },
    { name: "moving_mean_initializer", type: { t: "initializer" }, default: ZEROS, positional: true },
    { name: "moving_variance_initializer", type: { t: "initializer" }, default: ONES, positional: true },
  ],
  inputRank: { min: 1, max: 8, describe: "at least 1" },

  outputShape(attrs, input) {
    const axis = num_(attrs, "axis");
    // Keras counts the batch axis: for input (8, 8, 3) the channels axis is 3
    const last = input.length;
    if (axis !== -1 && axis !== last) {
      return {
        ok: false,
        code: "arg_range",
        holes: { name: "axis", constraint: `-1 or ${last} (only the last, channels axis is supported)`, got: String(axis) },
      };
    }
    return { ok: true, shape: input };
  },

  params(attrs, input) {
    const shape = [input[input.length - 1]!];
    const out: ParamDecl[] = [];
    if (bool(attrs, "scale")) out.push({ name: "gamma", shape, initializer: init(attrs, "gamma_initializer"), trainable: true });
    if (bool(attrs, "center")) out.push({ name: "beta", shape, initializer: init(attrs, "beta_initializer"), trainable: true });
    out.push({ name: "moving_mean", shape, initializer: init(attrs, "moving_mean_initializer"), trainable: false });
    out.push({ name: "moving_variance", shape, initializer: init(attrs, "moving_variance_initializer"), trainable: false });
    return out;
  },

  scratch: (_attrs, input, _output, training) => {
    const c = input[input.length - 1]!;
    // a larger layer's per-channel running sums and statistics, float64 in every model
    const stats = prod(input) <= SMALL_WORK ? [] : ["sum", "sq", "mean", "iv", "sdy", "sdyx", "kx"].map((name) => ({ name, size: c, wide: true }));
    return training ? [{ name: "xhat", size: prod(input) }, { name: "inv", size: c }, ...stats] : [];
  },

  forward(ctx: KernelContext): Stmt[] {
    const { rows, c } = dims(ctx);
    const eps = num(num_(ctx.attrs, "epsilon"));
    const scale = bool(ctx.attrs, "scale");
    const center = bool(ctx.attrs, "center");
    const x = new Buf(ctx.x.name, ["batch", rows, c]);
    const y = new Buf(ctx.y.name, ["batch", rows, c]);
    const mm = ctx.param("moving_mean");
    const mv = ctx.param("moving_variance");
    const gamma = (ch: Expr): Expr => (scale ? ctx.param("gamma").at(ch) : num(1));
    const beta = (ch: Expr): Expr => (center ? ctx.param("beta").at(ch) : num(0));

    if (!ctx.training) return affineForward(inference(ctx), x.name, y.name, rows);

    const momentum = num_(ctx.attrs, "momentum");
    const xhat = new Buf(ctx.scratch("xhat").name, ["batch", rows, c]);
    const inv = ctx.scratch("inv");
    // masked: each row weighs its mask value, and the count is Σmask + ε (Keras)
    const mask = maskOf(ctx, rows);
    const w = (b: Expr, r: Expr, v: Expr): Expr => (mask ? mul(mask.at(b, r), v) : v);
    const { stmts, n } = count(mask, rows);
    if (rows * c <= SMALL_WORK) {
      // small (unrolled): one channel at a time, its sums in locals
      return [
        ...stmts,
        loop("ch", c, (ch) => [
          letVar("sum", num(0)),
          loop("b", BATCH, (b) => [loop("r", rows, (r) => [setVar("sum", w(b, r, x.at(b, r, ch)), true)])]),
          letVar("mean", div(ref("sum"), n)),
          letVar("sq", num(0)),
          loop("b2", BATCH, (b) => [
            loop("r2", rows, (r) => [letVar("d", sub(x.at(b, r, ch), ref("mean"))), setVar("sq", w(b, r, mul(ref("d"), ref("d"))), true)]),
          ]),
          letVar("variance", div(ref("sq"), n)),
          letVar("iv", invStd(ref("variance"), eps)),
          inv.store([num(0), ch], ref("iv")),
          loop("b3", BATCH, (b) => [
            loop("r3", rows, (r) =>
              normalized(x.at(b, r, ch), ref("mean"), ref("iv"), gamma(ch), beta(ch), (h) => xhat.store([b, r, ch], h), (v) => y.store([b, r, ch], v)),
            ),
          ]),
          moving(mm, ch, ref("mean"), momentum),
          moving(mv, ch, ref("variance"), momentum),
        ]),
      ];
    }
    const [sum, sq, mean, iv] = [stat(ctx, "sum"), stat(ctx, "sq"), stat(ctx, "mean"), stat(ctx, "iv")];
    const pass = passes(rows, c);
    return [
      ...stmts,
      loop("ch", c, (ch) => [sum.store(ch, num(0)), sq.store(ch, num(0))]),
      pass("sum", (b, r, ch) => [sum.add(ch, w(b, r, x.at(b, r, ch)))]),
      loop("ch", c, (ch) => [mean.store(ch, div(sum.at(ch), n))]),
      pass("square_sum", (b, r, ch) => [letVar("d", sub(x.at(b, r, ch), mean.at(ch))), sq.add(ch, w(b, r, mul(ref("d"), ref("d"))))]),
      loop("ch", c, (ch) => [
        letVar("variance", div(sq.at(ch), n)),
        iv.store(ch, invStd(ref("variance"), eps)),
        inv.store([num(0), ch], iv.at(ch)),
        moving(mm, ch, mean.at(ch), momentum),
        moving(mv, ch, ref("variance"), momentum),
      ]),
      pass("normalize", (b, r, ch) =>
        normalized(x.at(b, r, ch), mean.at(ch), iv.at(ch), gamma(ch), beta(ch), (h) => xhat.store([b, r, ch], h), (v) => y.store([b, r, ch], v)),
      ),
    ];
  },

  inferenceAffine: inference,

  backward(ctx: KernelContext): Stmt[] {
    const { rows, c } = dims(ctx);
    const scale = bool(ctx.attrs, "scale");
    const center = bool(ctx.attrs, "center");
    const dy = new Buf(ctx.dy.name, ["batch", rows, c]);
    const xhat = new Buf(ctx.scratch("xhat").name, ["batch", rows, c]);
    const inv = ctx.scratch("inv");
    const mask = maskOf(ctx, rows);
    const { stmts, n } = count(mask, rows);
    if (rows * c <= SMALL_WORK) {
      // small (unrolled): one channel at a time, its sums in locals
      const body = (ch: Expr): Stmt[] => {
        const out: Stmt[] = [
          letVar("sdy", num(0)),
          letVar("sdyx", num(0)),
          loop("b", BATCH, (b) => [
            loop("r", rows, (r) => [
              letVar("dyv", dy.at(b, r, ch)),
              setVar("sdy", ref("dyv"), true),
              setVar("sdyx", mul(ref("dyv"), xhat.at(b, r, ch)), true),
            ]),
          ]),
        ];
        if (scale) out.push(ctx.grad("gamma").accumulate([ch], ref("sdyx")));
        if (center) out.push(ctx.grad("beta").accumulate([ch], ref("sdy")));
        if (ctx.needInputGrad) {
          const dx = new Buf(ctx.dx.name, ["batch", rows, c]);
          const gamma = scale ? ctx.param("gamma").at(ch) : num(1);
          out.push(
            letVar("kx", div(mul(gamma, inv.at(num(0), ch)), n)),
            loop("b2", BATCH, (b) => [
              loop("r2", rows, (r) => [
                dx.store([b, r, ch], inputGrad(ref("kx"), n, dy.at(b, r, ch), xhat.at(b, r, ch), ref("sdy"), ref("sdyx"), mask ? mask.at(b, r) : null)),
              ]),
            ]),
          );
        }
        return out;
      };
      return [...(ctx.needInputGrad ? stmts : []), loop("ch", c, body)];
    }
    const [sdy, sdyx, kx] = [stat(ctx, "sdy"), stat(ctx, "sdyx"), stat(ctx, "kx")];
    const pass = passes(rows, c);
    const out: Stmt[] = [
      ...(ctx.needInputGrad ? stmts : []),
      loop("ch", c, (ch) => [sdy.store(ch, num(0)), sdyx.store(ch, num(0))]),
      pass("grad_sums", (b, r, ch) => [letVar("dyv", dy.at(b, r, ch)), sdy.add(ch, ref("dyv")), sdyx.add(ch, mul(ref("dyv"), xhat.at(b, r, ch)))]),
    ];
    if (scale || center) {
      out.push(
        loop("ch", c, (ch) => [...(scale ? [ctx.grad("gamma").accumulate([ch], sdyx.at(ch))] : []), ...(center ? [ctx.grad("beta").accumulate([ch], sdy.at(ch))] : [])]),
      );
    }
    if (ctx.needInputGrad) {
      const dx = new Buf(ctx.dx.name, ["batch", rows, c]);
      out.push(
        // the count as a local: the elementwise pass reads it as a scalar
        letVar("nb", n),
        loop("ch", c, (ch) => [kx.store(ch, div(mul(scale ? ctx.param("gamma").at(ch) : num(1), inv.at(num(0), ch)), ref("nb")))]),
        pass("input_grad", (b, r, ch) => [
          dx.store([b, r, ch], inputGrad(kx.at(ch), ref("nb"), dy.at(b, r, ch), xhat.at(b, r, ch), sdy.at(ch), sdyx.at(ch), mask ? mask.at(b, r) : null)),
        ]),
      );
    }
    return out;
  },
};
