/**
 * Per-channel affine maps in the kernel form: a layer that, at inference,
 * is y = x·scale(ch) + shift(ch) over the last axis (BatchNormalization with
 * its moving statistics) states scale and shift once, as a ChannelAffine.
 * Two lowerings use it:
 *
 *   affineForward   the layer's own inference forward: per channel, bind
 *                   scale and shift, then map every row;
 *   foldAffine      the plan's fusion (plan.ts): when the layer's input is
 *                   made by a product whose tile ends in registers (a
 *                   `gemm` with a fused bias/relu epilogue) and nothing
 *                   else reads it, the product's epilogue applies the map
 *                   as it stores — v·scale[j] + shift[j] after the bias
 *                   and relu — straight into the layer's output, and the
 *                   layer's own pass disappears. Scale and shift are
 *                   computed per call into a small buffer beside a copy of
 *                   the bias (the stored weights are never changed), so
 *                   training, which keeps the unfused path, is unaffected.
 *   foldRelu        likewise a relu layer after such a product (or after a
 *                   normalization folded into one): relu in the same
 *                   epilogue, after the map.
 *
 * Chosen by measurement (bench/ab.ts, same process, interleaved rounds,
 * median of old ÷ new): a fold never adds work — the kernel's epilogue
 * does in registers what a separate pass did reading and writing the whole
 * tensor — so the plan folds whenever the form allows. On a BatchNormalized
 * MNIST CNN (Conv2D 32 → BN → ReLU → MaxPool → Conv2D 64 relu → BN →
 * MaxPool → Dense 128 → BN → Dense 10), load 7–8: predict B=1 1.38×
 * [1.14–1.68], B=32 2.19× [1.78–3.76] (the normalization's loop walked
 * channels outermost, a strided pass over the tensor); training unchanged
 * (0.97× [0.69–1.21]).
 *
 * Not folded: pooling. A 2×2 window spans two image rows, i.e. rows i and
 * i + width of the product's C, never inside one 4-row register block; it
 * would take im2col rows reordered into window order (a second gather
 * form) and an epilogue reducing rows. Measured first: in M4
 * (bench/models/mnist.nn) predict B=32 the two pooling passes are 3.8% of
 * the time and under 2% at B=1 (node --cpu-prof), against 55% for the
 * second convolution's product — the bound on what the fusion could save,
 * so it was not built.
 */
import { Buf, load, loop, storeAt } from "./buffer.js";
import { add, BATCH, isProduct, mul, num, type Expr, type Stmt } from "./expr.js";
import { extent, type Gemm } from "./gemm.js";
import { applyElementwise } from "./activation.js";

export interface ChannelAffine {
  /** Channels (the last axis). */
  readonly channels: number;
  /** For channel `ch`: statements binding what scale and shift read, then the two values. */
  readonly per: (ch: Expr) => { readonly stmts: readonly Stmt[]; readonly scale: Expr; readonly shift: Expr };
}

/** y = x·scale + shift for every row of every sample (`rows` rows of `channels` values per sample). */
export function affineForward(a: ChannelAffine, x: string, y: string, rows: number): Stmt[] {
  const xs = new Buf(x, ["batch", rows, a.channels]);
  const ys = new Buf(y, ["batch", rows, a.channels]);
  return [
    loop("ch", a.channels, (ch) => {
      const { stmts, scale, shift } = a.per(ch);
      return [...stmts, loop("b", BATCH, (b) => [loop("r", rows, (r) => [ys.store([b, r, ch], add(mul(xs.at(b, r, ch), scale), shift))])])];
    }),
  ];
}

type GemmStmt = Extract<Stmt, { k: "gemm" }>;

/**
 * The product statement `s` with the affine map `a` folded into its
 * epilogue, writing `out` (the mapped layer's output, `perSample` values
 * per sample), preceded by the loop filling a buffer `declareAff` declares
 * (3 · channels values: the product's bias or 0, scale, shift); null when the product's epilogue
 * cannot take it: it is not a fused product (bias/relu epilogue, C
 * overwritten, nothing after the kernel), its final values are not the
 * mapped input `input`, or its columns are not the channels of a product
 * covering the whole tensor.
 */
/**
 * The product statement `s` when its kernel's epilogue can take more
 * elementwise work on its final values: a fused product (C overwritten,
 * nothing after the kernel) whose final values (relu(C), or C) are the
 * tensor `input`, whose columns are that tensor's `channels` (the last
 * axis) and which covers each sample's `perSample` values once.
 */
