/**
 * Matrix products in the kernel form. A layer that multiplies matrices says
 * so with `gemm(...)` instead of writing the loop nest itself: the statement
 * carries both the product's description (extents and constant strides of
 * three buffer views) and the equivalent loop nest. The interpreter runs the
 * nest; the emitter specializes it like any other kernel code, or, when the
 * product is large, replaces it by a call to a WASM SIMD kernel generated
 * from the description (src/phases/3-emit/wasm.ts). Either way the math is
 * written once, here.
 *
 *   C(i, j) (+)= Σ_k A(i, k) · B(k, j)      i < m, j < n, k < k
 *   X(r, c) = buf[offset + r·rows + c·cols]  for X = A, B, C
 *
 * Two extensions make convolutions products too (an implicit GEMM, no
 * im2col copy): `outer` dimensions repeat the whole product at shifted A
 * and C offsets (batch, output rows), and `taps` are extra constant
 * reduction dimensions that shift A and B (kernel taps):
 *
 *   C(u; i, j) (+)= Σ_t Σ_k A(u; i, k; t) · B(k, j; t)
 *   A(u; i, k; t) = a[offset + Σ u·a_u + i·rows + k·cols + Σ t·a_t], …
 */
import { letVar, load, loop, setVar, storeAt as store } from "./buffer.js";
import { add, mul, num, ref, type Expr, type Stmt } from "./expr.js";

export interface GemmOperand {
  readonly buf: string;
  /** Element offset of (0, 0) inside the buffer. */
  readonly offset: number;
  /** Elements between consecutive rows. */
  readonly rows: number;
  /** Elements between consecutive columns. */
  readonly cols: number;
}

/** An outer dimension: the product repeats `size` times, A and C shifted by their strides. */
export interface GemmOuter {
  readonly name: string;
  readonly size: Expr;
  readonly a: number;
  readonly c: number;
}

/** A constant reduction dimension besides k: A and B shifted by their strides. */
export interface GemmTap {
  readonly name: string;
  readonly size: number;
  readonly a: number;
  readonly b: number;
}

export interface Gemm {
  /** Names the product within its layer (forward, kernel_grad, …). */
  readonly label: string;
  readonly outer?: readonly GemmOuter[];
  readonly taps?: readonly GemmTap[];
  /** Extents: constants, or a constant times the batch size. */
  readonly m: Expr;
  readonly n: Expr;
  readonly k: Expr;
  readonly a: GemmOperand;
  readonly b: GemmOperand;
  readonly c: GemmOperand;
  /** Add to C instead of overwriting it. */
  readonly accumulate: boolean;
  /**
   * With `accumulate`, for native kernels: C's previous contents are not
   * read, the sum starts from zero (the first product into a gradient, see
   * phases/3-emit/grad-init.ts). The loop nest does not implement it: its
   * lowering zeroes C first.
   */
  readonly overwrite?: boolean;
  /**
   * Fused epilogue, for native kernels: C(i, j) = bias[offset + j] + Σ… (C is
   * overwritten; `accumulate` must be false), and with `relu`,
   * relu(C(i, j)) is stored into that buffer (C itself, or one laid out
   * exactly like C, C keeping the pre-activation). The loop nest does not
   * implement them: a product that has them is built with gemm()'s `fused`
   * option, whose lowering does the same work in its own loops.
   */
  readonly bias?: { readonly buf: string; readonly offset: number };
  readonly relu?: { readonly buf: string };
  /**
   * A per-column affine map after the bias and relu (a folded
   * BatchNormalization at inference, affine.ts): `bias` then holds 3·n
   * values — the bias, scale, shift — and the final value v (relu(C) when
   * `relu`, else C) is stored as v·scale[j] + shift[j].
   */
  readonly affine?: boolean;
  /** With `affine` and `relu`: relu applies after the affine map (a relu layer folded after a folded normalization), not before. */
  readonly reluLast?: boolean;
}

/**
 * Loop order of the lowered nest (outermost first). `kij` and `ikj` stream
 * rows of B into rows of C (axpy form), `ijk` takes one dot product per
 * element of C. The layer picks the order that keeps its operands in cache.
 */
export type LoopOrder = "kij" | "ikj" | "ijk";

/** Extra offset terms (outer and tap indices) per operand. */
interface Shift {
  readonly a: Expr;
  readonly b: Expr;
  readonly c: Expr;
}

