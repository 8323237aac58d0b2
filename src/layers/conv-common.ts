/**
 * Conv1D and Conv2D share one N-d channels-last convolution, written once
 * here for any number of spatial axes (reference/keras-semantics.md §2.2).
 *
 * Geometry per spatial axis: input length L, kernel k, stride s, dilation d
 * (k_eff = d·(k−1)+1) and `before`, the zeros conceptually padded in front.
 * Input position of output o and kernel tap t: i = o·s + t·d − before.
 * valid: before = 0; same: TF's asymmetric split (odd pixel at the end);
 * causal: before = d·(k−1), then valid.
 *
 * Padding is never materialized: a tap whose i falls outside [0, L) is
 * skipped by an `if` guard around the channel loop, so padded positions are
 * never read. Bound checks are only emitted on axes where a tap can leave
 * the input, and once loops are unrolled the guards are constant and fold
 * away, so unrolled code has no padding branches at all.
 *
 * Backward: one pass over (output position, tap, input channel) accumulates
 * dkernel and scatters dx, which is zeroed first (taps overlap when k_eff > s).
 *
 * Large convolutions (at least IM2COL_MIN_WORK multiply-adds per sample) are
 * also written as matrix products, which the emitter may run as native
 * kernels (the loops above stay their lowering and the interpreter's form):
 * an unpadded forward of one input channel is an implicit GEMM over the
 * input in place; other forwards (see viaIm2col for the measurements) and
 * both gradients go through im2col, a per-sample scratch
 * `cols` of shape [positions, taps…, cin] holding each output position's
 * receptive field (zeros where a tap falls in the padding):
 *
 *   forward      z(q, f)      = bias(f) + Σ_(t,ci) cols(q, t, ci) · kernel(t, ci, f)
 *   kernel grad  dkernel(t,ci,f) += Σ_(b,q) cols(b, q, t, ci) · dz(b, q, f)
 *   input grad   dcols(q,t,ci) = Σ_f dz(q, f) · kernel(t, ci, f), scattered back
 *                into dx (col2im); dcols reuses `cols` once the kernel
 *                gradient has read it.
 *
 * A pointwise convolution (every kernel size 1, stride 1: no padding) has
 * cols = x, so its products read x and write dx in place, without im2col or
 * col2im (pointwise below).
 *
 * im2col costs positions·taps·cin copies per sample, a 1/filters share of
 * the product's multiply-adds, and turns every padding, stride and dilation
 * into one dense product; measured in bench/RESULTS.md (M4). im2col and
 * col2im are window operations (src/kernel/window.ts): native gathers and
 * scatters vectorized over channels where the products are native. Native
 * instead of TypeScript copies (with native max pooling), M4 ran 1.27×
 * faster at predict B=1, 1.13× at B=32 and 1.17× per train step (bench/ab.ts,
 * median of 9 same-round ratios, load 16).
 */
