/**
 * The depthwise convolution shared by DepthwiseConv2D and SeparableConv1D/2D:
 * every input channel ci is convolved on its own with `depth_multiplier`
 * kernels, giving output channel ci·dm + m (Keras order). Geometry (padding,
 * strides, dilation) is the ordinary convolution's (conv-common.ts), so
 * padded taps are skipped by guards that fold away when unrolled.
 *   z[o, ci·dm + m] = Σ_t x[o·s + t·d − before, ci] · K[t, ci, m]
 * Backward, per output gradient (skipped when zero): dK[t, ci, m] += x·g,
 * dx[…, ci] += K·g. There is no reduction over channels, so no matrix product.
 */
import { Buf, letVar, loop } from "../kernel/buffer.js";
import { add, and, BATCH, cmp, elementwise, mul, num, ref, sub, type Cond, type Expr, type Stmt } from "../kernel/expr.js";
import { nest } from "./axes.js";
import { windowOp } from "../kernel/window.js";
import { convOutputLength, padBefore, type Padding } from "./conv-common.js";
import { ints } from "./common.js";
import { prod, type Attrs } from "./types.js";

export interface DepthwiseGeometry {
  readonly axes: readonly { L: number; k: number; s: number; d: number; out: number; before: number }[];
  readonly cin: number;
  readonly dm: number;
  readonly positions: number;
}

export function depthwiseGeometry(attrs: Attrs, input: readonly number[]): DepthwiseGeometry {
  const rank = input.length - 1;
  const [k, s, d] = [ints(attrs, "kernel_size"), ints(attrs, "strides"), ints(attrs, "dilation_rate")];
  const padding = attrs["padding"] as Padding;
  const axes = Array.from({ length: rank }, (_, a) => {
    const [L, ka, sa, da] = [input[a]!, k[a]!, s[a]!, d[a]!];
    return { L, k: ka, s: sa, d: da, out: convOutputLength(L, ka, sa, da, padding), before: padBefore(L, ka, sa, da, padding) };
  });
  return { axes, cin: input[rank]!, dm: attrs["depth_multiplier"] as number, positions: prod(axes.map((a) => a.out)) };
}

/** Input index of output o and tap t per axis, and the bounds test where a tap can leave the input. */
function taps(g: DepthwiseGeometry, o: readonly Expr[], t: readonly Expr[]): { at: Expr[]; test: Cond | undefined } {
  let test: Cond | undefined;
  const need = (c: Cond) => (test = test ? and(test, c) : c);
  const at = g.axes.map((a, i) => {
    const idx = sub(add(mul(o[i]!, num(a.s)), mul(t[i]!, num(a.d))), num(a.before));
    if (a.before > 0) need(cmp(">=", idx, num(0)));
    if ((a.out - 1) * a.s + (a.k - 1) * a.d - a.before >= a.L) need(cmp("<", idx, num(a.L)));
    return idx;
  });
  return { at, test };
}

const guarded = (test: Cond | undefined, body: Stmt[]): Stmt[] => (test ? [{ k: "if", test, then: body, else: [] }] : body);

export interface DepthwiseBuffers {
  readonly x: string;
  readonly kernel: Buf;
  /** Output [batch, positions…, cin·dm]. */
  readonly out: string;
  readonly bias?: Buf;
  /** Where relu(out) goes, fused into the forward (out itself: in place). */
  readonly relu?: string;
}

export function depthwiseForward(g: DepthwiseGeometry, bufs: DepthwiseBuffers): Stmt[] {
  return [windowOp({ label: "depthwise", op: "depthwise", ...windowOf(g), image: bufs.x, windows: bufs.out, weights: bufs.kernel.name, ...(bufs.bias ? { bias: bufs.bias.name } : {}), ...(bufs.relu !== undefined ? { relu: bufs.relu } : {}) })];
}

/** The window geometry of the depthwise convolution (src/kernel/window.ts). */
const windowOf = (g: DepthwiseGeometry) => ({ axes: g.axes, channels: g.cin, multiplier: g.dm });

export interface DepthwiseGrads {
  readonly x: string;
  readonly kernel: Buf;
  readonly gkernel: Buf;
  /** Upstream gradient [batch, positions…, cin·dm]. */
  readonly dout: string;
  /** dx (zeroed here), when the input gradient is needed. */
  readonly dx?: string;
  readonly gbias?: Buf;
}

/**
 * Both gradients in one pass of loops (the interpreter's form and the
 * fallback); natively, the kernel gradient and the input gradient are two
 * window operations, the bias gradient an elementwise loop before them.
 */
export function depthwiseBackward(g: DepthwiseGeometry, bufs: DepthwiseGrads): Stmt[] {
  const ch = g.cin * g.dm;
  const dz = new Buf(bufs.dout, ["batch", g.positions, ch]);
  // an elementwise loop over the batch, native where the model has native kernels (as Dense's and Conv's)
  const biasGrad = bufs.gbias ? [elementwise("bias_grad", g.positions * ch, loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("c", ch, (c) => [bufs.gbias!.accumulate([c], dz.at(b, q, c))])])]), true)] : [];
  const input = bufs.dx !== undefined ? [windowOp({ label: "depthwise_input_grad", op: "depthwise_input_grad", ...windowOf(g), image: bufs.dx, windows: bufs.dout, weights: bufs.kernel.name })] : [];
  return [
    windowOp(
      { label: "depthwise_kernel_grad", op: "depthwise_kernel_grad", ...windowOf(g), image: bufs.x, windows: bufs.dout, weights: bufs.gkernel.name },
      { lowered: depthwiseBackwardLoops(g, bufs), prologue: biasGrad, epilogue: input },
    ),
  ];
}

function depthwiseBackwardLoops(g: DepthwiseGeometry, bufs: DepthwiseGrads): Stmt[] {
  const dims = ["batch", ...g.axes.map((a) => a.L), g.cin] as const;
  const x = new Buf(bufs.x, dims);
  const dz = new Buf(bufs.dout, ["batch", ...g.axes.map((a) => a.out), g.cin, g.dm]);
  const out: Stmt[] = [];
  if (bufs.dx !== undefined) {
    const size = prod(g.axes.map((a) => a.L)) * g.cin;
    const flat = new Buf(bufs.dx, ["batch", size]);
    out.push(loop("b", BATCH, (b) => [loop("i", size, (i) => [flat.store([b, i], num(0))])]));
  }
  const dx = bufs.dx !== undefined ? new Buf(bufs.dx, dims) : undefined;
  out.push(
    loop("b", BATCH, (b) =>
      nest("o", g.axes.map((a) => a.out), (o) => [
        loop("ci", g.cin, (ci) => [
          loop("m", g.dm, (m) => [
            letVar("gz", dz.at(b, ...o, ci, m)),
            {
              k: "if",
              test: cmp("!=", ref("gz"), num(0)),
              then: [
                ...(bufs.gbias ? [bufs.gbias.accumulate([add(mul(ci, num(g.dm)), m)], ref("gz"))] : []),
                ...nest("t", g.axes.map((a) => a.k), (t) => {
                  const { at, test } = taps(g, o, t);
                  return guarded(test, [
                    bufs.gkernel.accumulate([...t, ci, m], mul(x.at(b, ...at, ci), ref("gz"))),
                    ...(dx ? [dx.accumulate([b, ...at, ci], mul(bufs.kernel.at(...t, ci, m), ref("gz")))] : []),
                  ]);
                }),
              ],
              else: [],
            },
          ]),
        ]),
      ]),
    ),
  );
  return out;
}
