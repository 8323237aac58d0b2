/**
 * Specializing kernel programs at compile time: loop indices become
 * constants where loops are unrolled, locals declared inside unrolled
 * iterations get unique names (acc → acc_2_0), constant conditions pick
 * their branch, and `let x = a; x += b; x += c` folds into one expression.
 * The result is still kernel form; render.ts turns it into TypeScript.
 */
import { add, evalConstCond, isNum, ref, substitute, substituteCond, type Expr, type Stmt } from "../../kernel/expr.js";
import type { Gemm } from "../../kernel/gemm.js";
import { append } from "./append.js";

export interface SpecializeOptions {
  /** Unroll every loop whose bounds are constants. */
  readonly unroll: boolean;
  /** Names the generated method already uses (p, g, x, n, buffer locals…); kernel locals are renamed around them. */
  readonly reserved?: ReadonlySet<string>;
  /**
   * Matrix products that will become native calls; the others are replaced
   * by their loop nests here, so they specialize (and fuse) like any loops.
   */
  readonly native?: (spec: Gemm) => boolean;
  /** Buffers whose stores round (float32 parameters); loads after their stores are not forwarded. */
  readonly rounding?: ReadonlySet<string>;
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
  const names = { next: new Map<string, number>(), reserved: opts.reserved ?? new Set<string>(), rounding: opts.rounding ?? new Set<string>() };
  return hoistInvariants(forwardStores(fold(fuse(spec(stmts, new Map(), opts, ""))), names), names);
}

// ---- store-to-load forwarding ---------------------------------------------------

/** Replaces loads by `f` (which returns undefined to keep a load). */
function mapLoads(e: Expr, f: (buf: string, index: Expr) => Expr | undefined): Expr {
  switch (e.k) {
    case "load": {
      const index = mapLoads(e.index, f);
      return f(e.buf, index) ?? { k: "load", buf: e.buf, index };
    }
    case "bin":
      return { ...e, a: mapLoads(e.a, f), b: mapLoads(e.b, f) };
    case "op":
      return { ...e, args: e.args.map((a) => mapLoads(a, f)) };
    case "select":
      return { ...e, test: mapCondLoads(e.test, f), then: mapLoads(e.then, f), else: mapLoads(e.else, f) };
    default:
      return e;
  }
}

function mapCondLoads(c: import("../../kernel/expr.js").Cond, f: (buf: string, index: Expr) => Expr | undefined): import("../../kernel/expr.js").Cond {
  return c.k === "and" ? { ...c, a: mapCondLoads(c.a, f), b: mapCondLoads(c.b, f) } : { ...c, a: mapLoads(c.a, f), b: mapLoads(c.b, f) };
}

/** `e` as Σ coef·var + c over scalar names, or null when it is not linear. */
function linear(e: Expr): { coefs: Map<string, number>; c: number } | null {
  switch (e.k) {
    case "num":
      return { coefs: new Map(), c: e.v };
    case "var":
      return { coefs: new Map([[e.name, 1]]), c: 0 };
    case "batch":
      return { coefs: new Map([["#batch", 1]]), c: 0 };
    case "bin": {
      const a = linear(e.a);
      const b = linear(e.b);
      if (!a || !b) return null;
      const scale = (l: { coefs: Map<string, number>; c: number }, k: number) => ({ coefs: new Map([...l.coefs].map(([v, x]) => [v, x * k])), c: l.c * k });
      const sum = (l: { coefs: Map<string, number>; c: number }, r: { coefs: Map<string, number>; c: number }) => {
        const coefs = new Map(l.coefs);
        for (const [v, x] of r.coefs) coefs.set(v, (coefs.get(v) ?? 0) + x);
        for (const [v, x] of coefs) if (x === 0) coefs.delete(v);
        return { coefs, c: l.c + r.c };
      };
      if (e.op === "+") return sum(a, b);
      if (e.op === "-") return sum(a, scale(b, -1));
      if (e.op === "*" && a.coefs.size === 0) return scale(b, a.c);
      if (e.op === "*" && b.coefs.size === 0) return scale(a, b.c);
      return null;
    }
    default:
      return null;
  }
}

/** Do two index expressions certainly name different elements (same variable part, different constants)? */
function distinct(a: Expr, b: Expr): boolean {
  const x = linear(a);
  const y = linear(b);
  if (!x || !y || x.c === y.c || x.coefs.size !== y.coefs.size) return false;
  for (const [v, k] of x.coefs) if (y.coefs.get(v) !== k) return false;
  return true;
}

