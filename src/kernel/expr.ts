/**
 * The kernel form: a tiny loop language in which every layer writes its
 * forward and backward math once. Both backends consume it: the interpreter
 * evaluates it, the emitter specializes it into TypeScript. Programs are
 * plain data; builders below fold constants so that specialized (unrolled)
 * code comes out simple.
 *
 * Index expressions address buffers by a flat, row-major offset relative to
 * the buffer's own start; backends add the buffer's base offset.
 */
import type { OpName } from "./ops.js";
import type { Gemm } from "./gemm.js";
import type { Window } from "./window.js";
import type { Lookup } from "./lookup.js";

/**
 * An elementwise loop (the optimizer's update rule, an activation's
 * gradient, a bias gradient): `lowered` is one loop whose body reads and
 * writes element i of its buffers, possibly inside loops over the batch and
 * other constant extents that only move where element i is (a bias
 * gradient sums over them); a backend may run it natively when those
 * buffers live in its memory (wasm-map.ts).
 */
export interface MapSpec {
  readonly kind: "map";
  readonly label: string;
  /** Elements the loop runs over; per sample when it runs over the batch. */
  readonly size: number;
  /** Whether the loop runs over the batch (its size is then per sample). */
  readonly batch?: boolean;
}

/** Marks `loop` as an elementwise loop a backend may run natively (MapSpec). */
export function elementwise(label: string, size: number, loop: Stmt, batch = false): Stmt {
  return { k: "gemm", spec: { kind: "map", label, size, ...(batch ? { batch } : {}) }, lowered: [loop], prologue: [], epilogue: [] };
}

/** What a backend may run natively: a matrix product (gemm.ts), a window operation (window.ts), a row lookup (lookup.ts) or an elementwise loop. */
export type NativeSpec = Gemm | Window | Lookup | MapSpec;

/** Is this native-eligible statement an elementwise loop? */
export const isMap = (spec: NativeSpec): spec is MapSpec => "kind" in spec && spec.kind === "map";

/** Is this native-eligible statement a window operation (rather than a product)? */
export const isWindow = (spec: NativeSpec): spec is Window => "kind" in spec && spec.kind === "window";

/** Is this native-eligible statement a row lookup (rather than a product)? */
export const isLookup = (spec: NativeSpec): spec is Lookup => "kind" in spec && spec.kind === "lookup";

/** Is this native-eligible statement a matrix product (no elementwise loop, window operation or lookup)? */
export const isProduct = (spec: NativeSpec): spec is Gemm => !("kind" in spec);

export type Expr =
  | { readonly k: "num"; readonly v: number }
  /** A loop index or a scalar local. */
  | { readonly k: "var"; readonly name: string }
  /** The number of samples in the current batch (a run-time value). */
  | { readonly k: "batch" }
  | { readonly k: "load"; readonly buf: string; readonly index: Expr }
  | { readonly k: "bin"; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: "op"; readonly op: OpName; readonly args: readonly Expr[] }
  | { readonly k: "select"; readonly test: Cond; readonly then: Expr; readonly else: Expr };

export type BinOp = "+" | "-" | "*" | "/";

export type CmpOp = "<" | "<=" | ">" | ">=" | "==" | "!=";

export type Cond =
  | { readonly k: "cmp"; readonly op: CmpOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: "and"; readonly a: Cond; readonly b: Cond };

export type Stmt =
  | { readonly k: "for"; readonly v: string; readonly from: Expr; readonly to: Expr; readonly body: readonly Stmt[] }
  | { readonly k: "let"; readonly name: string; readonly value: Expr }
  | { readonly k: "set"; readonly name: string; readonly value: Expr; readonly acc: boolean }
  | { readonly k: "store"; readonly buf: string; readonly index: Expr; readonly value: Expr; readonly acc: boolean }
  | { readonly k: "if"; readonly test: Cond; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] }
  /** A comment carried into generated code (ignored by the interpreter). */
  | { readonly k: "note"; readonly text: string }
  /**
   * A matrix product (see gemm.ts) or a window operation (window.ts):
   * `lowered` is the equivalent loop nest, which the interpreter runs and
   * the emitter specializes; `spec` lets a backend replace it by a native
   * kernel (WASM SIMD) between `prologue` and `epilogue`: `lowered` ≡
   * prologue; operation; epilogue (a layer may fuse bias and activation
   * into its loops that way).
   */
  | {
      readonly k: "gemm";
      readonly spec: NativeSpec;
      readonly lowered: readonly Stmt[];
      readonly prologue: readonly Stmt[];
      readonly epilogue: readonly Stmt[];
    };

