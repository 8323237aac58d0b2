/**
 * Conv1DTranspose and Conv2DTranspose (Keras 3): the gradient of a strided
 * convolution, used to upsample. Arguments as Conv1D/Conv2D plus
 * `output_padding`; padding 'valid' or 'same'. Weights: kernel
 * (k…, filters, in_channels) — note the transposed order — then bias.
 *
 * Geometry per axis (Keras's jax path: a convolution of the stride-dilated
 * input with the flipped kernel, padded by (left, right)): k_eff = d·(k−1)+1,
 *   valid: left = k_eff − 1; out = (L−1)·s + k_eff + output_padding
 *          (output_padding defaults to max(k_eff, s) − k_eff)
 *   same:  pad = s + k_eff − 2 (or k_eff + k_eff mod 2 − 2 + output_padding),
 *          left = min(⌈pad/2⌉, k_eff − 1); out = L·s (or (L−1)·s + k_eff mod 2 + output_padding)
 * In scatter form, input position i and tap u reach output o = i·s + u·d − P
 * with P = k_eff − 1 − left; taps that land outside [0, out) are dropped.
 *
 * Forward: bias, then one matrix product per kernel tap (a GEMM over
 * (input position, in channel) × (in channel, filter)) over the input rows
 * whose output lands inside — a constant range per tap — then the
 * activation; the input gradient is the same products transposed. So they
 * can run natively. The kernel gradient (a reduction over the batch) is a
 * loop nest that skips zero output gradients, as conv-common's backward.
 */