/** Identity of one buffer element: the buffer and the (structural) index expression. */
const accessKey = (buf: string, index: Expr) => `${buf}@${JSON.stringify(index)}`;

/** A new local `<prefix><k>` (one counter per prefix), avoiding the method's reserved names. */
function freshName(names: ForwardNames, prefix: string): string {
  let name: string;
  do {
    const k = names.next.get(prefix) ?? 0;
    names.next.set(prefix, k + 1);
    name = `${prefix}${k}`;
  } while (names.reserved.has(name));
  return name;
}

/** Statements with `f` applied to their expressions; `deep` also rewrites nested blocks. */
function mapStmtExprs(stmts: readonly Stmt[], f: (e: Expr) => Expr, deep: boolean): Stmt[] {
  const nested = (list: readonly Stmt[]) => (deep ? mapStmtExprs(list, f, deep) : list);
  return stmts.map((s): Stmt => {
    switch (s.k) {
      case "let":
      case "set":
        return { ...s, value: f(s.value) };
      case "store":
        return { ...s, index: f(s.index), value: f(s.value) };
      case "for":
        return { ...s, from: f(s.from), to: f(s.to), body: nested(s.body) };
      case "if":
        return { ...s, test: mapCondExprs(s.test, f), then: nested(s.then), else: nested(s.else) };
      case "gemm":
        return deep ? { ...s, lowered: nested(s.lowered), prologue: nested(s.prologue), epilogue: nested(s.epilogue) } : s;
      case "note":
        return s;
    }
  });
}

function mapCondExprs(c: import("../../kernel/expr.js").Cond, f: (e: Expr) => Expr): import("../../kernel/expr.js").Cond {
  return c.k === "and" ? { ...c, a: mapCondExprs(c.a, f), b: mapCondExprs(c.b, f) } : { ...c, a: f(c.a), b: f(c.b) };
}

interface ForwardNames {
  /** Next number per local prefix (st: stored values, ld: reused loads, w: hoisted loads). */
  readonly next: Map<string, number>;
  readonly reserved: ReadonlySet<string>;
  /** Buffers whose stores round (float32 parameters): a load must read the rounded value. */
  readonly rounding: ReadonlySet<string>;
}

interface Stored {
  /** An element this block stored (its value), or one it read (the load). */
  readonly kind: "stored" | "loaded";
  readonly buf: string;
  /** The local holding the value, once a later load asked for it. */
  local: string | null;
  readonly value: Expr;
  readonly index: Expr;
  /** Position of the store in the block's output groups. */
  readonly at: number;
}

/**
 * Within straight-line code, a load of an element that the same block just
 * stored reads the stored value from a local instead (unrolled kernels store
 * an activation and read it back at once: softmax, z → activation, dz → bias
 * and kernel gradients). The value is bound to a const when first reused.
 * Any other store to the buffer, an accumulating store, or an assignment to
 * a scalar the entry depends on ends the forwarding; nested blocks see the
 * entries valid at their start and end those of buffers they store to.
 */
