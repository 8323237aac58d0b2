/**
 * Window operations in the kernel form: the sliding-window gathers,
 * scatters and reductions of convolutions and pooling, over channels-last
 * tensors. A layer states one with `windowOp(...)`; the statement carries
 * the operation's description (geometry and buffers) and the equivalent
 * loop nest, built here once. The interpreter runs the nest; the emitter
 * specializes it, or replaces it by a generated WebAssembly kernel
 * (src/phases/3-emit/wasm-window.ts) that vectorizes over channels. The
 * layer names neither backend, and neither backend names a layer.
 *
 * Geometry per spatial axis: input length L, `out` windows, `k` taps,
 * stride s, dilation d and `before`, the zeros conceptually padded in
 * front. Window o's tap t reads input position p = o·s + t·d − before;
 * positions outside [0, L) are padding.
 *
 *   image    [batch, L…, channels]          (the input side)
 *   windows  [batch, out…, k…, channels]    gather / scatter (im2col, col2im)
 *            [batch, out…, channels]        pooling
 *
 *   gather    windows(b,o,t,c) = image(b,p,c), 0 in the padding
 *   scatter   image(b,p,c) = Σ_(o,t) windows(b,o,t,c)  (image zeroed first; padding dropped)
 *   max       windows(b,o,c) = max_t image(b,p,c)  (−∞ start, NaN ignored: strict `>`)
 *   avg       windows(b,o,c) = Σ_t image(b,p,c) / (taps inside)
 *   max_grad  image(b,·) = 0, then image(b, arg max) += windows(b,o,c): the FIRST
 *             maximum of `source` (the forward input) in row-major tap order
 *   avg_grad  image(b,p,c) = Σ_o windows(b,o,c) / (taps inside)  (zeroed first)
 *
 * With a `mask` [batch, L…] (one weight per position, a Keras mask of 0/1),
 * the averages weigh each tap by it and divide by its sum over the window's
 * taps instead of their count (0/0 = NaN for a window with nothing unmasked,
 * as Keras):
 *
 *   avg       windows(b,o,c) = Σ_t image(b,p,c)·mask(b,p) / Σ_t mask(b,p)
 *   avg_grad  image(b,p,c) = Σ_o windows(b,o,c) / Σ_t mask(b,p') · mask(b,p)  (zeroed first)
 *
 * Depthwise convolution, with a kernel `weights` [k…, channels, multiplier]
 * and windows [batch, out…, channels·multiplier] (channel c, multiplier m at c·dm + m):
 *
 *   depthwise              windows(b,o,c,m) = bias(c,m) + Σ_t image(b,p,c) · weights(t,c,m)
 *                          (and relu of it into `relu`, when given)
 *   depthwise_kernel_grad  weights(t,c,m) += Σ_(b,o) image(b,p,c) · windows(b,o,c,m)
 *                          (`weights` is the kernel's gradient here)
 *   depthwise_input_grad   image(b,p,c) = Σ_(o,t,m) weights(t,c,m) · windows(b,o,c,m)  (zeroed first)
 *
 * Bounds checks are emitted only on axes where some tap leaves the input,
 * and they fold away when the emitter unrolls.
 */
import { applyElementwise } from "./activation.js";
import { Buf, letVar, loop, setVar } from "./buffer.js";
import { add, and, BATCH, call, cmp, div, isNum, mul, num, ref, sub, type Cond, type Expr, type Stmt } from "./expr.js";

export interface WindowAxis {
  readonly L: number;
  readonly out: number;
  readonly k: number;
  readonly s: number;
  readonly d: number;
  readonly before: number;
}

export type WindowOpName = "gather" | "scatter" | "max" | "avg" | "max_grad" | "avg_grad" | "depthwise" | "depthwise_kernel_grad" | "depthwise_input_grad";