import { activationBackward, activationForward, applyElementwise, isElementwise } from "../kernel/activation.js";
import { Buf, letVar, loop } from "../kernel/buffer.js";
import { add, and, BATCH, cmp, elementwise, mul, num, ref, sub, type Cond, type Expr, type Stmt } from "../kernel/expr.js";
import { gemm } from "../kernel/gemm.js";
import { nest } from "./axes.js";
import { activationOf, bool, init, int, ints } from "./common.js";
import { convArgs, IM2COL_MIN_WORK, keepsZ, type ConvKind } from "./conv-common.js";
import { windowOp } from "../kernel/window.js";
import { type LayerBody, described, prod, type ArgSpec, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

interface Axis {
  readonly L: number;
  readonly k: number;
  readonly s: number;
  readonly d: number;
  readonly out: number;
  /** Output offset: o = i·s + u·d − P. */
  readonly P: number;
}

function axisOf(L: number, k: number, s: number, d: number, padding: string, op: number | null): Axis {
  const kEff = d * (k - 1) + 1;
  if (padding === "valid") {
    const pad = op ?? Math.max(kEff, s) - kEff;
    return { L, k, s, d, out: (L - 1) * s + kEff + pad, P: 0 };
  }
  const padLen = op === null ? s + kEff - 2 : kEff + (kEff % 2) - 2 + op;
  const left = Math.min(Math.floor(padLen / 2) + (padLen % 2), kEff - 1);
  const out = op === null ? L * s : (L - 1) * s + (kEff % 2) + op;
  return { L, k, s, d, out, P: kEff - 1 - left };
}

interface Geometry {
  readonly axes: readonly Axis[];
  readonly cin: number;
  readonly filters: number;
  readonly positions: number;
}

function geometry(attrs: Attrs, input: readonly number[]): Geometry {
  const rank = input.length - 1;
  const [k, s, d] = [ints(attrs, "kernel_size"), ints(attrs, "strides"), ints(attrs, "dilation_rate")];
  const op = attrs["output_padding"] as readonly number[] | null;
  const axes = Array.from({ length: rank }, (_, a) => axisOf(input[a]!, k[a]!, s[a]!, d[a]!, attrs["padding"] as string, op === null ? null : op[a]!));
  return { axes, cin: input[rank]!, filters: int(attrs, "filters"), positions: prod(axes.map((a) => a.out)) };
}

const tuple = (v: readonly number[]) => (v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`);

function outputShape(attrs: Attrs, input: readonly number[]): ShapeResult {
  const strides = ints(attrs, "strides");
  const dilation = ints(attrs, "dilation_rate");
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1)) {
    return { ok: false, code: "arg_range", holes: { name: "dilation_rate", constraint: `1 when strides > 1 (strides=${tuple(strides)})`, got: tuple(dilation) } };
  }
  const op = attrs["output_padding"] as readonly number[] | null;
  if (op !== null && op.some((p, a) => p >= strides[a]!)) {
    return { ok: false, code: "arg_range", holes: { name: "output_padding", constraint: `less than strides (${tuple(strides)}) on every axis`, got: tuple(op) } };
  }
  const g = geometry(attrs, input);
  const shape = [...g.axes.map((a) => a.out), g.filters];
  if (g.axes.some((a) => a.out <= 0)) return { ok: false, code: "shape_nonpositive", holes: { shape: `(None, ${shape.join(", ")})` } };
  return { ok: true, shape };
}

/** Input rows [lo, hi] whose output for tap u lands inside the axis (empty when lo > hi). */
function rowRange(a: Axis, u: number): { lo: number; hi: number } {
  return { lo: Math.max(0, Math.ceil((a.P - u * a.d) / a.s)), hi: Math.min(a.L - 1, Math.floor((a.out - 1 + a.P - u * a.d) / a.s)) };
}

/** Every index tuple of an array of the given sizes, row-major. */
const cartesian = (sizes: readonly number[]): number[][] => sizes.reduce<number[][]>((acc, n) => acc.flatMap((p) => Array.from({ length: n }, (_, i) => [...p, i])), [[]]);

const strides = (sizes: readonly number[], inner: number) => sizes.map((_, i) => sizes.slice(i + 1).reduce((p, q) => p * q, 1) * inner);

/**
 * One matrix product per kernel tap u, over the input rows whose output
 * o = i·s + u·d − P lands inside (a constant range per axis):
 *   forward:    out(o, f)  += Σ_ci in(i, ci) · K[u, f, ci]
 *   input_grad: in(i, ci)  += Σ_f  out(o, f) · K[u, f, ci]
 * `inBuf` is x or dx ([batch, L…, cin]), `outBuf` z or dz ([batch, out…, filters]).
 */
function tapProducts(ctx: KernelContext, g: Geometry, dir: "forward" | "input_grad", inBuf: string, outBuf: string): Stmt[] {
  const r = g.axes.length;
  const inStride = strides(g.axes.map((a) => a.L), g.cin);
  const outStride = strides(g.axes.map((a) => a.out), g.filters);
  const kStride = strides(g.axes.map((a) => a.k), g.filters * g.cin);
  const kernel = ctx.param("kernel").name;
  const out: Stmt[] = [];
  for (const u of cartesian(g.axes.map((a) => a.k))) {
    const ranges = g.axes.map((a, i) => rowRange(a, u[i]!));
    if (ranges.some((x) => x.lo > x.hi)) continue;
    const count = (i: number) => ranges[i]!.hi - ranges[i]!.lo + 1;
    const inSide = { offset: ranges.reduce((acc, x, i) => acc + x.lo * inStride[i]!, 0), batch: prod(g.axes.map((a) => a.L)) * g.cin, outer: (i: number) => inStride[i]! };
    const outSide = {
      offset: g.axes.reduce((acc, a, i) => acc + (ranges[i]!.lo * a.s + u[i]! * a.d - a.P) * outStride[i]!, 0),
      batch: g.positions * g.filters,
      outer: (i: number) => g.axes[i]!.s * outStride[i]!,
    };
    const [a, c] = dir === "forward" ? [inSide, outSide] : [outSide, inSide];
    const last = g.axes[r - 1]!;
    const inRows = { buf: inBuf, rows: g.cin, cols: 1 };
    const outRows = { buf: outBuf, rows: last.s * g.filters, cols: 1 };
    const kOffset = u.reduce((acc, t, i) => acc + t * kStride[i]!, 0);
    out.push(
      gemm(
        {
          label: `${dir}_tap_${u.join("_")}`,
          outer: [{ name: "b", size: BATCH, a: a.batch, c: c.batch }, ...g.axes.slice(0, -1).map((_, i) => ({ name: `i${i}`, size: num(count(i)), a: a.outer(i), c: c.outer(i) }))],
          m: num(count(r - 1)),
          n: num(dir === "forward" ? g.filters : g.cin),
          k: num(dir === "forward" ? g.cin : g.filters),
          a: { ...(dir === "forward" ? inRows : outRows), offset: a.offset },
          // K[u, f, ci]: (ci, f) for the forward product, (f, ci) for the input gradient
          b: dir === "forward" ? { buf: kernel, offset: kOffset, rows: 1, cols: g.cin } : { buf: kernel, offset: kOffset, rows: g.cin, cols: 1 },
          c: { ...(dir === "forward" ? outRows : inRows), offset: c.offset },
          accumulate: true,
        },
        "ijk",
        { names: { i: `i${r - 1}`, j: dir === "forward" ? "f" : "ci", k: dir === "forward" ? "ci" : "f", local: "acc" } },
      ),
    );
  }
  return out;
}

function forward(ctx: KernelContext): Stmt[] {
  const g = geometry(ctx.attrs, ctx.inShape);
  const act = activationOf(ctx.attrs);
  const keepZ = keepsZ(ctx.attrs, ctx.modelTrains);
  const y = new Buf(ctx.y.name, ["batch", g.positions, g.filters]);
  const z = keepZ ? new Buf(ctx.scratch("z").name, y.dims) : y;
  // z starts at the bias (or zero): an elementwise loop over the batch, native where the model has native kernels
  const body: Stmt[] = [
    elementwise(
      "bias",
      g.positions * g.filters,
      loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", g.filters, (f) => [z.store([b, q, f], bool(ctx.attrs, "use_bias") ? ctx.param("bias").at(f) : num(0))])])]),
      true,
    ),
  ];
  body.push(...tapProducts(ctx, g, "forward", ctx.x.name, z.name));
  if (isElementwise(act)) {
    if (act !== "linear") body.push(loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", g.filters, (f) => [y.store([b, q, f], applyElementwise(act, z.at(b, q, f)))])])]));
  } else body.push(...activationForward(act, z, y, g.positions, g.filters));
  return body;
}

function backward(ctx: KernelContext): Stmt[] {
  const g = geometry(ctx.attrs, ctx.inShape);
  const act = activationOf(ctx.attrs);
  const stmts: Stmt[] = [];
  const outView = (name: string) => new Buf(name, ["batch", ...g.axes.map((a) => a.out), g.filters]);
  let dz = outView(ctx.dy.name);
  if (act !== "linear" && !ctx.outputGradIsPreActivation) {
    stmts.push(...activationBackward(act, ctx.scratch("z"), ctx.y, ctx.dy, new Buf(ctx.scratch("dz").name, ["batch", g.positions, g.filters]), g.positions, g.filters));
    dz = outView(ctx.scratch("dz").name);
  }
  const useBias = bool(ctx.attrs, "use_bias");
  if (useBias) {
    const flat = new Buf(dz.name, ["batch", g.positions, g.filters]);
    stmts.push(elementwise("bias_grad", g.positions * g.filters, loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", g.filters, (f) => [ctx.grad("bias").accumulate([f], flat.at(b, q, f))])])]), true));
  }
  const x = new Buf(ctx.x.name, ["batch", ...g.axes.map((a) => a.L), g.cin]);
  const gk = ctx.grad("kernel");
  if (ctx.needInputGrad) {
    const size = prod(ctx.inShape);
    const dxFlat = new Buf(ctx.dx.name, ["batch", size]);
    stmts.push(elementwise("input_grad_zero", size, loop("b", BATCH, (b) => [loop("i", size, (i) => [dxFlat.store([b, i], num(0))])]), true), ...tapProducts(ctx, g, "input_grad", ctx.dx.name, dz.name));
  }
  const loops = kernelGradLoops(g, x, dz, gk);
  if (!large(g)) return [...stmts, loops];
  // large: gather each input position's taps of dz (an im2col over dz), then one product
  const T = prod(g.axes.map((a) => a.k)) * g.filters;
  const cols = ctx.scratch("cols").name;
  const windows = g.axes.map((a) => ({ L: a.out, out: a.L, k: a.k, s: a.s, d: a.d, before: a.P }));
  const gather = windowOp({ label: "dz_cols", op: "gather", axes: windows, channels: g.filters, image: dz.name, windows: cols });
  stmts.push(
    gemm(
      {
        label: "kernel_grad",
        m: num(T),
        n: num(g.cin),
        k: mul(BATCH, num(prod(g.axes.map((a) => a.L)))),
        a: { buf: cols, offset: 0, rows: 1, cols: T },
        b: { buf: ctx.x.name, offset: 0, rows: g.cin, cols: 1 },
        c: { buf: gk.name, offset: 0, rows: g.cin, cols: 1 },
        accumulate: true,
      },
      "ikj",
      { fused: { lowered: [loops], prologue: [gather], epilogue: [] } },
    ),
  );
  return stmts;
}

/**
 * Large enough for the kernel gradient to pay for gathering dz (conv-common's
 * threshold for im2col, on the same multiply-adds per sample).
 */
const large = (g: Geometry) => prod(g.axes.map((a) => a.L * a.k)) * g.cin * g.filters >= IM2COL_MIN_WORK;

/** Values per sample of the gathered dz: input positions × taps × filters. */
const colsSize = (g: Geometry) => prod(g.axes.map((a) => a.L * a.k)) * g.filters;

/**
 * The kernel gradient as loops: dK[u, f, ci] += x(b, i, ci) · dz(b, o, f)
 * over every input position i and tap u whose output o lands inside,
 * skipping zero output gradients.
 */
function kernelGradLoops(g: Geometry, x: Buf, dz: Buf, gk: Buf): Stmt {
  return (
    loop("b", BATCH, (b) =>
      nest("i", g.axes.map((a) => a.L), (i) =>
        nest("u", g.axes.map((a) => a.k), (u) => {
          let test: Cond | undefined;
          const need = (c: Cond) => (test = test ? and(test, c) : c);
          const o = g.axes.map((a, k) => {
            const at = sub(add(mul(i[k]!, num(a.s)), mul(u[k]!, num(a.d))), num(a.P));
            if (a.P > 0) need(cmp(">=", at, num(0)));
            if ((a.L - 1) * a.s + (a.k - 1) * a.d - a.P >= a.out) need(cmp("<", at, num(a.out)));
            return at;
          });
          const inner: Stmt[] = [
            loop("f", g.filters, (f) => [
              letVar("gz", dz.at(b, ...o, f)),
              {
                k: "if",
                test: cmp("!=", ref("gz"), num(0)),
                then: [
                  loop("ci", g.cin, (ci) => [gk.accumulate([...u, f, ci], mul(x.at(b, ...i, ci), ref("gz")))]),
                ],
                else: [],
              },
            ]),
          ];
          return test ? [{ k: "if", test, then: inner, else: [] }] : inner;
        }),
      ),
    )
  );
}

function transposeArgs(c: ConvKind): ArgSpec[] {
  const args = convArgs(c);
  const at = args.findIndex((a) => a.name === "padding") + 1;
  return [...args.slice(0, at), { name: "output_padding", type: { t: "nullable", inner: { t: "ints", rank: c.rank, min: 0 } }, default: null }, ...args.slice(at)];
}

function convTransposeLayer(c: ConvKind): LayerBody {
  return {
    kind: c.kind,
    defaultName: c.defaultName,
    args: transposeArgs(c),
    inputRank: { min: c.rank + 1, max: c.rank + 1, describe: c.describeInput },
    outputShape,
    params(attrs, input) {
      const filters = int(attrs, "filters");
      const shape = [...ints(attrs, "kernel_size"), filters, input[input.length - 1]!];
      const kernel = { name: "kernel", shape, initializer: init(attrs, "kernel_initializer"), trainable: true, initializerArg: "kernel_initializer" };
      if (!bool(attrs, "use_bias")) return [kernel];
      return [kernel, { name: "bias", shape: [filters], initializer: init(attrs, "bias_initializer"), trainable: true, initializerArg: "bias_initializer" }];
    },
    scratch(attrs, input, output, training) {
      const out = [];
      if (keepsZ(attrs, training)) out.push({ name: "z", size: prod(output) });
      if (training && activationOf(attrs) !== "linear") out.push({ name: "dz", size: prod(output) });
      const g = geometry(attrs, input);
      if (training && large(g)) out.push({ name: "cols", size: colsSize(g) });
      return out;
    },
    forward,
    backward,
    outputActivation: (attrs) => activationOf(attrs),
    preActivation: (ctx) => (activationOf(ctx.attrs) === "linear" ? ctx.y : ctx.scratch("z")),
  };
}

export const conv1dTranspose = described(convTransposeLayer({ kind: "Conv1DTranspose", defaultName: "conv1d_transpose", rank: 1, paddings: ["valid", "same"], describeInput: "2 (steps, channels)" }), "Transposed 1-D convolution (the gradient of Conv1D), upsampling the steps axis.");
export const conv2dTranspose = described(convTransposeLayer({ kind: "Conv2DTranspose", defaultName: "conv2d_transpose", rank: 2, paddings: ["valid", "same"], describeInput: "3 (height, width, channels)" }), "Transposed 2-D convolution (the gradient of Conv2D), upsampling height and width.");