function forwardStores(stmts: readonly Stmt[], names: ForwardNames): Stmt[] {
  const avail = new Map<string, Stored>();
  const groups: Stmt[][] = [];
  /** Loaded entries whose local was asked for and whose `let` is not placed yet. */
  const pending: Stored[] = [];
  const key = accessKey;
  const fresh = (prefix: string) => freshName(names, prefix);
  const use = (buf: string, index: Expr): Expr | undefined => {
    const entry = avail.get(key(buf, index));
    if (!entry) {
      // first read of this element: remembered, bound to a local if it is read again
      avail.set(key(buf, index), { kind: "loaded", buf, local: null, value: { k: "load", buf, index }, index, at: groups.length });
      return undefined;
    }
    if (entry.kind === "loaded") {
      if (entry.local === null) {
        entry.local = fresh("ld");
        pending.push(entry);
      }
      return ref(entry.local);
    }
    if (entry.value.k === "var" || entry.value.k === "num") return entry.value;
    if (entry.local === null) {
      entry.local = fresh("st");
      // the store is its group's last statement (a reused load's `let` may precede it): bind its value first
      const group = groups[entry.at]!;
      const last = group[group.length - 1]!;
      if (last.k !== "store") throw new Error("layerc internal error: forwarded store not found");
      groups[entry.at] = [...group.slice(0, -1), { k: "let", name: entry.local, value: last.value }, { ...last, value: ref(entry.local) }];
    }
    return ref(entry.local);
  };
  /** Places the `let` of reused loads before the statement that first read them, which now reads the local. */
  const materialize = () => {
    // in reverse, so that consts placed in front of the same statement keep the order they were asked for
    for (const e of pending.splice(0).reverse()) {
      const local = ref(e.local!);
      const swap = (x: Expr) => mapLoads(x, (b, i) => (accessKey(b, i) === accessKey(e.buf, e.index) ? local : undefined));
      groups[e.at] = [{ k: "let", name: e.local!, value: e.value }, ...mapStmtExprs(groups[e.at]!, swap, false)];
    }
  };
  const forget = (pred: (buf: string, e: Stored) => boolean) => {
    for (const [k, e] of avail) if (pred(e.buf, e)) avail.delete(k);
  };
  /** Ends the entries a nested block may invalidate (buffers it stores to, scalars it assigns). */
  const touched = (body: readonly Stmt[]) => {
    const fx = effects(body);
    forget((buf, e) => fx.writes.has(buf) || [...fx.assigned].some((v) => mentions(e.index, v) || mentions(e.value, v)));
  };
  for (const s of stmts) {
    const m = (e: Expr) => mapLoads(e, use);
    switch (s.k) {
      case "let": {
        const value = m(s.value);
        groups.push([{ ...s, value }]);
        // a local that holds an element serves later reads of it (until it is reassigned)
        if (value.k === "load" && !avail.has(key(value.buf, value.index))) {
          avail.set(key(value.buf, value.index), { kind: "stored", buf: value.buf, local: s.name, value: ref(s.name), index: value.index, at: groups.length - 1 });
        }
        break;
      }
      case "set":
        groups.push([{ ...s, value: m(s.value) }]);
        forget((_b, e) => e.local === s.name || mentions(e.index, s.name) || mentions(e.value, s.name));
        break;
      case "store": {
        const index = m(s.index);
        const value = m(s.value);
        // an index that may be the same element ends what was known about it
        forget((buf, e) => buf === s.buf && !distinct(e.index, index));
        groups.push([{ ...s, index, value }]);
        if (!s.acc && !names.rounding.has(s.buf)) avail.set(key(s.buf, index), { kind: "stored", buf: s.buf, local: null, value, index, at: groups.length - 1 });
        break;
      }
      case "for": {
        const from = m(s.from);
        const to = m(s.to);
        // nested blocks start with nothing forwarded (their statements run repeatedly or not at all)
        touched(s.body);
        groups.push([{ ...s, from, to, body: forwardStores(s.body, names) }]);
        break;
      }
      case "if": {
        const test = mapCondLoads(s.test, use);
        touched([...s.then, ...s.else]);
        groups.push([{ ...s, test, then: forwardStores(s.then, names), else: forwardStores(s.else, names) }]);
        break;
      }
      case "gemm":
        touched([...s.lowered, ...s.prologue, ...s.epilogue]);
        groups.push([s]);
        break;
      case "note":
        groups.push([s]);
        break;
    }
    materialize();
  }
  return groups.flat();
}

// ---- loop-invariant loads --------------------------------------------------------

/** Every load in statements, nested blocks included. */
function allLoads(stmts: readonly Stmt[], out: Extract<Expr, { k: "load" }>[] = []): Extract<Expr, { k: "load" }>[] {
  const f = (b: string, i: Expr): undefined => {
    out.push({ k: "load", buf: b, index: i });
    return undefined;
  };
  for (const s of stmts) {
    if (s.k === "for") {
      mapLoads(s.from, f);
      mapLoads(s.to, f);
      allLoads(s.body, out);
    } else if (s.k === "if") {
      mapCondLoads(s.test, f);
      allLoads(s.then, out);
      allLoads(s.else, out);
    } else if (s.k === "let" || s.k === "set") mapLoads(s.value, f);
    else if (s.k === "store") {
      mapLoads(s.index, f);
      mapLoads(s.value, f);
    } else if (s.k === "gemm") {
      allLoads(s.lowered, out);
      allLoads(s.prologue, out);
      allLoads(s.epilogue, out);
    }
  }
  return out;
}

/**
 * Reads that a loop repeats unchanged move in front of it: a load whose
 * buffer the loop never writes and whose index uses no variable the loop
 * declares or assigns (the weights of an unrolled layer inside its batch
 * loop). Typed-array reads cannot throw, so hoisting one out of a branch or
 * a loop that runs zero times is harmless.
 */