function foldable(s: Stmt, input: string, channels: number, perSample: number): (GemmStmt & { readonly spec: Gemm }) | null {
  if (s.k !== "gemm" || !isProduct(s.spec)) return null;
  const spec = s.spec;
  const c = channels;
  const final = spec.relu?.buf ?? spec.c.buf;
  if (spec.accumulate || s.epilogue.length > 0 || final !== input) return null;
  const m = extent(spec.m);
  const n = extent(spec.n);
  const outer = (spec.outer ?? []).map((o) => ({ size: extent(o.size), c: o.c }));
  if (m === null || n === null || n.batch || n.per !== c || outer.some((o) => o.size === null || o.c % c !== 0)) return null;
  // every element of C at offset + …·rows + j: column j is channel j, and the product covers each sample's tensor once
  if (spec.c.cols !== 1 || spec.c.rows % c !== 0 || spec.c.offset % c !== 0) return null;
  const batches = (m.batch ? 1 : 0) + outer.filter((o) => o.size!.batch).length;
  const covered = outer.reduce((p, o) => p * o.size!.per, m.per * c);
  return batches === 1 && covered === perSample ? { ...s, spec } : null;
}

export function foldAffine(stmt: Stmt, a: ChannelAffine, input: string, out: string, declareAff: () => string, perSample: number): Stmt[] | null {
  const c = a.channels;
  const s = foldable(stmt, input, c, perSample);
  if (s === null || s.spec.affine) return null;
  const spec = s.spec;
  const final = input;
  const bias = spec.bias;
  const aff = declareAff();
  const fill = loop("ch", c, (ch) => {
    const { stmts, scale, shift } = a.per(ch);
    return [
      ...stmts,
      storeAt(aff, ch, bias ? load(bias.buf, add(num(bias.offset), ch)) : num(0)),
      storeAt(aff, add(num(c), ch), scale),
      storeAt(aff, add(num(2 * c), ch), shift),
    ];
  });
  // the loop form: the product's own loops, then the map from its final values (what the unfused layer did)
  const src = new Buf(final, ["batch", perSample / c, c]);
  const dst = new Buf(out, ["batch", perSample / c, c]);
  const affLoop = loop("b", BATCH, (b) => [
    loop("r", perSample / c, (r) => [
      loop("ch", c, (ch) => [dst.store([b, r, ch], add(mul(src.at(b, r, ch), load(aff, add(num(c), ch))), load(aff, add(num(2 * c), ch))))]),
    ]),
  ]);
  // the kernel: C starts at aff's bias row; the final values (relu(C), or C) go to `out` mapped (C itself too when relu is in place)
  const inPlace = spec.relu !== undefined && spec.relu.buf === spec.c.buf;
  const fused: Gemm = {
    ...spec,
    // its own kernel: the training forward keeps the unfused product under the plain label
    label: `${spec.label}_affine`,
    bias: { buf: aff, offset: 0 },
    affine: true,
    ...(spec.relu ? { relu: { buf: out } } : {}),
    c: inPlace || !spec.relu ? { ...spec.c, buf: out } : spec.c,
  };
  return [fill, { k: "gemm", spec: fused, lowered: [...s.lowered, affLoop], prologue: s.prologue, epilogue: [] }];
}

/**
 * The product statement `s` with relu folded into its epilogue, writing
 * `out` (a layer that at inference is relu of its input, the product's
 * final values `input`): relu in place on the final values — after the
 * bias, or after a folded affine map (Conv2D → BatchNormalization → ReLU);
 * null when the product already applies relu or cannot take it.
 */
export function foldRelu(stmt: Stmt, input: string, out: string, channels: number, perSample: number): Stmt[] | null {
  const s = foldable(stmt, input, channels, perSample);
  if (s === null || s.spec.relu !== undefined) return null;
  const src = new Buf(input, ["batch", perSample]);
  const dst = new Buf(out, ["batch", perSample]);
  const reluLoop = loop("b", BATCH, (b) => [loop("e", perSample, (e) => [dst.store([b, e], applyElementwise("relu", src.at(b, e)))])]);
  const spec: Gemm = { ...s.spec, label: s.spec.affine ? s.spec.label : `${s.spec.label}_relu`, c: { ...s.spec.c, buf: out }, relu: { buf: out }, ...(s.spec.affine ? { reluLast: true } : {}) };
  return [{ k: "gemm", spec, lowered: [...s.lowered, reluLoop], prologue: s.prologue, epilogue: [] }];
}
