/**
 * Rendering specialized kernel statements as TypeScript source text. Only
 * expressions are produced here — layout is prettier's job. Buffer names
 * map to locals (activations), `p[...]`/`g[...]` (parameters and gradients
 * at constant offsets), `x` and `dOut`. Op arguments that an op's template
 * repeats are bound to a const first, so nothing is evaluated twice.
 */
import { add, leftSpine, num, type BinOp, type Cond, type Expr, type NativeSpec, type Stmt } from "../../kernel/expr.js";
import { opDef } from "../../kernel/ops.js";
import type { Storage } from "../../plan/plan.js";
import { InternalError } from "../../diagnostics/diagnostic.js";
import { append } from "./append.js";

export interface RenderState {
  readonly storage: ReadonlyMap<string, Storage>;
  /** Runtime helpers used (imported from layerc/runtime). */
  readonly helpers: Set<string>;
  /** Locals the rendered code reads (see localOf; `k` for native kernels): the method declares them. */
  readonly used: Set<string>;
  tmp: number;
  statements: number;
  /**
   * The call that replaces a matrix product by a native kernel, or undefined
   * to keep its loop nest; the nest stays as the fallback when the kernels
   * are unavailable at run time (`k` is null then).
   */
  native?: (spec: NativeSpec, lowered: readonly Stmt[]) => string | undefined;
  /** Rendering a native branch (`k` is known non-null there): nested native calls need no guard. */
  inNative?: boolean;
}

export function renderNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (Object.is(v, -0)) return "-0";
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/**
 * The local a buffer's elements are read through in a generated method
 * (p and g: the flat parameter and gradient arrays; s0/s1 and h: optimizer
 * state and scalars; x, y, dOut, res: inputs and results; an activation
 * buffer: its own name), and the element offset of the buffer inside it.
 * Every access records the local in `st.used`, so the method declares
 * exactly the locals it reads.
 */
export function localOf(buf: string, st: RenderState): { local: string; base: number } {
  const s = st.storage.get(buf);
  if (!s) throw new InternalError(`kernel names unknown buffer ${buf}`);
  const at = (local: string, base = 0) => {
    st.used.add(local);
    return { local, base };
  };
  switch (s.kind) {
    case "param":
      return at("p", s.base);
    case "grad":
      return at("g", s.base);
    case "input":
      return at(s.index === 0 ? "x" : buf);
    case "dout":
      return at(s.index === 0 ? "dOut" : buf);
    case "act":
      return at(buf);
    case "slot":
      return at(`s${s.index}`);
    case "hyper":
      return at("h");
    case "labels":
      return at(s.index === 0 ? "y" : buf);
    case "result":
      return at("res", s.index);
    case "sampleWeights":
      return at("sw");
  }
}

/**
 * An element of a buffer. Reads carry `!` so generated code type-checks under
 * `noUncheckedIndexedAccess` as well as plain `strict`.
 */
function bufferAccess(buf: string, index: Expr, st: RenderState, pre: string[]): string {
  const { local, base } = localOf(buf, st);
  return `${local}[${expr(add(index, num(base)), st, pre)}]!`;
}

/** Operators of equal precedence associate to the left, so `(a - b) + c` prints as `a - b + c`. */
const PRECEDENCE: Record<BinOp, number> = { "+": 0, "-": 0, "*": 1, "/": 1 };

const isAtom = (e: Expr) => e.k === "num" || e.k === "var" || e.k === "batch" || e.k === "load";

