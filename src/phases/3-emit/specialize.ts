/**
 * Specializing kernel programs at compile time: loop indices become
 * constants where loops are unrolled, locals declared inside unrolled
 * iterations get unique names (acc → acc_2_0), constant conditions pick
 * their branch, and `let x = a; x += b; x += c` folds into one expression.
 * The result is still kernel form; render.ts turns it into TypeScript.
 */
import { add, evalConstCond, isMap, isNum, leftSpine, ref, substitute, substituteCond, type Cond, type Expr, type NativeSpec, type Stmt } from "../../kernel/expr.js";
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
  readonly native?: (spec: NativeSpec) => boolean;
  /** Buffers whose stores round (float32 parameters); loads after their stores are not forwarded. */
  readonly rounding?: ReadonlySet<string>;
  /** Keep every loop of more than one iteration (an elementwise loop a backend runs natively needs its loop). */
  readonly loops?: boolean;
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
  return dropUnusedLets(hoistInvariants(forwardStores(fold(fuse(spec(stmts, new Map(), opts, ""))), names), names));
}

// ---- unused locals ----------------------------------------------------------------

/** Calls `f` on every statement, nested blocks included. */
function eachStmt(stmts: readonly Stmt[], f: (s: Stmt) => void): void {
  for (const s of stmts) {
    f(s);
    if (s.k === "for") eachStmt(s.body, f);
    else if (s.k === "if") {
      eachStmt(s.then, f);
      eachStmt(s.else, f);
    } else if (s.k === "gemm") {
      eachStmt(s.lowered, f);
      eachStmt(s.prologue, f);
      eachStmt(s.epilogue, f);
    }
  }
}

/**
 * Removes the `let`s whose local nothing reads or assigns, and then those
 * only they read. Constants can fold a use away after the kernel was
 * written (a focal loss with gamma=0 multiplies its log term by 0), and a
 * declared, unread local fails `noUnusedLocals`. Kernel expressions have
 * no side effects, so dropping one changes no result. A name counts as
 * used if any block uses it (names are unique per block, not per kernel),
 * which only keeps more.
 */
function dropUnusedLets(stmts: Stmt[]): Stmt[] {
  const uses = new Map<string, number>();
  const values = new Map<string, Expr[]>();
  const use = (name: string, by: number) => uses.set(name, (uses.get(name) ?? 0) + by);
  eachStmt(stmts, (s) => {
    const exprs: Expr[] = [];
    const vars: string[] = [];
    switch (s.k) {
      case "let":
        push(values, s.name, s.value);
        exprs.push(s.value);
        break;
      case "set":
        use(s.name, 1);
        exprs.push(s.value);
        break;
      case "store":
        exprs.push(s.index, s.value);
        break;
      case "for":
        exprs.push(s.from, s.to);
        break;
      case "if":
        condVars(s.test, vars);
        break;
      default:
        break;
    }
    for (const e of exprs) varsOf(e, vars);
    for (const v of vars) use(v, 1);
  });
  const dead = new Set<string>();
  const work = [...values.keys()].filter((name) => !uses.get(name));
  while (work.length > 0) {
    const name = work.pop()!;
    if (dead.has(name)) continue;
    dead.add(name);
    for (const value of values.get(name)!) {
      for (const v of varsOf(value)) {
        use(v, -1);
        if (uses.get(v) === 0 && values.has(v)) work.push(v);
      }
    }
  }
  if (dead.size === 0) return stmts;
  const keep = (list: readonly Stmt[]): Stmt[] =>
    list.flatMap((s): Stmt[] => {
      switch (s.k) {
        case "let":
          return dead.has(s.name) ? [] : [s];
        case "for":
          return [{ ...s, body: keep(s.body) }];
        case "if":
          return [{ ...s, then: keep(s.then), else: keep(s.else) }];
        case "gemm":
          return [{ ...s, lowered: keep(s.lowered), prologue: keep(s.prologue), epilogue: keep(s.epilogue) }];
        default:
          return [s];
      }
    });
  return keep(stmts);
}

// ---- store-to-load forwarding ---------------------------------------------------