export interface Window {
  readonly kind: "window";
  /** Names the operation within its layer (im2col, pool, …). */
  readonly label: string;
  readonly op: WindowOpName;
  /** Samples: the batch size (or a constant times it). */
  readonly batch: Expr;
  readonly axes: readonly WindowAxis[];
  readonly channels: number;
  readonly image: string;
  readonly windows: string;
  /** max_grad: the forward input the arg-max is taken over. */
  readonly source?: string;
  /** avg, avg_grad: per-position weights [batch, L…] (a mask) the average is taken with. */
  readonly mask?: string;
  /** Depthwise operations: the kernel (or its gradient), the bias, the depth multiplier. */
  readonly weights?: string;
  readonly bias?: string;
  readonly multiplier?: number;
  /**
   * Fused epilogue of the depthwise forward: relu(windows) is also stored
   * into this buffer, laid out like the windows (the windows buffer itself:
   * in place), while the window's outputs are still in cache.
   */
  readonly relu?: string;
}

/** Does the operation write its image side (rather than its windows)? */
export const writesImage = (op: WindowOpName) => op === "scatter" || op === "max_grad" || op === "avg_grad" || op === "depthwise_input_grad";

/** Does window `o`'s tap `t` leave the input below (`low`) or above (`high`) on some position? */
export const leavesLow = (a: WindowAxis) => a.before > 0;
export const leavesHigh = (a: WindowAxis) => (a.out - 1) * a.s + (a.k - 1) * a.d - a.before >= a.L;

/** Does some tap read outside the input (padding, or a partial last window)? */
export const windowPadded = (axes: readonly WindowAxis[]) => axes.some((a) => leavesLow(a) || leavesHigh(a));

/** Nested constant loops `${prefix}0`, `${prefix}1`, … over `sizes`. */
export function nest(prefix: string, sizes: readonly number[], body: (idx: Expr[]) => Stmt[]): Stmt[] {
  const go = (a: number, idx: Expr[]): Stmt[] => (a === sizes.length ? body(idx) : [loop(`${prefix}${a}`, sizes[a]!, (i) => go(a + 1, [...idx, i]))]);
  return go(0, []);
}

/** Input position of window `o` and tap `t` on each axis, and the bounds checks that can fail. */
export function windowTaps(axes: readonly WindowAxis[], o: readonly Expr[], t: readonly Expr[]): { at: Expr[]; inBounds: Cond | undefined } {
  const at: Expr[] = [];
  let inBounds: Cond | undefined;
  const need = (c: Cond) => (inBounds = inBounds ? and(inBounds, c) : c);
  axes.forEach((a, i) => {
    const idx = sub(add(mul(o[i]!, num(a.s)), mul(t[i]!, num(a.d))), num(a.before));
    at.push(idx);
    if (leavesLow(a)) need(cmp(">=", idx, num(0)));
    if (leavesHigh(a)) need(cmp("<", idx, num(a.L)));
  });
  return { at, inBounds };
}

/** `body` when `test` holds (always, without a test). */
export function guarded(test: Cond | undefined, body: Stmt[]): Stmt[] {
  return test ? [{ k: "if", test, then: body, else: [] }] : body;
}

const fmin = (a: Expr, b: Expr): Expr => (isNum(a) && isNum(b) ? num(Math.min(a.v, b.v)) : call("min", a, b));
const fmax = (a: Expr, b: Expr): Expr => (isNum(a) && isNum(b) ? num(Math.max(a.v, b.v)) : call("max", a, b));

/** Taps of window `o` inside the input (dilation 1: the window is one interval per axis). */
function insideCount(axes: readonly WindowAxis[], o: readonly Expr[]): Expr {
  let n: Expr = num(1);
  axes.forEach((a, i) => {
    if (!leavesLow(a) && !leavesHigh(a)) {
      n = mul(n, num(a.k));
      return;
    }
    const start = sub(mul(o[i]!, num(a.s)), num(a.before));
    n = mul(n, sub(fmin(num(a.L), add(start, num(a.k))), fmax(num(0), start)));
  });
  return n;
}

/**
 * The statement for a window operation: its description and its loop nest.
 * `fused` replaces the nest by the layer's own equivalent loops (e.g. two
 * gradients in one pass); the native path runs prologue, the kernel, epilogue.
 */