import { activationBackward, activationForward, applyElementwise, isElementwise } from "../kernel/activation.js";
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { add, BATCH, cmp, elementwise, mul, num, ref, type Expr, type Stmt } from "../kernel/expr.js";
import { activationArg, activationOf, biasArgs, bool, init, int, ints } from "./common.js";
import { gemm } from "../kernel/gemm.js";
import { guarded, nest, windowOp, windowPadded, windowTaps } from "../kernel/window.js";
import { SMALL_WORK } from "../kernel/schedule.js";
import { type LayerBody, prod, type ArgSpec, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

export type Padding = "valid" | "same" | "causal";

/** Output length of one spatial axis (Keras compute_conv_output_shape; may be ≤ 0). */
export function convOutputLength(L: number, k: number, s: number, d: number, padding: Padding): number {
  const kEff = d * (k - 1) + 1;
  return padding === "valid" ? Math.floor((L - kEff) / s) + 1 : Math.ceil(L / s);
}

/** Zeros padded before the input on one axis. */
export function padBefore(L: number, k: number, s: number, d: number, padding: Padding): number {
  if (padding === "valid") return 0;
  if (padding === "causal") return d * (k - 1);
  const out = convOutputLength(L, k, s, d, "same");
  const total = Math.max(0, (out - 1) * s + d * (k - 1) + 1 - L);
  return Math.floor(total / 2);
}

export interface ConvAxis {
  readonly L: number;
  readonly k: number;
  readonly s: number;
  readonly d: number;
  readonly out: number;
  readonly before: number;
}

export interface ConvGeometry {
  readonly axes: readonly ConvAxis[];
  readonly cin: number;
  readonly filters: number;
  /** Spatial output positions per sample. */
  readonly positions: number;
}

export function convGeometry(attrs: Attrs, input: readonly number[]): ConvGeometry {
  const rank = input.length - 1;
  const [k, s, d] = [ints(attrs, "kernel_size"), ints(attrs, "strides"), ints(attrs, "dilation_rate")];
  const padding = attrs["padding"] as Padding;
  const axes = Array.from({ length: rank }, (_, a): ConvAxis => {
    const L = input[a]!;
    const [ka, sa, da] = [k[a]!, s[a]!, d[a]!];
    return { L, k: ka, s: sa, d: da, out: convOutputLength(L, ka, sa, da, padding), before: padBefore(L, ka, sa, da, padding) };
  });
  return { axes, cin: input[rank]!, filters: int(attrs, "filters"), positions: prod(axes.map((a) => a.out)) };
}

// ---- argument schema and shape rule -----------------------------------------

export interface ConvKind {
  readonly kind: string;
  readonly defaultName: string;
  /** Spatial rank: 1 for Conv1D, 2 for Conv2D. */
  readonly rank: number;
  readonly paddings: readonly Padding[];
  readonly describeInput: string;
}

export function convArgs(c: ConvKind): ArgSpec[] {
  const ones = Array.from({ length: c.rank }, () => 1);
  const ints = { t: "ints", rank: c.rank, min: 1 } as const;
  return [
    { name: "filters", type: { t: "int", min: 1 }, required: true, positional: true },
    { name: "kernel_size", type: ints, required: true, positional: true },
    { name: "strides", type: ints, default: ones },
    { name: "padding", type: { t: "enum", values: c.paddings }, default: "valid" },
    { name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null },
    { name: "dilation_rate", type: ints, default: ones },
    activationArg(),
    ...biasArgs,
  ];
}

const tuple = (v: readonly number[]) => (v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`);

/** Keras 3's convolutions reject strides > 1 together with dilation > 1 at construction. */
export function stridedDilationError(attrs: Attrs): ShapeResult | undefined {
  const strides = ints(attrs, "strides");
  const dilation = ints(attrs, "dilation_rate");
  if (!strides.some((s) => s > 1) || !dilation.some((d) => d > 1)) return undefined;
  return {
    ok: false,
    code: "arg_range",
    holes: { name: "dilation_rate", constraint: `1 when strides > 1 (strides=${tuple(strides)})`, got: tuple(dilation) },
  };
}

function convOutputShape(attrs: Attrs, input: readonly number[]): ShapeResult {
  const err = stridedDilationError(attrs);
  if (err) return err;
  const g = convGeometry(attrs, input);
  const shape = [...g.axes.map((a) => a.out), g.filters];
  if (g.axes.some((a) => a.out <= 0)) return { ok: false, code: "shape_nonpositive", holes: { shape: `(None, ${shape.join(", ")})` } };
  return { ok: true, shape };
}

/** Does forward keep the pre-activation z (for backward, or for softmax over channels)? */
export const keepsZ = (attrs: Attrs, modelTrains: boolean) =>
  activationOf(attrs) !== "linear" && (modelTrains || !isElementwise(activationOf(attrs)));

export function convLayer(c: ConvKind): LayerBody {
  return {
    kind: c.kind,
    defaultName: c.defaultName,
    args: convArgs(c),
    inputRank: { min: c.rank + 1, max: c.rank + 1, describe: c.describeInput },
    outputShape: convOutputShape,
    params(attrs, input) {
      const filters = int(attrs, "filters");
      const shape = [...ints(attrs, "kernel_size"), input[input.length - 1]!, filters];
      const kernel = { name: "kernel", shape, initializer: init(attrs, "kernel_initializer"), trainable: true, initializerArg: "kernel_initializer" };
      if (!bool(attrs, "use_bias")) return [kernel];
      return [kernel, { name: "bias", shape: [filters], initializer: init(attrs, "bias_initializer"), trainable: true, initializerArg: "bias_initializer" }];
    },
    scratch(attrs, input, output, training) {
      const size = prod(output);
      const out = [];
      if (keepsZ(attrs, training)) out.push({ name: "z", size });
      if (training && activationOf(attrs) !== "linear") out.push({ name: "dz", size });
      const g = convGeometry(attrs, input);
      if (large(g) && !pointwise(g) && (training || viaIm2col(g))) out.push({ name: "cols", size: colsSize(g) });
      return out;
    },
    forward: convForward,
    backward: convBackward,
    outputActivation: (attrs) => activationOf(attrs),
    preActivation: (ctx) => (activationOf(ctx.attrs) === "linear" ? ctx.y : ctx.scratch("z")),
  };
}

// ---- kernels ------------------------------------------------------------------

const taps = (g: ConvGeometry, o: readonly Expr[], t: readonly Expr[]) => windowTaps(g.axes, o, t);

function views(ctx: KernelContext, g: ConvGeometry) {
  const spatialIn = g.axes.map((a) => a.L);
  return {
    x: new Buf(ctx.x.name, ["batch", ...spatialIn, g.cin]),
    /** Output-shaped views: [batch, positions…, filters]. */
    out: (name: string) => new Buf(name, ["batch", ...g.axes.map((a) => a.out), g.filters]),
    flat: (name: string) => new Buf(name, ["batch", g.positions, g.filters]),
    kernel: ctx.param("kernel"),
    kshape: g.axes.map((a) => a.k),
  };
}

function convForward(ctx: KernelContext): Stmt[] {
  const g = convGeometry(ctx.attrs, ctx.inShape);
  const act = activationOf(ctx.attrs);
  const { x, out, kernel, kshape } = views(ctx, g);
  const useBias = bool(ctx.attrs, "use_bias");
  const keepZ = keepsZ(ctx.attrs, ctx.modelTrains);
  const elementwise = isElementwise(act);
  const y = out(ctx.y.name);
  const z = keepZ ? out(ctx.scratch("z").name) : y;
  const fusedLoops: Stmt[] = [
    loop("b", BATCH, (b) =>
      nest("o", g.axes.map((a) => a.out), (o) => [
        loop("f", g.filters, (f) => {
          const stmts: Stmt[] = [
            letVar("acc", useBias ? ctx.param("bias").at(f) : num(0)),
            ...nest("t", kshape, (t) => {
              const { at, inBounds } = taps(g, o, t);
              return guarded(inBounds, [
                loop("ci", g.cin, (ci) => [setVar("acc", mul(x.at(b, ...at, ci), kernel.at(...t, ci, f)), true)]),
              ]);
            }),
          ];
          if (keepZ) stmts.push(z.store([b, ...o, f], ref("acc")));
          if (elementwise) stmts.push(y.store([b, ...o, f], applyElementwise(act, ref("acc"))));
          return stmts;
        }),
      ]),
    ),
  ];
  const body: Stmt[] = product(ctx, g, z, y, fusedLoops);
  if (!elementwise) body.push(...activationForward(act, z, y, g.positions, g.filters));
  return body;
}

/** Multiply-adds per sample of the convolution's product. */
const work = (g: ConvGeometry) => g.positions * prod(g.axes.map((a) => a.k)) * g.cin * g.filters;

/**
 * Large enough to be written as im2col products (see the file comment):
 * 4096 multiply-adds per sample, from where bench/native-threshold.ts
 * measured native products 7–12× faster than loops, so the im2col copy and
 * the call pay for themselves; smaller convolutions keep their fused loops.
 */
const large = (g: ConvGeometry) => work(g) >= IM2COL_MIN_WORK;
export const IM2COL_MIN_WORK = 32 * SMALL_WORK;

/** Does some tap read outside the input (padding, or a partial last window)? */
const padded = (g: ConvGeometry) => windowPadded(g.axes);

/**
 * Does the forward go through im2col (else the implicit GEMM)? Every large
 * padded convolution, and every large one with more than one input channel:
 * measured with bench/ab.ts (implicit GEMM ÷ im2col time, predict B=1 / B=32 /
 * train B=32, load 13), the native gather + one long product beat the
 * implicit GEMM's per-tap reductions of length cin from cin = 2 on —
 * 28×28×2 → 16: 0.91 / 0.86 / 0.98; 28×28×4 → 16: 0.80 / 0.58 / 0.86;
 * Conv1D 64×8 → 16 k5: 0.89 / 0.83 / 0.88; 16×16×32 → 32: 0.58 / 0.78 / 0.81
 * — while with one input channel the implicit GEMM wins (M3, 28×28×1 → 8:
 * 1.27 / 1.24 / 1.02): there the copy is taps values per 9·filters
 * multiply-adds and the product's k is tiny either way.
 */
const viaIm2col = (g: ConvGeometry) => large(g) && (padded(g) || g.cin > 1);

/**
 * Kernel size 1 and stride 1 on every axis (so no padding, and dilation is
 * moot): each output position's receptive field is its own input position,
 * im2col would copy x unchanged and col2im would copy dcols to dx, so the
 * products read x and write dx in place. Keras users write these as 1×1
 * convolutions (bottlenecks, channel mixing, MobileNet's pointwise layers).
 */
const pointwise = (g: ConvGeometry) => g.axes.every((a) => a.k === 1 && a.s === 1 && a.before === 0);

/** The im2col matrix of the input: the scratch `cols`, or x itself for a pointwise convolution. */
const colsOf = (ctx: KernelContext, g: ConvGeometry) => (pointwise(g) ? ctx.x.name : ctx.scratch("cols").name);

/** Values per sample of the im2col scratch: positions × taps × input channels. */
const colsSize = (g: ConvGeometry) => g.positions * prod(g.axes.map((a) => a.k)) * g.cin;

/** Fills `cols` with each output position's receptive field (zeros in the padding). */
const im2col = (ctx: KernelContext, g: ConvGeometry): Stmt =>
  windowOp({ label: "im2col", op: "gather", axes: g.axes, channels: g.cin, image: ctx.x.name, windows: ctx.scratch("cols").name });

/** Sets dx to the sum of each receptive field's gradient in `cols` (col2im; padding taps are dropped). */
const col2im = (ctx: KernelContext, g: ConvGeometry): Stmt =>
  windowOp({ label: "col2im", op: "scatter", axes: g.axes, channels: g.cin, image: ctx.dx.name, windows: ctx.scratch("cols").name });

/**
 * Without padding, the convolution is a matrix product per output row (an
 * implicit GEMM): rows are the positions along the last spatial axis, the
 * reduction runs over input channels and kernel taps, and the batch and the
 * other spatial axes repeat it. The fused loops (bias, taps, activation in
 * one pass) stay the TypeScript form; a native kernel runs the product
 * between a bias prologue and an activation epilogue.
 */
function product(ctx: KernelContext, g: ConvGeometry, z: Buf, y: Buf, fusedLoops: Stmt[]): Stmt[] {
  const act = activationOf(ctx.attrs);
  if (padded(g) && !large(g)) return fusedLoops;
  const r = g.axes.length;
  const after = (v: readonly number[], i: number) => v.slice(i + 1).reduce((p, q) => p * q, 1);
  const inStride = g.axes.map((_, i) => after(g.axes.map((a) => a.L), i) * g.cin);
  const outStride = g.axes.map((_, i) => after(g.axes.map((a) => a.out), i) * g.filters);
  const kStride = g.axes.map((_, i) => after(g.axes.map((a) => a.k), i) * g.cin * g.filters);
  const last = g.axes[r - 1]!;
  // [batch, position·filters + f] so unrolled offsets fold to constants
  const flatZ = new Buf(z.name, ["batch", g.positions * g.filters]);
  const flatY = new Buf(y.name, ["batch", g.positions * g.filters]);
  const at = (q: Expr, f: Expr) => add(mul(q, num(g.filters)), f);
  const useBias = bool(ctx.attrs, "use_bias");
  const prologue = [
    loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", g.filters, (f) => [flatZ.store([b, at(q, f)], useBias ? ctx.param("bias").at(f) : num(0))])])]),
  ];
  const epilogue =
    isElementwise(act) && act !== "linear"
      ? [loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", g.filters, (f) => [flatY.store([b, at(q, f)], applyElementwise(act, flatZ.at(b, at(q, f))))])])])]
      : [];
  // relu and linear fuse into the native kernel: it starts at the bias and applies relu as it stores
  const fuse = act === "relu" || act === "linear";
  const epilogueSpec = fuse
    ? { accumulate: false, ...(useBias ? { bias: { buf: ctx.param("bias").name, offset: 0 } } : {}), ...(act === "relu" ? { relu: { buf: y.name } } : {}) }
    : {};
  const around = fuse ? { prologue: [] as Stmt[], epilogue: [] as Stmt[] } : { prologue, epilogue };
  if (viaIm2col(g)) {
    // im2col: one product over every (sample, position) row
    const T = prod(g.axes.map((a) => a.k)) * g.cin;
    return [
      gemm(
        {
          label: "forward",
          m: mul(BATCH, num(g.positions)),
          n: num(g.filters),
          k: num(T),
          a: { buf: colsOf(ctx, g), offset: 0, rows: T, cols: 1 },
          b: { buf: ctx.param("kernel").name, offset: 0, rows: g.filters, cols: 1 },
          c: { buf: z.name, offset: 0, rows: g.filters, cols: 1 },
          accumulate: true,
          ...epilogueSpec,
        },
        "ijk",
        { fused: { lowered: fusedLoops, prologue: [...(pointwise(g) ? [] : [im2col(ctx, g)]), ...around.prologue], epilogue: around.epilogue } },
      ),
    ];
  }
  const spec = gemm(
    {
      label: "forward",
      outer: [
        { name: "b", size: BATCH, a: prod(g.axes.map((a) => a.L)) * g.cin, c: g.positions * g.filters },
        ...g.axes.slice(0, -1).map((a, i) => ({ name: `o${i}`, size: num(a.out), a: a.s * inStride[i]!, c: outStride[i]! })),
      ],
      taps: g.axes.map((a, i) => ({ name: `t${i}`, size: a.k, a: a.d * inStride[i]!, b: kStride[i]! })),
      m: num(last.out),
      n: num(g.filters),
      k: num(g.cin),
      a: { buf: ctx.x.name, offset: 0, rows: last.s * g.cin, cols: 1 },
      b: { buf: ctx.param("kernel").name, offset: 0, rows: g.filters, cols: 1 },
      c: { buf: z.name, offset: 0, rows: g.filters, cols: 1 },
      accumulate: true,
      ...epilogueSpec,
    },
    "ijk",
    { fused: { lowered: fusedLoops, ...around } },
  );
  return [spec];
}

function convBackward(ctx: KernelContext): Stmt[] {
  const g = convGeometry(ctx.attrs, ctx.inShape);
  const act = activationOf(ctx.attrs);
  const { x, out, flat, kernel, kshape } = views(ctx, g);
  const stmts: Stmt[] = [];
  let dz = out(ctx.dy.name);
  if (act !== "linear" && !ctx.outputGradIsPreActivation) {
    stmts.push(...activationBackward(act, ctx.scratch("z"), ctx.y, ctx.dy, flat(ctx.scratch("dz").name), g.positions, g.filters));
    dz = out(ctx.scratch("dz").name);
  }
  const gk = ctx.grad("kernel");
  const useBias = bool(ctx.attrs, "use_bias");
  const dx = new Buf(ctx.dx.name, x.dims);
  const zeroDx: Stmt[] = [];
  if (ctx.needInputGrad) {
    const size = prod(ctx.inShape);
    const dxFlat = new Buf(ctx.dx.name, ["batch", size]);
    zeroDx.push(loop("b", BATCH, (b) => [loop("i", size, (i) => [dxFlat.store([b, i], num(0))])]));
  }
  const kernelTerm = (b: Expr, t: Expr[], at: Expr[], ci: Expr, f: Expr) => gk.accumulate([...t, ci, f], mul(x.at(b, ...at, ci), ref("gz")));
  const inputTerm = (b: Expr, t: Expr[], at: Expr[], ci: Expr, f: Expr) => dx.accumulate([b, ...at, ci], mul(kernel.at(...t, ci, f), ref("gz")));
  if (!large(g)) {
    stmts.push(...zeroDx);
    stmts.push(scatterBoth(g, dz, kshape, useBias ? ctx.grad("bias") : undefined, (b, t, at, ci, f) => [kernelTerm(b, t, at, ci, f), ...(ctx.needInputGrad ? [inputTerm(b, t, at, ci, f)] : [])]));
    return stmts;
  }
  // large: the kernel gradient and the input gradient as products over im2col (see the file comment)
  const T = prod(kshape) * g.cin;
  const cols = colsOf(ctx, g);
  const dzFlat = flat(dz.name);
  const biasGrad: Stmt[] = useBias
    ? [elementwise("bias_grad", g.positions * g.filters, loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", g.filters, (f) => [ctx.grad("bias").accumulate([f], dzFlat.at(b, q, f))])])]), true)]
    : [];
  stmts.push(
    gemm(
      {
        label: "kernel_grad",
        m: num(T),
        n: num(g.filters),
        k: mul(BATCH, num(g.positions)),
        a: { buf: cols, offset: 0, rows: 1, cols: T },
        b: { buf: dz.name, offset: 0, rows: g.filters, cols: 1 },
        c: { buf: gk.name, offset: 0, rows: g.filters, cols: 1 },
        accumulate: true,
      },
      "ikj",
      {
        fused: {
          lowered: [scatterBoth(g, dz, kshape, useBias ? ctx.grad("bias") : undefined, (b, t, at, ci, f) => [kernelTerm(b, t, at, ci, f)])],
          // an im2col forward filled cols already (same decision: the two products do the same work)
          prologue: [...biasGrad, ...(viaIm2col(g) || pointwise(g) ? [] : [im2col(ctx, g)])],
          epilogue: [],
        },
      },
    ),
  );
  if (ctx.needInputGrad) {
    stmts.push(
      gemm(
        {
          label: "input_grad",
          m: mul(BATCH, num(g.positions)),
          n: num(T),
          k: num(g.filters),
          a: { buf: dz.name, offset: 0, rows: g.filters, cols: 1 },
          b: { buf: ctx.param("kernel").name, offset: 0, rows: 1, cols: g.filters },
          // (pointwise: dx itself, every element written)
          c: { buf: pointwise(g) ? ctx.dx.name : cols, offset: 0, rows: T, cols: 1 },
          accumulate: false,
        },
        "ijk",
        {
          fused: {
            lowered: [...zeroDx, scatterBoth(g, dz, kshape, undefined, (b, t, at, ci, f) => [inputTerm(b, t, at, ci, f)])],
            prologue: [],
            epilogue: pointwise(g) ? [] : [col2im(ctx, g)],
          },
        },
      ),
    );
  }
  return stmts;
}

/**
 * One pass over every nonzero upstream gradient gz = dz(b, o, f): the bias
 * gradient, then `perTap` for each tap inside the input and each input
 * channel. Skipping exact zeros pays after ReLU and max pooling.
 */
function scatterBoth(
  g: ConvGeometry,
  dz: Buf,
  kshape: readonly number[],
  biasGrad: Buf | undefined,
  perTap: (b: Expr, t: Expr[], at: Expr[], ci: Expr, f: Expr) => Stmt[],
): Stmt {
  return loop("b", BATCH, (b) =>
    nest("o", g.axes.map((a) => a.out), (o) => [
      loop("f", g.filters, (f) => [
        letVar("gz", dz.at(b, ...o, f)),
        {
          k: "if",
          test: cmp("!=", ref("gz"), num(0)),
          then: [
            ...(biasGrad ? [biasGrad.accumulate([f], ref("gz"))] : []),
            ...nest("t", kshape, (t) => {
              const { at, inBounds } = taps(g, o, t);
              return guarded(inBounds, [loop("ci", g.cin, (ci) => perTap(b, t, at, ci, f))]);
            }),
          ],
          else: [],
        },
      ]),
    ]),
  );
}
