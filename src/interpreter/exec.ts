/**
 * Evaluates kernel programs: each statement and expression is turned once
 * into a JavaScript closure (no code generation, no eval), then run over
 * the model's memory. Arithmetic is float64; ops come from the op table's
 * `evaluate` facet, so the interpreter contains no layer math of its own.
 */
import { compare, type Cond, type Expr, type Stmt } from "../kernel/expr.js";
import { opDef } from "../kernel/ops.js";
import { InternalError } from "../diagnostics/diagnostic.js";

export interface Memory {
  /** Buffers by slot; activation buffers are replaced when capacity grows. */
  readonly arrays: (Float32Array | Float64Array)[];
  batch: number;
}

export interface Binding {
  readonly slot: number;
  readonly base: number;
}

type Vars = Float64Array;
type E = (m: Memory, v: Vars) => number;
type S = (m: Memory, v: Vars) => void;

class Compiler {
  readonly vars = new Map<string, number>();

  constructor(private readonly bind: (buf: string) => Binding) {}

  private slot(name: string): number {
    let s = this.vars.get(name);
    if (s === undefined) {
      s = this.vars.size;
      this.vars.set(name, s);
    }
    return s;
  }

  expr(e: Expr): E {
    switch (e.k) {
      case "num": {
        const c = e.v;
        return () => c;
      }
      case "var": {
        const s = this.slot(e.name);
        return (_m, v) => v[s]!;
      }
      case "batch":
        return (m) => m.batch;
      case "load": {
        const { slot, base } = this.bind(e.buf);
        const idx = this.expr(e.index);
        return (m, v) => m.arrays[slot]![base + idx(m, v)]!;
      }
      case "bin": {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        switch (e.op) {
          case "+":
            return (m, v) => a(m, v) + b(m, v);
          case "-":
            return (m, v) => a(m, v) - b(m, v);
          case "*":
            return (m, v) => a(m, v) * b(m, v);
          case "/":
            return (m, v) => a(m, v) / b(m, v);
        }
        break;
      }
      case "op": {
        const f = opDef(e.op).evaluate;
        const args = e.args.map((a) => this.expr(a));
        if (args.length === 1) {
          const a = args[0]!;
          return (m, v) => f(a(m, v));
        }
        const [a, b] = args as [E, E];
        return (m, v) => f(a(m, v), b(m, v));
      }
      case "select": {
        const t = this.cond(e.test);
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        return (m, v) => (t(m, v) ? a(m, v) : b(m, v));
      }
    }
    throw new InternalError(`unknown expression ${JSON.stringify(e)}`);
  }

  cond(c: Cond): (m: Memory, v: Vars) => boolean {
    if (c.k === "and") {
      const a = this.cond(c.a);
      const b = this.cond(c.b);
      return (m, v) => a(m, v) && b(m, v);
    }
    const a = this.expr(c.a);
    const b = this.expr(c.b);
    const op = c.op;
    return (m, v) => compare(op, a(m, v), b(m, v));
  }

  stmts(list: readonly Stmt[]): S {
    const fs = list.filter((s) => s.k !== "note").map((s) => this.stmt(s));
    return (m, v) => {
      for (let i = 0; i < fs.length; i++) fs[i]!(m, v);
    };
  }

  stmt(s: Stmt): S {
    switch (s.k) {
      case "for": {
        const i = this.slot(s.v);
        const from = this.expr(s.from);
        const to = this.expr(s.to);
        const body = this.stmts(s.body);
        return (m, v) => {
          const end = to(m, v);
          for (let k = from(m, v); k < end; k++) {
            v[i] = k;
            body(m, v);
          }
        };
      }
      case "let":
      case "set": {
        const i = this.slot(s.name);
        const value = this.expr(s.value);
        if (s.k === "set" && s.acc) return (m, v) => void (v[i] = v[i]! + value(m, v));
        return (m, v) => void (v[i] = value(m, v));
      }
      case "store": {
        const { slot, base } = this.bind(s.buf);
        const idx = this.expr(s.index);
        const value = this.expr(s.value);
        if (s.acc)
          return (m, v) => {
            const a = m.arrays[slot]!;
            const k = base + idx(m, v);
            a[k] = a[k]! + value(m, v);
          };
        return (m, v) => void (m.arrays[slot]![base + idx(m, v)] = value(m, v));
      }
      case "if": {
        const t = this.cond(s.test);
        const a = this.stmts(s.then);
        const b = this.stmts(s.else);
        return (m, v) => (t(m, v) ? a(m, v) : b(m, v));
      }
      case "note":
        return () => {};
      case "gemm":
        return this.stmts(s.lowered);
    }
  }
}

/** Compiles kernel statements to a runnable function over memory. */
export function compileKernel(stmts: readonly Stmt[], bind: (buf: string) => Binding): (m: Memory) => void {
  const c = new Compiler(bind);
  const run = c.stmts(stmts);
  // kernels are not re-entrant, so one frame of locals serves every call
  const vars = new Float64Array(Math.max(1, c.vars.size));
  return (m) => run(m, vars);
}
