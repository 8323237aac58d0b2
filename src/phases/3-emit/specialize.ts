/**
 * Specializing kernel programs at compile time: loop indices become
 * constants where loops are unrolled, locals declared inside unrolled
 * iterations get unique names (acc → acc_2_0), constant conditions pick
 * their branch, and `let x = a; x += b; x += c` folds into one expression.
 * The result is still kernel form; render.ts turns it into TypeScript.
 */
import { add, evalConstCond, isNum, ref, substitute, substituteCond, type Expr, type Stmt } from "../../kernel/expr.js";

export interface SpecializeOptions {
  /** Unroll every loop whose bounds are constants. */
  readonly unroll: boolean;
  /** Names the generated method already uses (p, g, x, n, buffer locals…); kernel locals are renamed around them. */
  readonly reserved?: ReadonlySet<string>;
}

/** Spill temporaries are named tmp0, tmp1, … by the renderer. */
const TEMP = /^tmp\d+$/;

/**
 * Loops kept as loops still unroll when their whole constant nest is tiny:
 * a 3×3 convolution's taps or a 2×2 pooling window become straight-line
 * code with constant offsets (at most this many innermost statements).
 */
export const INNER_UNROLL_WORK = 32;

function safeName(name: string, opts: SpecializeOptions): string {
  let out = name;
  while (opts.reserved?.has(out) || TEMP.test(out)) out = `${out}_`;
  return out;
}

export function specialize(stmts: readonly Stmt[], opts: SpecializeOptions): Stmt[] {
  return fold(spec(stmts, new Map(), opts, ""));
}

function spec(stmts: readonly Stmt[], outer: ReadonlyMap<string, Expr>, opts: SpecializeOptions, suffix: string): Stmt[] {
  const env = new Map(outer);
  const out: Stmt[] = [];
  for (const s of stmts) {
    switch (s.k) {
      case "for": {
        const from = substitute(s.from, env);
        const to = substitute(s.to, env);
        const constant = isNum(from) && isNum(to);
        if (constant && to.v - from.v <= 0) break;
        const tiny = constant && !hasVariableLoop(s.body) && (to.v - from.v) * Math.max(1, work(s.body)) <= INNER_UNROLL_WORK;
        if (constant && (opts.unroll || to.v - from.v === 1 || tiny)) {
          for (let k = from.v; k < to.v; k++) {
            const inner = new Map(env).set(s.v, { k: "num", v: k });
            out.push(...spec(s.body, inner, opts, `${suffix}_${k}`));
          }
          break;
        }
        const inner = new Map(env);
        const v = safeName(s.v, opts);
        if (v === s.v) inner.delete(s.v);
        else inner.set(s.v, ref(v));
        out.push({ k: "for", v, from, to, body: spec(s.body, inner, opts, suffix) });
        break;
      }
      case "let": {
        const name = safeName(suffix ? `${s.name}${suffix}` : s.name, opts);
        out.push({ k: "let", name, value: substitute(s.value, env) });
        env.set(s.name, ref(name));
        break;
      }
      case "set": {
        const target = env.get(s.name);
        const name = target && target.k === "var" ? target.name : s.name;
        out.push({ k: "set", name, value: substitute(s.value, env), acc: s.acc });
        break;
      }
      case "store":
        out.push({ k: "store", buf: s.buf, index: substitute(s.index, env), value: substitute(s.value, env), acc: s.acc });
        break;
      case "if": {
        const test = substituteCond(s.test, env);
        const c = evalConstCond(test);
        if (c === true) out.push(...spec(s.then, env, opts, suffix));
        else if (c === false) out.push(...spec(s.else, env, opts, suffix));
        else out.push({ k: "if", test, then: spec(s.then, env, opts, suffix), else: spec(s.else, env, opts, suffix) });
        break;
      }
      case "note":
        out.push(s);
        break;
      case "gemm":
        out.push({
          k: "gemm",
          spec: s.spec,
          lowered: spec(s.lowered, env, opts, suffix),
          prologue: spec(s.prologue, env, opts, suffix),
          epilogue: spec(s.epilogue, env, opts, suffix),
        });
        break;
    }
  }
  return out;
}

/** A loop whose bounds are not compile-time constants (e.g. over the batch). */
function hasVariableLoop(stmts: readonly Stmt[]): boolean {
  return stmts.some(
    (s) =>
      (s.k === "for" && (!isNum(s.from) || !isNum(s.to) || hasVariableLoop(s.body))) ||
      (s.k === "if" && (hasVariableLoop(s.then) || hasVariableLoop(s.else))) ||
      (s.k === "gemm" && hasVariableLoop(s.lowered)),
  );
}

function mentions(e: Expr, name: string): boolean {
  switch (e.k) {
    case "var":
      return e.name === name;
    case "num":
    case "batch":
      return false;
    case "load":
      return mentions(e.index, name);
    case "bin":
      return mentions(e.a, name) || mentions(e.b, name);
    case "op":
      return e.args.some((a) => mentions(a, name));
    case "select":
      return mentions(e.then, name) || mentions(e.else, name) || condMentions(e.test, name);
  }
}

function condMentions(c: import("../../kernel/expr.js").Cond, name: string): boolean {
  return c.k === "and" ? condMentions(c.a, name) || condMentions(c.b, name) : mentions(c.a, name) || mentions(c.b, name);
}

/** Folds `let x = a` followed directly by `x += b` into `let x = a + b`. */
function fold(stmts: Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  for (const s of stmts) {
    const prev = out[out.length - 1];
    if (s.k === "set" && s.acc && prev && prev.k === "let" && prev.name === s.name && !mentions(s.value, s.name)) {
      out[out.length - 1] = { k: "let", name: prev.name, value: add(prev.value, s.value) };
      continue;
    }
    if (s.k === "for") out.push({ ...s, body: fold([...s.body]) });
    else if (s.k === "if") out.push({ ...s, then: fold([...s.then]), else: fold([...s.else]) });
    else if (s.k === "gemm") out.push({ ...s, lowered: fold([...s.lowered]), prologue: fold([...s.prologue]), epilogue: fold([...s.epilogue]) });
    else out.push(s);
  }
  return out;
}

/** Per-sample executions of the innermost statements (batch loops count once). */
export function work(stmts: readonly Stmt[]): number {
  let total = 0;
  for (const s of stmts) {
    if (s.k === "for") {
      const n = isNum(s.from) && isNum(s.to) ? Math.max(0, s.to.v - s.from.v) : 1;
      total += n * Math.max(1, work(s.body));
    } else if (s.k === "if") total += Math.max(work(s.then), work(s.else));
    else if (s.k === "gemm") total += work(s.lowered);
    else if (s.k !== "note") total += 1;
  }
  return total;
}