export function windowOp(
  spec: Omit<Window, "kind" | "batch"> & { readonly batch?: Expr },
  fused?: { readonly lowered: readonly Stmt[]; readonly prologue: readonly Stmt[]; readonly epilogue: readonly Stmt[] },
): Stmt {
  const w: Window = { kind: "window", batch: BATCH, ...spec };
  if ((w.op === "avg" || w.op === "avg_grad") && w.axes.some((a) => a.d !== 1)) throw new Error("layerc internal error: average windows need dilation 1");
  if (w.op === "max_grad" && w.source === undefined) throw new Error("layerc internal error: max_grad needs the forward input");
  if (w.mask !== undefined && w.op !== "avg" && w.op !== "avg_grad") throw new Error("layerc internal error: only averages take a mask");
  if (w.op.startsWith("depthwise") && (w.weights === undefined || w.multiplier === undefined)) throw new Error("layerc internal error: a depthwise window needs its kernel");
  if (fused) return { k: "gemm", spec: w, ...fused };
  return { k: "gemm", spec: w, lowered: lowerWindow(w), prologue: [], epilogue: [] };
}

/** The depthwise operations' loops: (b, o, c, m) outside, taps inside. */
function lowerDepthwise(w: Window, image: Buf, zeroImage: () => Stmt): Stmt[] {
  const dm = w.multiplier!;
  const outs = w.axes.map((a) => a.out);
  const kernel = new Buf(w.weights!, [...w.axes.map((a) => a.k), w.channels, dm]);
  const z = new Buf(w.windows, ["batch", ...outs, w.channels, dm]);
  const window = (o: Expr[], body: (t: Expr[], at: Expr[]) => Stmt[]) =>
    nest("t", w.axes.map((a) => a.k), (t) => {
      const { at, inBounds } = windowTaps(w.axes, o, t);
      return guarded(inBounds, body(t, at));
    });
  const body = loop("b", w.batch, (b) =>
    nest("o", outs, (o) => [
      loop("ci", w.channels, (ci) => [
        loop("m", dm, (m): Stmt[] => {
          if (w.op === "depthwise") {
            return [
              letVar("acc", w.bias !== undefined ? new Buf(w.bias, [w.channels * dm]).at(add(mul(ci, num(dm)), m)) : num(0)),
              ...window(o, (t, at) => [setVar("acc", mul(image.at(b, ...at, ci), kernel.at(...t, ci, m)), true)]),
              z.store([b, ...o, ci, m], ref("acc")),
              ...(w.relu !== undefined ? [new Buf(w.relu, z.dims).store([b, ...o, ci, m], applyElementwise("relu", ref("acc")))] : []),
            ];
          }
          const term = (t: Expr[], at: Expr[]) =>
            w.op === "depthwise_kernel_grad" ? kernel.accumulate([...t, ci, m], mul(image.at(b, ...at, ci), ref("gz"))) : image.accumulate([b, ...at, ci], mul(kernel.at(...t, ci, m), ref("gz")));
          return [letVar("gz", z.at(b, ...o, ci, m)), ...window(o, (t, at) => [term(t, at)])];
        }),
      ]),
    ]),
  );
  return w.op === "depthwise_input_grad" ? [zeroImage(), body] : [body];
}

