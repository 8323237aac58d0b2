/**
 * Buffer handles for writing kernels: a named buffer with a row-major shape
 * turns multi-dimensional indices into one flat index expression. The
 * leading dimension of activation buffers is the batch (BATCH).
 */
import { add, BATCH, mul, num, type Expr, type Stmt } from "./expr.js";

export type Dim = number | "batch";

export class Buf {
  constructor(
    readonly name: string,
    readonly dims: readonly Dim[],
  ) {}

  /** Flat row-major index of `idx` (one expression per dimension). */
  index(...idx: Expr[]): Expr {
    let flat: Expr = num(0);
    for (let d = 0; d < idx.length; d++) {
      const dim = this.dims[d];
      flat = d === 0 ? idx[0]! : add(mul(flat, dim === "batch" ? BATCH : num(dim ?? 1)), idx[d]!);
    }
    return flat;
  }

  at(...idx: Expr[]): Expr {
    return { k: "load", buf: this.name, index: this.index(...idx) };
  }

  store(idx: readonly Expr[], value: Expr): Stmt {
    return { k: "store", buf: this.name, index: this.index(...idx), value, acc: false };
  }

  accumulate(idx: readonly Expr[], value: Expr): Stmt {
    return { k: "store", buf: this.name, index: this.index(...idx), value, acc: true };
  }

  /** Number of values per sample (all dims after the batch). */
  get sampleSize(): number {
    return this.dims.reduce<number>((n, d) => (d === "batch" ? n : n * d), 1);
  }
}

/** Element `index` of a buffer addressed by flat index (kernels that are not written over a shaped Buf). */
export function load(buf: string, index: Expr): Expr {
  return { k: "load", buf, index };
}

/** Stores `value` at flat `index` of a buffer (adds it when `acc`). */
export function storeAt(buf: string, index: Expr, value: Expr, acc = false): Stmt {
  return { k: "store", buf, index, value, acc };
}

export function loop(v: string, to: Expr | number, body: (i: Expr) => Stmt[]): Stmt {
  return { k: "for", v, from: num(0), to: typeof to === "number" ? num(to) : to, body: body({ k: "var", name: v }) };
}

export function letVar(name: string, value: Expr): Stmt {
  return { k: "let", name, value };
}

export function setVar(name: string, value: Expr, acc = false): Stmt {
  return { k: "set", name, value, acc };
}

export function note(text: string): Stmt {
  return { k: "note", text };
}