function hoistInvariants(stmts: readonly Stmt[], names: ForwardNames): Stmt[] {
  const out: Stmt[] = [];
  for (const s0 of stmts) {
    if (s0.k === "if") {
      out.push({ ...s0, then: hoistInvariants(s0.then, names), else: hoistInvariants(s0.else, names) });
      continue;
    }
    if (s0.k !== "for") {
      out.push(s0);
      continue;
    }
    const s = { ...s0, body: hoistInvariants(s0.body, names) };
    const fx = effects(s.body);
    const local = new Set([s.v, ...fx.lets, ...fx.assigned]);
    const hoisted = new Map<string, string>();
    const lets: Stmt[] = [];
    for (const l of allLoads(s.body)) {
      const key = accessKey(l.buf, l.index);
      if (hoisted.has(key) || fx.writes.has(l.buf) || [...local].some((v) => mentions(l.index, v))) continue;
      const name = freshName(names, "w");
      hoisted.set(key, name);
      lets.push({ k: "let", name, value: l });
    }
    if (lets.length === 0) {
      out.push(s);
      continue;
    }
    const body = mapStmtExprs(
      s.body,
      (e) =>
        mapLoads(e, (b, i) => {
          const name = hoisted.get(accessKey(b, i));
          return name === undefined ? undefined : ref(name);
        }),
      true,
    );
    append(out, lets).push({ ...s, body });
  }
  return out;
}

// ---- loop fusion --------------------------------------------------------------

interface Effects {
  readonly reads: Set<string>;
  readonly writes: Set<string>;
  /** Scalar names declared (let) anywhere inside. */
  readonly lets: Set<string>;
  /** Scalar names read or assigned. */
  readonly vars: Set<string>;
  readonly assigned: Set<string>;
}

function exprEffects(e: Expr, fx: Effects): void {
  switch (e.k) {
    case "var":
      fx.vars.add(e.name);
      return;
    case "load":
      fx.reads.add(e.buf);
      exprEffects(e.index, fx);
      return;
    case "bin":
      exprEffects(e.a, fx);
      exprEffects(e.b, fx);
      return;
    case "op":
      e.args.forEach((a) => exprEffects(a, fx));
      return;
    case "select":
      condEffects(e.test, fx);
      exprEffects(e.then, fx);
      exprEffects(e.else, fx);
      return;
    default:
      return;
  }
}

function condEffects(c: import("../../kernel/expr.js").Cond, fx: Effects): void {
  if (c.k === "and") {
    condEffects(c.a, fx);
    condEffects(c.b, fx);
  } else {
    exprEffects(c.a, fx);
    exprEffects(c.b, fx);
  }
}

function effects(stmts: readonly Stmt[], fx: Effects = { reads: new Set(), writes: new Set(), lets: new Set(), vars: new Set(), assigned: new Set() }): Effects {
  for (const s of stmts) {
    switch (s.k) {
      case "for":
        fx.lets.add(s.v);
        exprEffects(s.from, fx);
        exprEffects(s.to, fx);
        effects(s.body, fx);
        break;
      case "let":
        fx.lets.add(s.name);
        exprEffects(s.value, fx);
        break;
      case "set":
        fx.assigned.add(s.name);
        fx.vars.add(s.name);
        exprEffects(s.value, fx);
        break;
      case "store":
        fx.writes.add(s.buf);
        if (s.acc) fx.reads.add(s.buf);
        exprEffects(s.index, fx);
        exprEffects(s.value, fx);
        break;
      case "if":
        condEffects(s.test, fx);
        effects(s.then, fx);
        effects(s.else, fx);
        break;
      case "gemm":
        effects(s.lowered, fx);
        effects(s.prologue, fx);
        effects(s.epilogue, fx);
        break;
      case "note":
        break;
    }
  }
  return fx;
}

const disjoint = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].every((x) => !b.has(x));

/** Index expressions of every access (load or store) to `buf`, nested blocks included. */
function indices(stmts: readonly Stmt[], buf: string): Expr[] {
  const stores: Expr[] = [];
  const walk = (list: readonly Stmt[]): void => {
    for (const s of list) {
      if (s.k === "store" && s.buf === buf) stores.push(s.index);
      else if (s.k === "for") walk(s.body);
      else if (s.k === "if") {
        walk(s.then);
        walk(s.else);
      } else if (s.k === "gemm") {
        walk(s.lowered);
        walk(s.prologue);
        walk(s.epilogue);
      }
    }
  };
  walk(stmts);
  return [...stores, ...allLoads(stmts).filter((l) => l.buf === buf).map((l) => l.index)];
}