// ---- builders (with constant folding) ---------------------------------------

export const num = (v: number): Expr => ({ k: "num", v });
export const ref = (name: string): Expr => ({ k: "var", name });
export const BATCH: Expr = { k: "batch" };

export function isNum(e: Expr, v?: number): e is { k: "num"; v: number } {
  return e.k === "num" && (v === undefined || e.v === v);
}

export function add(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v + b.v);
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  // keep constants to the right so `i*4 + 2 + 1` folds to `i*4 + 3`
  if (isNum(a)) return add(b, a);
  if (isNum(b) && a.k === "bin" && a.op === "+" && isNum(a.b)) return add(a.a, num(a.b.v + b.v));
  return { k: "bin", op: "+", a, b };
}

export function sub(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v - b.v);
  if (isNum(b, 0)) return a;
  if (isNum(b)) return add(a, num(-b.v));
  return { k: "bin", op: "-", a, b };
}

export function mul(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v * b.v);
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (isNum(a)) return mul(b, a);
  return { k: "bin", op: "*", a, b };
}

export function div(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b) && b.v !== 0) return num(a.v / b.v);
  if (isNum(b, 1)) return a;
  return { k: "bin", op: "/", a, b };
}

export const neg = (a: Expr): Expr => (isNum(a) ? num(-a.v) : sub(num(0), a));

export function call(op: OpName, ...args: Expr[]): Expr {
  return { k: "op", op, args };
}

export function cmp(op: CmpOp, a: Expr, b: Expr): Cond {
  return { k: "cmp", op, a, b };
}

export function and(a: Cond, b: Cond): Cond {
  return { k: "and", a, b };
}

export function select(test: Cond, then: Expr, otherwise: Expr): Expr {
  const t = evalConstCond(test);
  if (t === true) return then;
  if (t === false) return otherwise;
  return { k: "select", test, then, else: otherwise };
}

/** Evaluates a condition whose operands are constants; undefined otherwise. */
export function evalConstCond(c: Cond): boolean | undefined {
  if (c.k === "and") {
    const a = evalConstCond(c.a);
    const b = evalConstCond(c.b);
    if (a === false || b === false) return false;
    if (a === true && b === true) return true;
    return undefined;
  }
  if (!isNum(c.a) || !isNum(c.b)) return undefined;
  return compare(c.op, c.a.v, c.b.v);
}

export function compare(op: CmpOp, a: number, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

export type Bin = Extract<Expr, { k: "bin" }>;

/** `a op b`, folded like the builders. */
export function binary(op: BinOp, a: Expr, b: Expr): Expr {
  return op === "+" ? add(a, b) : op === "-" ? sub(a, b) : op === "*" ? mul(a, b) : div(a, b);
}

/**
 * The left spine of a chain of binary operations: `[e, e.a, e.a.a, …]` down
 * to the last node whose `a` is not a binary operation. Specializing folds
 * `acc += …` into left-leaning sums as deep as their number of terms (one
 * per input of an unrolled Dense), so every walk over specialized
 * expressions follows the spine in a loop and recurses only into the
 * right operands, which stay shallow.
 */
export function leftSpine(e: Bin): Bin[] {
  const spine = [e];
  for (let a = e.a; a.k === "bin"; a = a.a) spine.push(a);
  return spine;
}

/** Replaces variables by expressions (used to unroll loops) and re-folds. */
export function substitute(e: Expr, env: ReadonlyMap<string, Expr>): Expr {
  switch (e.k) {
    case "num":
    case "batch":
      return e;
    case "var":
      return env.get(e.name) ?? e;
    case "load":
      return { k: "load", buf: e.buf, index: substitute(e.index, env) };
    case "bin": {
      // along the left spine in a loop: a folded sum is as deep as its number of terms
      const spine = leftSpine(e);
      let acc = substitute(spine[spine.length - 1]!.a, env);
      for (let i = spine.length - 1; i >= 0; i--) acc = binary(spine[i]!.op, acc, substitute(spine[i]!.b, env));
      return acc;
    }
    case "op":
      return { k: "op", op: e.op, args: e.args.map((a) => substitute(a, env)) };
    case "select":
      return select(substituteCond(e.test, env), substitute(e.then, env), substitute(e.else, env));
  }
}

export function substituteCond(c: Cond, env: ReadonlyMap<string, Expr>): Cond {
  if (c.k === "and") return and(substituteCond(c.a, env), substituteCond(c.b, env));
  return cmp(c.op, substitute(c.a, env), substitute(c.b, env));
}