export function expr(e: Expr, st: RenderState, pre: string[]): string {
  switch (e.k) {
    case "num":
      return renderNumber(e.v);
    case "var":
      return e.name;
    case "batch":
      return "n";
    case "load":
      return bufferAccess(e.buf, e.index, st, pre);
    case "bin": {
      // a folded sum is a left spine as long as its number of terms: walk it in a loop, and print
      // `a + b + c` rather than `((a + b) + c)`, which nests as deep in every parser that reads it
      const spine = leftSpine(e);
      let text = expr(spine[spine.length - 1]!.a, st, pre);
      for (let i = spine.length - 1; i >= 0; i--) {
        const n = spine[i]!;
        const left = n.a.k === "bin" && PRECEDENCE[n.a.op] !== PRECEDENCE[n.op] ? `(${text})` : text;
        text = `${left} ${n.op} ${expr(n.b, st, pre)}`;
      }
      return `(${text})`;
    }
    case "op": {
      const def = opDef(e.op);
      for (const h of def.helpers ?? []) st.helpers.add(h);
      const args = e.args.map((a) => {
        const text = expr(a, st, pre);
        if (!def.atoms || isAtom(a)) return text;
        const name = `tmp${st.tmp++}`;
        pre.push(`const ${name} = ${text};`);
        st.statements++;
        return name;
      });
      return `(${def.emit(...args)})`;
    }
    case "select":
      return `(${cond(e.test, st, pre)} ? ${expr(e.then, st, pre)} : ${expr(e.else, st, pre)})`;
  }
}

function cond(c: Cond, st: RenderState, pre: string[]): string {
  if (c.k === "and") return `(${cond(c.a, st, pre)} && ${cond(c.b, st, pre)})`;
  const op = c.op === "==" ? "===" : c.op === "!=" ? "!==" : c.op;
  return `${expr(c.a, st, pre)} ${op} ${expr(c.b, st, pre)}`;
}

/** Names assigned (`set`) anywhere in a block, nested blocks included. */
function assignedNames(stmts: readonly Stmt[], out = new Set<string>()): Set<string> {
  for (const s of stmts) {
    if (s.k === "set") out.add(s.name);
    else if (s.k === "for") assignedNames(s.body, out);
    else if (s.k === "if") assignedNames(s.else, assignedNames(s.then, out));
    else if (s.k === "gemm") assignedNames(s.epilogue, assignedNames(s.prologue, assignedNames(s.lowered, out)));
  }
  return out;
}

/** Renders statements; returns source lines (unindented). */
export function renderStmts(stmts: readonly Stmt[], st: RenderState): string[] {
  const out: string[] = [];
  // specialized locals have unique names, so "assigned anywhere in the block" decides let vs const
  const mutable = assignedNames(stmts);
  stmts.forEach((s) => {
    const pre: string[] = [];
    let line: string;
    switch (s.k) {
      case "for": {
        const body = renderStmts(s.body, st);
        line = `for (let ${s.v} = ${expr(s.from, st, pre)}; ${s.v} < ${expr(s.to, st, pre)}; ${s.v}++) {\n${body.join("\n")}\n}`;
        break;
      }
      case "let": {
        const kw = mutable.has(s.name) ? "let" : "const";
        line = `${kw} ${s.name} = ${expr(s.value, st, pre)};`;
        break;
      }
      case "set":
        line = `${s.name} ${s.acc ? "+=" : "="} ${expr(s.value, st, pre)};`;
        break;
      case "store":
        const target = bufferAccess(s.buf, s.index, st, pre);
        line = `${s.acc ? target : target.slice(0, -1)} ${s.acc ? "+=" : "="} ${expr(s.value, st, pre)};`;
        break;
      case "if": {
        const then = renderStmts(s.then, st);
        const other = renderStmts(s.else, st);
        line = `if (${cond(s.test, st, pre)}) {\n${then.join("\n")}\n}${other.length ? ` else {\n${other.join("\n")}\n}` : ""}`;
        break;
      }
      case "note":
        out.push(`// ${s.text.replace(/[\r\n]+/g, " ")}`);
        return;
      case "gemm": {
        const call = st.native?.(s.spec, s.lowered);
        if (call === undefined) {
          append(out, renderStmts(s.lowered, st));
          return;
        }
        st.used.add("k");
        const outer = st.inNative === true;
        const lowered = outer ? [] : renderStmts(s.lowered, st);
        st.inNative = true;
        const native = [...renderStmts(s.prologue, st), call, ...renderStmts(s.epilogue, st)];
        st.inNative = outer;
        if (outer) {
          append(out, native);
          return;
        }
        line = `if (k !== null) {\n${native.join("\n")}\n} else {\n${lowered.join("\n")}\n}`;
        break;
      }
    }
    st.statements++;
    append(out, pre).push(line);
  });
  return out;
}