/**
 * Does every access to `buf` in both bodies stay inside iteration v's own
 * slice [v·C, v·C + C) for one C? Then a value one loop produces at an
 * iteration is consumed only at that iteration, and fusing keeps the order.
 */
function sliceLocal(buf: string, v: string, a: readonly Stmt[], b: readonly Stmt[]): boolean {
  let size = 0;
  for (const index of [...indices(a, buf), ...indices(b, buf)]) {
    const f = linear(index);
    const coef = f?.coefs.get(v) ?? 0;
    if (!f || f.coefs.size !== 1 || coef <= 0 || f.c < 0 || f.c >= coef || (size !== 0 && coef !== size)) return false;
    size = coef;
  }
  return true;
}

/** Renames loop variable `from` to `to` in statements (the names are unique after specialization). */
function renameVar(stmts: readonly Stmt[], from: string, to: string): Stmt[] {
  const env = new Map<string, Expr>([[from, ref(to)]]);
  return mapStmtExprs(stmts, (e) => substitute(e, env), true);
}

/**
 * Merges adjacent loops over the same range when that changes no result: a
 * buffer written by one and touched by the other must be used by both only
 * inside each iteration's own slice (so iteration v of the second loop sees
 * exactly what iteration v of the first produced), and no scalar one
 * declares or assigns may be used by the other. Small layers are several
 * short batch loops (bias, activation, kernel and input gradients, softmax);
 * one loop saves the loop overhead and shares the loads, and computes the
 * same values in the same order per element as the separate loops.
 */
function fuse(stmts: Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  for (const s0 of stmts) {
    const s = s0.k === "for" ? { ...s0, body: fuse([...s0.body]) } : s0.k === "if" ? { ...s0, then: fuse([...s0.then]), else: fuse([...s0.else]) } : s0;
    const prev = out[out.length - 1];
    if (s.k === "for" && prev?.k === "for" && !isNum(s.to) && JSON.stringify(prev.from) === JSON.stringify(s.from) && JSON.stringify(prev.to) === JSON.stringify(s.to)) {
      // the second loop's variable becomes the first's, unless its body already declares that name
      if (prev.v !== s.v && effects(s.body).lets.has(prev.v)) {
        out.push(s);
        continue;
      }
      const body = prev.v === s.v ? [...s.body] : renameVar(s.body, s.v, prev.v);
      const a = effects(prev.body);
      const b = effects(body);
      a.lets.delete(prev.v);
      b.lets.delete(prev.v);
      const shared = [...a.writes].filter((x) => b.reads.has(x) || b.writes.has(x)).concat([...b.writes].filter((x) => a.reads.has(x)));
      const independent =
        shared.every((buf) => sliceLocal(buf, prev.v, prev.body, body)) &&
        disjoint(a.lets, b.lets) &&
        disjoint(a.lets, b.vars) &&
        disjoint(b.lets, a.vars) &&
        disjoint(a.assigned, b.vars) &&
        disjoint(b.assigned, a.vars);
      if (independent) {
        out[out.length - 1] = { ...prev, body: [...prev.body, ...body] };
        continue;
      }
    }
    out.push(s);
  }
  return out;
}

/**
 * `scope` holds the locals already declared in the block being emitted:
 * unrolled iterations and statements flattened from a constant branch share
 * their parent's block, so two sibling loops that both declare `w` and both
 * unroll would otherwise declare `w_0` twice.
 */
function spec(stmts: readonly Stmt[], outer: ReadonlyMap<string, Expr>, opts: SpecializeOptions, suffix: string, scope: Set<string> = new Set()): Stmt[] {
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
            append(out, spec(s.body, inner, opts, `${suffix}_${k}`, scope));
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
        let name = safeName(suffix ? `${s.name}${suffix}` : s.name, opts);
        while (scope.has(name)) name = safeName(`${name}_`, opts);
        scope.add(name);
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
        if (c === true) append(out, spec(s.then, env, opts, suffix, scope));
        else if (c === false) append(out, spec(s.else, env, opts, suffix, scope));
        else out.push({ k: "if", test, then: spec(s.then, env, opts, suffix), else: spec(s.else, env, opts, suffix) });
        break;
      }
      case "note":
        out.push(s);
        break;
      case "gemm":
        if (!opts.native?.(s.spec)) {
          append(out, spec(s.lowered, env, opts, suffix, scope));
          break;
        }
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
