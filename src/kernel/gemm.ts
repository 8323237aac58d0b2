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
 */
import { letVar, loop, setVar } from "./buffer.js";
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

export interface Gemm {
  /** Names the product within its layer (forward, kernel_grad, …). */
  readonly label: string;
  /** Extents: constants, or a constant times the batch size. */
  readonly m: Expr;
  readonly n: Expr;
  readonly k: Expr;
  readonly a: GemmOperand;
  readonly b: GemmOperand;
  readonly c: GemmOperand;
  /** Add to C instead of overwriting it. */
  readonly accumulate: boolean;
}

/**
 * Loop order of the lowered nest (outermost first). `kij` and `ikj` stream
 * rows of B into rows of C (axpy form), `ijk` takes one dot product per
 * element of C. The layer picks the order that keeps its operands in cache.
 */
export type LoopOrder = "kij" | "ikj" | "ijk";

const at = (op: GemmOperand, r: Expr, c: Expr): Expr => ({
  k: "load",
  buf: op.buf,
  index: add(num(op.offset), add(mul(r, num(op.rows)), mul(c, num(op.cols)))),
});

const storeAt = (op: GemmOperand, r: Expr, c: Expr, value: Expr, acc: boolean): Stmt => ({
  k: "store",
  buf: op.buf,
  index: add(num(op.offset), add(mul(r, num(op.rows)), mul(c, num(op.cols)))),
  value,
  acc,
});

/** Names of the lowered nest's loop variables and its scalar local, for readable generated code. */
export interface GemmNames {
  readonly i: string;
  readonly j: string;
  readonly k: string;
  readonly local: string;
}

const DEFAULT_NAMES: GemmNames = { i: "gi", j: "gj", k: "gk", local: "av" };

export function gemm(spec: Gemm, order: LoopOrder, names: GemmNames = DEFAULT_NAMES): Stmt {
  const { m, n, k, a, b, c } = spec;
  const { local } = names;
  const lowered: Stmt[] = [];
  if (order === "ijk") {
    lowered.push(
      loop(names.i, m, (i) => [
        loop(names.j, n, (j) => [
          letVar(local, num(0)),
          loop(names.k, k, (kk) => [setVar(local, mul(at(a, i, kk), at(b, kk, j)), true)]),
          storeAt(c, i, j, ref(local), spec.accumulate),
        ]),
      ]),
    );
    return { k: "gemm", spec, lowered };
  }
  if (!spec.accumulate) lowered.push(loop(names.i, m, (i) => [loop(names.j, n, (j) => [storeAt(c, i, j, num(0), false)])]));
  const axpy = (i: Expr, kk: Expr): Stmt[] => [letVar(local, at(a, i, kk)), loop(names.j, n, (j) => [storeAt(c, i, j, mul(ref(local), at(b, kk, j)), true)])];
  lowered.push(
    order === "kij" ? loop(names.k, k, (kk) => [loop(names.i, m, (i) => axpy(i, kk))]) : loop(names.i, m, (i) => [loop(names.k, k, (kk) => axpy(i, kk))]),
  );
  return { k: "gemm", spec, lowered };
}

/** An extent as `per` or `per × batch`; null when it is neither. */
export function extent(e: Expr): { readonly per: number; readonly batch: boolean } | null {
  if (e.k === "num") return { per: e.v, batch: false };
  if (e.k === "batch") return { per: 1, batch: true };
  if (e.k === "bin" && e.op === "*" && e.a.k === "batch" && e.b.k === "num") return { per: e.b.v, batch: true };
  return null;
}