/** Replaces loads by `f` (which returns undefined to keep a load). */
function mapLoads(e: Expr, f: (buf: string, index: Expr) => Expr | undefined): Expr {
  switch (e.k) {
    case "load": {
      const index = mapLoads(e.index, f);
      return f(e.buf, index) ?? (index === e.index ? e : { k: "load", buf: e.buf, index });
    }
    case "bin": {
      // unchanged nodes are kept (less garbage, and keys cached per index object stay valid)
      const spine = leftSpine(e);
      let a = mapLoads(spine[spine.length - 1]!.a, f);
      for (let i = spine.length - 1; i >= 0; i--) {
        const n = spine[i]!;
        const b = mapLoads(n.b, f);
        a = a === n.a && b === n.b ? n : { ...n, a, b };
      }
      return a;
    }
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
export function linear(e: Expr): { coefs: Map<string, number>; c: number } | null {
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

/** Identity of one buffer element: the buffer and the (structural) index expression. */
const accessKey = (buf: string, index: Expr) => `${buf}@${exprKey(index)}`;

/** A string that identifies an expression's structure (equal strings, equal expressions). */
function exprKey(e: Expr): string {
  switch (e.k) {
    case "num":
      return Object.is(e.v, -0) ? "0" : String(e.v);
    case "var":
      return e.name;
    case "batch":
      return "#n";
    case "load":
      return `${e.buf}[${exprKey(e.index)}]`;
    case "bin": {
      const spine = leftSpine(e);
      let key = exprKey(spine[spine.length - 1]!.a);
      for (let i = spine.length - 1; i >= 0; i--) key = `(${key} ${spine[i]!.op} ${exprKey(spine[i]!.b)})`;
      return key;
    }
    case "op":
      return `${e.op}(${e.args.map(exprKey).join(", ")})`;
    case "select":
      return `?(${condKey(e.test)}; ${exprKey(e.then)}; ${exprKey(e.else)})`;
  }
}

function condKey(c: Cond): string {
  return c.k === "and" ? `&(${condKey(c.a)}; ${condKey(c.b)})` : `(${exprKey(c.a)} ${c.op} ${exprKey(c.b)})`;
}

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
  /** accessKey(buf, index). */
  readonly key: string;
  /** The local holding the value, once a later load asked for it. */
  local: string | null;
  readonly value: Expr;
  readonly index: Expr;
  /** Position of the store in the block's output groups. */
  readonly at: number;
  /** For a reused load: the statement whose reading asked for its local (their `let`s are placed in that order). */
  asked?: number;
}

/** The variable names an expression mentions (loop indices and scalar locals, inside loads too), with repeats. */
function varsOf(e: Expr, out: string[] = []): string[] {
  switch (e.k) {
    case "var":
      out.push(e.name);
      break;
    case "load":
      varsOf(e.index, out);
      break;
    case "bin": {
      const spine = leftSpine(e);
      varsOf(spine[spine.length - 1]!.a, out);
      for (let i = spine.length - 1; i >= 0; i--) varsOf(spine[i]!.b, out);
      break;
    }
    case "op":
      for (const a of e.args) varsOf(a, out);
      break;
    case "select":
      condVars(e.test, out);
      varsOf(e.then, out);
      varsOf(e.else, out);
      break;
    default:
      break;
  }
  return out;
}

function condVars(c: Cond, out: string[]): void {
  if (c.k === "and") {
    condVars(c.a, out);
    condVars(c.b, out);
  } else {
    varsOf(c.a, out);
    varsOf(c.b, out);
  }
}

/**
 * Keys of a linear index: its variable part (which coefficients) and its
 * constant. Two indices certainly name different elements when both are
 * linear with the same variable part and different constants.
 */
function linearKey(index: Expr): { sig: string; c: number } | null {
  // constant indices (unrolled parameter updates) are the common case
  if (index.k === "num") return Number.isNaN(index.v) ? null : { sig: "[]", c: index.v };
  const f = linear(index);
  if (!f || Number.isNaN(f.c) || [...f.coefs.values()].some(Number.isNaN)) return null;
  return { sig: JSON.stringify([...f.coefs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), c: f.c };
}

/**
 * The entries forwardStores knows, indexed so that each statement finds the
 * ones it ends without scanning all of them (an unrolled kernel has one
 * entry per element it touched): by buffer and the linear form of the index
 * (a store ends the entries of its buffer that `distinct` cannot tell apart
 * from its index), by the scalars they mention, and by their local. Removal
 * is lazy: an index may still list an entry that was ended or replaced, so
 * an entry is ended only if it is still the one available under its key.
 */
class Available {
  private readonly entries = new Map<string, Stored>();
  /**
   * Per buffer: entries by variable part, then constant; those whose index
   * is not linear; and those not sorted yet (sorting waits for a store to
   * the buffer, which most loaded buffers never see).
   */
  private readonly bufs = new Map<string, { linear: Map<string, Map<number, Stored[]>>; other: Stored[]; unsorted: Stored[] }>();
  private readonly vars = new Map<string, Stored[]>();
  /** Entries not yet listed under the scalars they mention (listed when an assignment asks). */
  private unlisted: Stored[] = [];
  private readonly locals = new Map<string, Stored[]>();

  get(key: string): Stored | undefined {
    return this.entries.get(key);
  }

  add(e: Stored): void {
    this.entries.set(e.key, e);
    let b = this.bufs.get(e.buf);
    if (!b) this.bufs.set(e.buf, (b = { linear: new Map(), other: [], unsorted: [] }));
    b.unsorted.push(e);
    this.unlisted.push(e);
    if (e.local !== null) push(this.locals, e.local, e);
  }

  /** Records the local an entry was bound to. */
  bind(e: Stored, local: string): void {
    e.local = local;
    push(this.locals, local, e);
  }

  private live(e: Stored): boolean {
    return this.entries.get(e.key) === e;
  }

  private end(list: readonly Stored[] | undefined): void {
    for (const e of list ?? []) if (this.live(e)) this.entries.delete(e.key);
  }

  /** Ends every entry of a buffer. */
  endBuffer(buf: string): void {
    const b = this.bufs.get(buf);
    if (!b) return;
    for (const byC of b.linear.values()) for (const list of byC.values()) this.end(list);
    this.end(b.other);
    this.end(b.unsorted);
    this.bufs.delete(buf);
  }

  /** Ends the entries of `buf` that a store at `index` may overwrite: all but those certainly distinct from it. */
  endOverlapping(buf: string, index: Expr): void {
    const lin = linearKey(index);
    const b = this.bufs.get(buf);
    if (!lin || !b) return this.endBuffer(buf);
    for (const e of b.unsorted.splice(0)) {
      if (!this.live(e)) continue;
      const at = linearKey(e.index);
      if (!at) b.other.push(e);
      else {
        let byC = b.linear.get(at.sig);
        if (!byC) b.linear.set(at.sig, (byC = new Map()));
        push(byC, at.c, e);
      }
    }
    this.end(b.other);
    b.other = [];
    for (const [sig, byC] of b.linear) {
      if (sig === lin.sig) continue;
      for (const list of byC.values()) this.end(list);
      b.linear.delete(sig);
    }
    const same = b.linear.get(lin.sig);
    this.end(same?.get(lin.c));
    same?.delete(lin.c);
  }

  /** Ends the entries whose index or value mentions `name` (and, with `local`, those held in a local of that name). */
  endMentioning(name: string, local: boolean): void {
    for (const e of this.unlisted) {
      // a loaded entry's value is the load itself
      if (this.live(e)) for (const v of new Set(varsOf(e.index, e.kind === "loaded" ? [] : varsOf(e.value)))) push(this.vars, v, e);
    }
    this.unlisted = [];
    this.end(this.vars.get(name));
    this.vars.delete(name);
    if (local) {
      this.end(this.locals.get(name));
      this.locals.delete(name);
    }
  }
}

function loadFree(e: Expr): boolean {
  let found = false;
  mapLoads(e, () => {
    found = true;
    return undefined;
  });
  return !found;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Places the `let`s of reused loads in front of the statement group that
 * first read them, which now reads the locals. Per group, the locals asked
 * for by later statements come first, those asked for by one statement in
 * the order asked. When no index of a group's loads contains a load or one
 * of the new locals, one pass replaces them all; otherwise the loads are
 * replaced one at a time, in the order that defines the result.
 */
function placeReusedLoads(groups: Stmt[][], reused: readonly Stored[]): void {
  const byGroup = new Map<number, Stored[]>();
  for (const e of reused) push(byGroup, e.at, e);
  for (const [at, list] of byGroup) {
    const locals = new Set(list.map((e) => e.local!));
    const simple = list.every((e) => loadFree(e.index) && !varsOf(e.index).some((v) => locals.has(v)));
    // asked later first; within one statement, in the order asked (the list is in that order)
    const order = [...list].sort((x, y) => y.asked! - x.asked!);
    const lets: Stmt[] = order.map((e) => ({ k: "let", name: e.local!, value: e.value }));
    if (simple) {
      const local = new Map(list.map((e) => [e.key, ref(e.local!)] as const));
      groups[at] = [...lets, ...mapStmtExprs(groups[at]!, (x) => mapLoads(x, (b, i) => local.get(accessKey(b, i))), false)];
      continue;
    }
    // as the entries were asked for: statement by statement, and within one, the last asked first
    for (const e of [...order].reverse()) {
      const local = ref(e.local!);
      const swap = (x: Expr) => mapLoads(x, (b, i) => (accessKey(b, i) === e.key ? local : undefined));
      groups[at] = [{ k: "let", name: e.local!, value: e.value }, ...mapStmtExprs(groups[at]!, swap, false)];
    }
  }
}

/**
 * Within straight-line code, a load of an element that the same block just
 * stored reads the stored value from a local instead (unrolled kernels store
 * an activation and read it back at once: softmax, z → activation, dz → bias
 * and kernel gradients). The value is bound to a const when first reused.
 * Any other store to the buffer, an accumulating store, or an assignment to
 * a scalar the entry depends on ends the forwarding; nested blocks see the
 * entries valid at their start and end those of buffers they store to.
 * Linear in the size of the block (see Available, placeReusedLoads).
 */
function forwardStores(stmts: readonly Stmt[], names: ForwardNames): Stmt[] {
  const avail = new Available();
  const groups: Stmt[][] = [];
  /** Loaded entries whose local was asked for; their `let`s are placed at the end. */
  const reused: Stored[] = [];
  const fresh = (prefix: string) => freshName(names, prefix);
  const use = (buf: string, index: Expr): Expr | undefined => {
    const key = accessKey(buf, index);
    const entry = avail.get(key);
    if (!entry) {
      // first read of this element: remembered, bound to a local if it is read again
      avail.add({ kind: "loaded", buf, key, local: null, value: { k: "load", buf, index }, index, at: groups.length });
      return undefined;
    }
    if (entry.kind === "loaded") {
      if (entry.local === null) {
        avail.bind(entry, fresh("ld"));
        entry.asked = groups.length;
        reused.push(entry);
      }
      return ref(entry.local!);
    }
    if (entry.value.k === "var" || entry.value.k === "num") return entry.value;
    if (entry.local === null) {
      avail.bind(entry, fresh("st"));
      // the store is its group's last statement (a reused load's `let` may precede it): bind its value first
      const group = groups[entry.at]!;
      const last = group[group.length - 1]!;
      if (last.k !== "store") throw new Error("layerc internal error: forwarded store not found");
      groups[entry.at] = [...group.slice(0, -1), { k: "let", name: entry.local!, value: last.value }, { ...last, value: ref(entry.local!) }];
    }
    return ref(entry.local!);
  };
  /** Ends the entries a nested block may invalidate (buffers it stores to, scalars it assigns). */
  const touched = (body: readonly Stmt[]) => {
    const fx = effects(body);
    for (const buf of fx.writes) avail.endBuffer(buf);
    for (const v of fx.assigned) avail.endMentioning(v, false);
  };
  for (const s of stmts) {
    const m = (e: Expr) => mapLoads(e, use);
    switch (s.k) {
      case "let": {
        const value = m(s.value);
        groups.push([{ ...s, value }]);
        // a local that holds an element serves later reads of it (until it is reassigned)
        if (value.k === "load" && !avail.get(accessKey(value.buf, value.index))) {
          avail.add({ kind: "stored", buf: value.buf, key: accessKey(value.buf, value.index), local: s.name, value: ref(s.name), index: value.index, at: groups.length - 1 });
        }
        break;
      }
      case "set":
        groups.push([{ ...s, value: m(s.value) }]);
        avail.endMentioning(s.name, true);
        break;
      case "store": {
        const index = m(s.index);
        const value = m(s.value);
        // an index that may be the same element ends what was known about it
        avail.endOverlapping(s.buf, index);
        groups.push([{ ...s, index, value }]);
        if (!s.acc && !names.rounding.has(s.buf)) avail.add({ kind: "stored", buf: s.buf, key: accessKey(s.buf, index), local: null, value, index, at: groups.length - 1 });
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
  }
  placeReusedLoads(groups, reused);
  return groups.flat();
}

// ---- loop-invariant loads --------------------------------------------------------

/**
 * Every load in statements, nested blocks included; with `branches` false,
 * of the loads inside an if's branches only those whose index shares no
 * variable with the if's test (the test may be their bounds check).
 */
function allLoads(stmts: readonly Stmt[], out: Extract<Expr, { k: "load" }>[] = [], branches = true): Extract<Expr, { k: "load" }>[] {
  const f = (b: string, i: Expr): undefined => {
    out.push({ k: "load", buf: b, index: i });
    return undefined;
  };
  for (const s of stmts) {
    if (s.k === "for") {
      mapLoads(s.from, f);
      mapLoads(s.to, f);
      allLoads(s.body, out, branches);
    } else if (s.k === "if") {
      mapCondLoads(s.test, f);
      const inner = allLoads(s.else, allLoads(s.then, [], branches), branches);
      const tested: string[] = [];
      condVars(s.test, tested);
      for (const l of inner) if (branches || !varsOf(l.index).some((v) => tested.includes(v))) out.push(l);
    } else if (s.k === "let" || s.k === "set") mapLoads(s.value, f);
    else if (s.k === "store") {
      mapLoads(s.index, f);
      mapLoads(s.value, f);
    } else if (s.k === "gemm") {
      allLoads(s.lowered, out, branches);
      allLoads(s.prologue, out, branches);
      allLoads(s.epilogue, out, branches);
    }
  }
  return out;
}

/**
 * Reads that a loop repeats unchanged move in front of it: a load whose
 * buffer the loop never writes and whose index uses no variable the loop
 * declares or assigns (the weights of an unrolled layer inside its batch
 * loop). Typed-array reads cannot throw, so hoisting one out of a loop that
 * runs zero times is harmless; a read inside an if whose test reads a
 * variable of the read's index stays there: the test is then usually its
 * bounds check (a padded convolution's taps), and an out-of-bounds read is
 * `undefined`, which makes V8 box every value read into that local (a heap
 * number per read: ~260 KB per predictBatch of a small padded CNN).
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
    for (const l of allLoads(s.body, [], false)) {
      const key = accessKey(l.buf, l.index);
      if (hoisted.has(key) || fx.writes.has(l.buf) || varsOf(l.index).some((v) => local.has(v))) continue;
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
    case "bin": {
      const spine = leftSpine(e);
      exprEffects(spine[spine.length - 1]!.a, fx);
      for (let i = spine.length - 1; i >= 0; i--) exprEffects(spine[i]!.b, fx);
      return;
    }
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

/** Do two sets share a member other than `skip`? (Walks the smaller one.) */
function meet(a: ReadonlySet<string>, b: ReadonlySet<string>, skip?: string): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (x !== skip && large.has(x)) return true;
  return false;
}

/** What fusing needs to know about a loop body; a fused body's facts are the union of its parts'. */
interface BodyFacts {
  readonly fx: Effects;
  /**
   * Per buffer accessed: the slice size C when every access (load or store,
   * nested blocks included) stays inside iteration v's own slice
   * [v·C, v·C + C), or false when one does not.
   */
  readonly slices: Map<string, number | false>;
}

function sliceOf(prev: number | false | undefined, size: number | false): number | false {
  return prev === undefined ? size : prev === size ? size : false;
}

function bodyFacts(stmts: readonly Stmt[], v: string): BodyFacts {
  const slices = new Map<string, number | false>();
  const note = (buf: string, index: Expr) => {
    if (slices.get(buf) === false) return;
    const f = linear(index);
    const coef = f?.coefs.get(v) ?? 0;
    const ok = f !== null && f.coefs.size === 1 && coef > 0 && f.c >= 0 && f.c < coef;
    slices.set(buf, sliceOf(slices.get(buf), ok ? coef : false));
  };
  const stores = (list: readonly Stmt[]): void => {
    for (const s of list) {
      if (s.k === "store") note(s.buf, s.index);
      else if (s.k === "for") stores(s.body);
      else if (s.k === "if") {
        stores(s.then);
        stores(s.else);
      } else if (s.k === "gemm") {
        stores(s.lowered);
        stores(s.prologue);
        stores(s.epilogue);
      }
    }
  };
  stores(stmts);
  for (const l of allLoads(stmts)) note(l.buf, l.index);
  return { fx: effects(stmts), slices };
}

/** Adds a body's facts to the facts of the body it is appended to. */
function mergeFacts(into: BodyFacts, from: BodyFacts): void {
  for (const k of ["reads", "writes", "lets", "vars", "assigned"] as const) for (const x of from.fx[k]) into.fx[k].add(x);
  for (const [buf, size] of from.slices) into.slices.set(buf, sliceOf(into.slices.get(buf), size));
}

/**
 * May loop bodies a and b (over the same variable v) run as one loop? A
 * buffer written by one and touched by the other must be used by both only
 * inside each iteration's own slice, and no scalar one declares or assigns
 * may be used by the other.
 */
function independent(a: BodyFacts, b: BodyFacts, v: string): boolean {
  const sliced = (buf: string) => {
    const x = a.slices.get(buf);
    const y = b.slices.get(buf);
    return x !== false && y !== false && (x === undefined || y === undefined || x === y);
  };
  for (const buf of b.fx.reads) if (a.fx.writes.has(buf) && !sliced(buf)) return false;
  for (const buf of b.fx.writes) if ((a.fx.writes.has(buf) || a.fx.reads.has(buf)) && !sliced(buf)) return false;
  return (
    !meet(a.fx.lets, b.fx.lets, v) &&
    !meet(a.fx.lets, b.fx.vars, v) &&
    !meet(b.fx.lets, a.fx.vars, v) &&
    !meet(a.fx.assigned, b.fx.vars) &&
    !meet(b.fx.assigned, a.fx.vars)
  );
}

/** Renames loop variable `from` to `to` in statements (the names are unique after specialization). */
function renameVar(stmts: readonly Stmt[], from: string, to: string): Stmt[] {
  const env = new Map<string, Expr>([[from, ref(to)]]);
  return mapStmtExprs(stmts, (e) => substitute(e, env), true);
}

type For = Extract<Stmt, { k: "for" }>;

/**
 * Merges adjacent loops over the same range when that changes no result: a
 * buffer written by one and touched by the other must be used by both only
 * inside each iteration's own slice (so iteration v of the second loop sees
 * exactly what iteration v of the first produced), and no scalar one
 * declares or assigns may be used by the other. Small layers are several
 * short batch loops (bias, activation, kernel and input gradients, softmax);
 * one loop saves the loop overhead and shares the loads, and computes the
 * same values in the same order per element as the separate loops. The
 * loop being extended keeps its body's facts, so an unrolled kernel's
 * thousands of batch loops fuse in linear time.
 */
function fuse(stmts: readonly Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  /** The last statement of `out` when it is a loop: later loops may join its (growing) body. */
  let open: { loop: For; body: Stmt[]; facts: BodyFacts | null; fused: boolean } | null = null;
  const close = () => {
    if (open?.fused) out[out.length - 1] = { ...open.loop, body: open.body };
    open = null;
  };
  for (const s0 of stmts) {
    const s = s0.k === "for" ? { ...s0, body: fuse(s0.body) } : s0.k === "if" ? { ...s0, then: fuse(s0.then), else: fuse(s0.else) } : s0;
    if (s.k === "for" && open && !isNum(s.to) && JSON.stringify(open.loop.from) === JSON.stringify(s.from) && JSON.stringify(open.loop.to) === JSON.stringify(s.to)) {
      const v = open.loop.v;
      // the second loop's variable becomes the first's, unless its body already declares that name
      const body = v === s.v ? [...s.body] : renameVar(s.body, s.v, v);
      const b = bodyFacts(body, v);
      if (v === s.v || !b.fx.lets.has(v)) {
        open.facts ??= bodyFacts(open.body, v);
        if (independent(open.facts, b, v)) {
          append(open.body, body);
          mergeFacts(open.facts, b);
          open.fused = true;
          continue;
        }
      }
    }
    close();
    out.push(s);
    if (s.k === "for") open = { loop: s, body: [...s.body], facts: null, fused: false };
  }
  close();
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
        if (constant && (to.v - from.v === 1 || (opts.loops !== true && (opts.unroll || tiny)))) {
          // one map for every iteration: spec copies the environment it is given
          const inner = new Map(env);
          for (let k = from.v; k < to.v; k++) append(out, spec(s.body, inner.set(s.v, { k: "num", v: k }), opts, `${suffix}_${k}`, scope));
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
          lowered: spec(s.lowered, env, isMap(s.spec) ? { ...opts, loops: true } : opts, suffix),
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
    case "bin": {
      const spine = leftSpine(e);
      return mentions(spine[spine.length - 1]!.a, name) || spine.some((n) => mentions(n.b, name));
    }
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