/** Flat index of element (r, c) of an operand, shifted by outer/tap offsets. */
const indexOf = (op: GemmOperand, shift: Expr, r: Expr, c: Expr): Expr => add(add(num(op.offset), shift), add(mul(r, num(op.rows)), mul(c, num(op.cols))));
const at = (op: GemmOperand, shift: Expr, r: Expr, c: Expr): Expr => load(op.buf, indexOf(op, shift, r, c));
const storeAt = (op: GemmOperand, shift: Expr, r: Expr, c: Expr, value: Expr, acc: boolean): Stmt => store(op.buf, indexOf(op, shift, r, c), value, acc);

/** Options of gemm(): names for readable code, and a layer's own (fused) lowering. */
export interface GemmOptions {
  readonly names?: GemmNames;
  /**
   * The layer's own loop nest, equivalent to prologue; product; epilogue
   * (e.g. with bias and activation fused into the accumulation). The
   * native path runs prologue, the kernel, then epilogue instead.
   */
  readonly fused?: { readonly lowered: readonly Stmt[]; readonly prologue: readonly Stmt[]; readonly epilogue: readonly Stmt[] };
}

/** Names of the lowered nest's loop variables and its scalar local, for readable generated code. */
export interface GemmNames {
  readonly i: string;
  readonly j: string;
  readonly k: string;
  readonly local: string;
}

const DEFAULT_NAMES: GemmNames = { i: "gi", j: "gj", k: "gk", local: "av" };

export function gemm(spec: Gemm, order: LoopOrder, options: GemmOptions = {}): Stmt {
  if (options.fused) return { k: "gemm", spec, ...options.fused };
  if (spec.bias || spec.relu || spec.affine) throw new Error("layerc internal error: a product with a fused epilogue needs its own lowering");
  const names = options.names ?? DEFAULT_NAMES;
  const { m, n, k, a, b, c } = spec;
  const { local } = names;
  const zero: Shift = { a: num(0), b: num(0), c: num(0) };
  // outer loops wrap the product; taps nest inside the reduction
  const wrap = (shift: Shift, body: (s: Shift) => Stmt[]): Stmt[] => {
    const go = (d: number, s: Shift): Stmt[] => {
      const o = spec.outer?.[d];
      if (!o) return body(s);
      return [loop(o.name, o.size, (u) => go(d + 1, { a: add(s.a, mul(u, num(o.a))), b: s.b, c: add(s.c, mul(u, num(o.c))) }))];
    };
    return go(0, shift);
  };
  const reduce = (shift: Shift, body: (s: Shift) => Stmt[]): Stmt[] => {
    const go = (d: number, s: Shift): Stmt[] => {
      const t = spec.taps?.[d];
      if (!t) return body(s);
      return [loop(t.name, t.size, (v) => go(d + 1, { a: add(s.a, mul(v, num(t.a))), b: add(s.b, mul(v, num(t.b))), c: s.c }))];
    };
    return go(0, shift);
  };
  const lowered = wrap(zero, (s) => {
    if (order === "ijk") {
      return [
        loop(names.i, m, (i) => [
          loop(names.j, n, (j) => [
            letVar(local, num(0)),
            ...reduce(s, (t) => [loop(names.k, k, (kk) => [setVar(local, mul(at(a, t.a, i, kk), at(b, t.b, kk, j)), true)])]),
            storeAt(c, s.c, i, j, ref(local), spec.accumulate),
          ]),
        ]),
      ];
    }
    const out: Stmt[] = [];
    if (!spec.accumulate) out.push(loop(names.i, m, (i) => [loop(names.j, n, (j) => [storeAt(c, s.c, i, j, num(0), false)])]));
    const axpy = (i: Expr, kk: Expr, t: Shift): Stmt[] => [
      letVar(local, at(a, t.a, i, kk)),
      loop(names.j, n, (j) => [storeAt(c, s.c, i, j, mul(ref(local), at(b, t.b, kk, j)), true)]),
    ];
    out.push(
      ...reduce(s, (t) =>
        order === "kij" ? [loop(names.k, k, (kk) => [loop(names.i, m, (i) => axpy(i, kk, t))])] : [loop(names.i, m, (i) => [loop(names.k, k, (kk) => axpy(i, kk, t))])],
      ),
    );
    return out;
  });
  return { k: "gemm", spec, lowered, prologue: [], epilogue: [] };
}

/** An extent as `per` or `per × batch`; null when it is neither. */
export function extent(e: Expr): { readonly per: number; readonly batch: boolean } | null {
  if (e.k === "num") return { per: e.v, batch: false };
  if (e.k === "batch") return { per: 1, batch: true };
  if (e.k === "bin" && e.op === "*" && e.a.k === "batch" && e.b.k === "num") return { per: e.b.v, batch: true };
  return null;
}