/** The loop nest of a window operation (what the interpreter runs and the TypeScript fallback is). */
function lowerWindow(w: Window): Stmt[] {
  const { axes, channels: C } = w;
  const outs = axes.map((a) => a.out);
  const ks = axes.map((a) => a.k);
  const image = new Buf(w.image, ["batch", ...axes.map((a) => a.L), C]);
  const zeroImage = (): Stmt => {
    const size = image.sampleSize;
    const flat = new Buf(w.image, ["batch", size]);
    return loop("b", w.batch, (b) => [loop("i", size, (i) => [flat.store([b, i], num(0))])]);
  };
  if (w.op.startsWith("depthwise")) return lowerDepthwise(w, image, zeroImage);
  if (w.op === "gather" || w.op === "scatter") {
    const cols = new Buf(w.windows, ["batch", ...outs, ...ks, C]);
    const body = loop("b", w.batch, (b) =>
      nest("o", outs, (o) =>
        nest("t", ks, (t) => {
          const { at, inBounds } = windowTaps(axes, o, t);
          if (w.op === "scatter") return guarded(inBounds, [loop("c", C, (c) => [image.accumulate([b, ...at, c], cols.at(b, ...o, ...t, c))])]);
          const inside = [loop("c", C, (c) => [cols.store([b, ...o, ...t, c], image.at(b, ...at, c))])];
          return inBounds ? [{ k: "if", test: inBounds, then: inside, else: [loop("c", C, (c) => [cols.store([b, ...o, ...t, c], num(0))])] }] : inside;
        }),
      ),
    );
    return w.op === "scatter" ? [zeroImage(), body] : [body];
  }
  const pooled = new Buf(w.windows, ["batch", ...outs, C]);
  const source = new Buf(w.source ?? w.image, image.dims);
  /** Offset of an image cell within its sample. */
  const sampleIndex = new Buf("", image.dims.slice(1));
  const imageFlat = new Buf(w.image, ["batch", image.sampleSize]);
  const mask = w.mask !== undefined ? new Buf(w.mask, image.dims.slice(0, -1)) : undefined;
  /** The mask's sum over the window's inside taps, into `ms`. */
  const maskSum = (window: (body: (at: Expr[]) => Stmt[]) => Stmt[], b: Expr): Stmt[] => [letVar("ms", num(0)), ...window((at) => [setVar("ms", mask!.at(b, ...at), true)])];
  const perWindow = (b: Expr, o: Expr[], c: Expr): Stmt[] => {
    const window = (body: (at: Expr[]) => Stmt[]) =>
      nest("t", ks, (t) => {
        const { at, inBounds } = windowTaps(axes, o, t);
        return guarded(inBounds, body(at));
      });
    switch (w.op) {
      case "max":
        return [
          letVar("m", num(-Infinity)),
          ...window((at) => {
            const v = image.at(b, ...at, c);
            return [{ k: "if", test: cmp(">", v, ref("m")), then: [setVar("m", v)], else: [] }];
          }),
          pooled.store([b, ...o, c], ref("m")),
        ];
      case "avg":
        if (mask)
          return [
            ...maskSum(window, b),
            letVar("s", num(0)),
            ...window((at) => [setVar("s", mul(image.at(b, ...at, c), mask.at(b, ...at)), true)]),
            pooled.store([b, ...o, c], div(ref("s"), ref("ms"))),
          ];
        return [letVar("s", num(0)), ...window((at) => [setVar("s", image.at(b, ...at, c), true)]), pooled.store([b, ...o, c], div(ref("s"), insideCount(axes, o)))];
      case "max_grad":
        return [
          letVar("m", num(-Infinity)),
          letVar("at", num(0)),
          ...window((at) => {
            const v = source.at(b, ...at, c);
            return [{ k: "if", test: cmp(">", v, ref("m")), then: [setVar("m", v), setVar("at", sampleIndex.index(...at, c))], else: [] }];
          }),
          imageFlat.accumulate([b, ref("at")], pooled.at(b, ...o, c)),
        ];
      default:
        if (mask) return [...maskSum(window, b), letVar("gs", div(pooled.at(b, ...o, c), ref("ms"))), ...window((at) => [image.accumulate([b, ...at, c], mul(ref("gs"), mask.at(b, ...at)))])];
        return [letVar("gs", div(pooled.at(b, ...o, c), insideCount(axes, o))), ...window((at) => [image.accumulate([b, ...at, c], ref("gs"))])];
    }
  };
  const body = loop("b", w.batch, (b) => nest("o", outs, (o) => [loop("c", C, (c) => perWindow(b, o, c))]));
  return w.op === "max_grad" || w.op === "avg_grad" ? [zeroImage(), body] : [body];
}
