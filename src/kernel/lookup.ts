/**
 * Row lookups in the kernel form: copying rows of a table chosen by index
 * (an embedding's forward) and adding rows back into it (its gradient). A
 * layer states one with `lookupOp(...)`; the statement carries the
 * operation's description and its loop nest, built here once. The
 * interpreter runs the nest; the emitter specializes it, or replaces it by
 * a generated WebAssembly kernel (src/phases/3-emit/wasm-lookup.ts) that
 * copies or adds each row in vectors. Neither backend names a layer.
 *
 *   ids    [batch, positions]        row indices (whole numbers in [0, rows),
 *                                    checked before any kernel runs)
 *   table  [rows, width]             a parameter (or its gradient)
 *   values [batch, positions, width]
 *
 *   gather       values(b,p,·) = table(ids(b,p), ·)
 *   scatter_add  table(ids(b,p), ·) += values(b,p,·)   (in (b, p) order: a repeated id adds twice)
 */
import { Buf, load, loop, storeAt } from "./buffer.js";
import { add, BATCH, mul, num, type Expr, type Stmt } from "./expr.js";

export type LookupOpName = "gather" | "scatter_add";

export interface Lookup {
  readonly kind: "lookup";
  /** Names the operation within its layer. */
  readonly label: string;
  readonly op: LookupOpName;
  /** Samples: the batch size (or a constant times it). */
  readonly batch: Expr;
  readonly positions: number;
  readonly width: number;
  readonly ids: string;
  readonly table: string;
  readonly values: string;
}

/** The statement for a row lookup: its description and its loop nest. */
export function lookupOp(spec: Omit<Lookup, "kind" | "batch"> & { readonly batch?: Expr }): Stmt {
  const l: Lookup = { kind: "lookup", batch: BATCH, ...spec };
  const ids = new Buf(l.ids, ["batch", l.positions]);
  const values = new Buf(l.values, ["batch", l.positions, l.width]);
  // row `id` of the table starts at id · width
  const at = (b: Expr, p: Expr, j: Expr) => add(mul(ids.at(b, p), num(l.width)), j);
  const lowered = [
    loop("b", l.batch, (b) => [
      loop("pos", l.positions, (p) => [
        loop("j", l.width, (j) => [l.op === "gather" ? values.store([b, p, j], load(l.table, at(b, p, j))) : storeAt(l.table, at(b, p, j), values.at(b, p, j), true)]),
      ]),
    ]),
  ];
  return { k: "gemm", spec: l, lowered, prologue: [], epilogue: [] };
}
