/**
 * Native kernels for elementwise loops (a MapSpec in the kernel form, e.g.
 * the optimizer's update rule): one loop `for v in [from, to)` whose body
 * only reads and writes element v of buffers in the native memory, reads
 * scalars (constant-index loads, such as the learning rate, passed as f64
 * arguments) and computes + − × ÷ √ |·| max min and selections
 * `test ? a : b` (compares, and). It runs in f64x2 SIMD, two elements per
 * step, and a scalar step for an odd last element. The loop may sit inside
 * loops over the batch (an `n` argument) or constant extents that only move
 * where its elements are: each buffer's index is then `Σ stride·u + v + c`
 * over those outer variables u (an activation's gradient over every sample;
 * a bias gradient adding every sample's row into the same elements, in the
 * TypeScript's order).
 *
 * The arithmetic is exactly the TypeScript's: every operation is the same
 * IEEE float64 operation in the same order (WebAssembly contracts nothing
 * into fused multiply-adds), float32 elements are widened on load and
 * rounded to nearest once when stored, as a Float32Array store does. So the
 * kernel computes the fallback loop's numbers bit for bit
 * (test/native-map.test.ts). A short loop (at most HOLD_MAX elements)
 * inside outer loops that only adds into the same elements of a buffer at
 * every outer position (a bias gradient) keeps those elements in registers
 * across the outer loops, rounded to float32 after every addition when the
 * buffer is float32 (what its store and reload would do), and stores them
 * once at the end: the same numbers, without a trip through memory per
 * sample on the dependency chain. `max`/`min` are the kernel form's
 * `a >= b ? a : b` / `a <= b ? a : b` (not WebAssembly's f64.max, which
 * differs on NaN and signed zeros): a compare and a select. The kernel is compiled from the specialized
 * loop the fallback renders, so both start from the same expression.
 */
import type { Cond, Expr, Stmt } from "../../kernel/expr.js";
import { extent } from "../../kernel/gemm.js";
import { Asm, bytesOf, F64, functionBody, I32, V128, type ElemType } from "./wasm.js";
import { append } from "./append.js";
import { linear } from "./specialize.js";

/**
 * Where a buffer lives: its element type and element offset in its array,
 * and the array it is a name for (`root`: buffers sharing storage have the
 * same; itself when absent), or null when it is not in the native memory.
 */
export type MapPlace = (buf: string) => { readonly type: ElemType; readonly base: number; readonly root?: string } | null;

export interface WasmMap {
  readonly name: string;
  readonly loop: { readonly v: string; readonly from: number; readonly to: number; readonly body: readonly Stmt[] };
  /** Loops around the elementwise one, outermost first: each runs `per` (times the batch size, the kernel's first argument, when `batch`) times. */
  readonly outer: readonly { readonly v: string; readonly per: number; readonly batch: boolean }[];
  /** Native buffers the loop indexes, in argument order (one i32 byte address each), with their element strides per outer loop. */
  readonly buffers: readonly { readonly buf: string; readonly type: ElemType; readonly base: number; readonly strides: readonly number[]; readonly root?: string }[];
  /**
   * Scalars in argument order after the buffers (one f64 each): outer
   * locals the loop reads (`name`), and constant-index reads of buffers
   * outside the native memory (`buf`, `index`: the learning rate in hyper).
   */
  readonly scalars: readonly Scalar[];
}

type For = Extract<Stmt, { k: "for" }>;

export type Scalar = { readonly name: string } | { readonly buf: string; readonly index: number };

const scalarKey = (s: Scalar) => ("name" in s ? `var ${s.name}` : `load ${s.buf} ${s.index}`);

/** The element offset of `index` from the loop variable (`v + c` plus the outer variables' terms), or null. */
function offsetOf(index: Expr, v: string): number | null {
  const l = linear(index);
  return l !== null && l.coefs.get(v) === 1 ? l.c : null;
}

/**
 * The kernel for a specialized loop, or null when the loop is not such an
 * elementwise loop. `outer` are the scalar locals defined before the loop
 * (they become arguments; null: every free variable is one); `place` tells
 * which buffers are native.
 */
export function planMap(name: string, nest: For, outer: ReadonlySet<string> | null, place: MapPlace): WasmMap | null {
  // the loops around the elementwise one: from 0, over the batch or a constant extent, with nothing else in them
  const around: { v: string; per: number; batch: boolean }[] = [];
  let loop = nest;
  for (;;) {
    const inner = loop.body.filter((s) => s.k !== "note");
    if (inner.length !== 1 || inner[0]!.k !== "for") break;
    const size = extent(loop.to);
    if (loop.from.k !== "num" || loop.from.v !== 0 || size === null) return null;
    around.push({ v: loop.v, ...size });
    loop = inner[0]!;
  }
  if (loop.from.k !== "num" || loop.to.k !== "num" || loop.to.v - loop.from.v < 2) return null;
  const outerVars = new Set(around.map((o) => o.v));
  const buffers = new Map<string, { buf: string; type: ElemType; base: number; strides: number[]; root: string; offsets: Set<number> }>();
  const scalars = new Map<string, Scalar>();
  const scalar = (sc: Scalar) => {
    scalars.set(scalarKey(sc), sc);
    return true;
  };
  const locals = new Set<string>();
  const use = (buf: string, index: Expr): boolean => {
    const l = linear(index);
    const where = place(buf);
    if (l === null || l.coefs.get(loop.v) !== 1 || l.c < 0 || where === null) return false;
    if ([...l.coefs.keys()].some((v) => v !== loop.v && !outerVars.has(v))) return false;
    const strides = around.map((o) => l.coefs.get(o.v) ?? 0);
    if (strides.some((k) => k < 0)) return false;
    const known = buffers.get(buf);
    if (known === undefined) buffers.set(buf, { buf, type: where.type, base: where.base, root: where.root ?? buf, strides, offsets: new Set([l.c]) });
    else if (known.strides.some((k, i) => k !== strides[i])) return false;
    else known.offsets.add(l.c);
    return true;
  };
  const expr = (e: Expr): boolean => {
    switch (e.k) {
      case "num":
        return true;
      case "var":
        if (locals.has(e.name)) return true;
        if (e.name === loop.v || outerVars.has(e.name) || (outer !== null && !outer.has(e.name))) return false;
        return scalar({ name: e.name });
      case "load":
        // a constant element of a buffer the kernel cannot see (hyper): an argument
        if (e.index.k === "num" && place(e.buf) === null) return scalar({ buf: e.buf, index: e.index.v });
        return use(e.buf, e.index);
      case "bin":
        return expr(e.a) && expr(e.b);
      case "op":
        if (e.op === "max" || e.op === "min") return e.args.length === 2 && expr(e.args[0]!) && expr(e.args[1]!);
        return (e.op === "sqrt" || e.op === "abs") && e.args.length === 1 && expr(e.args[0]!);
      case "select":
        return cond(e.test) && expr(e.then) && expr(e.else);
      default:
        return false;
    }
  };
  const cond = (c: Cond): boolean => (c.k === "and" ? cond(c.a) && cond(c.b) : expr(c.a) && expr(c.b));
  for (const s of loop.body) {
    if (s.k === "let" && !locals.has(s.name) && expr(s.value)) locals.add(s.name);
    else if (s.k === "store" && expr(s.value) && use(s.buf, s.index)) continue;
    else if (s.k === "note") continue;
    else return null;
  }
  // element-by-element semantics hold when each native buffer is its own memory, or names the same
  // array as another one at exactly the same elements (storage a buffer shares with a dead one)
  const all = [...buffers.values()];
  for (const a of all) {
    for (const b of all) {
      if (a === b || a.root !== b.root) continue;
      const same = a.base === b.base && a.type === b.type && a.strides.every((k, i) => k === b.strides[i]) && a.offsets.size === 1 && b.offsets.size === 1 && [...a.offsets][0] === [...b.offsets][0];
      if (!same) return null;
    }
  }
  return {
    name,
    loop: { v: loop.v, from: loop.from.v, to: loop.to.v, body: loop.body },
    outer: around,
    // root: the array the buffer names when it shares storage with another buffer of the kernel
    buffers: all.map(({ buf, type, base, strides, root }) => ({ buf, type, base, strides, ...(root !== buf ? { root } : {}) })),
    scalars: [...scalars.values()],
  };
}

/** Whether the kernel takes the batch size (first): when an outer loop runs over the batch. */
export const takesBatch = (m: WasmMap): boolean => m.outer.some((o) => o.batch);

/** The function's parameter types: [the batch size,] an i32 address per buffer, then an f64 per scalar. */
export const mapParams = (m: WasmMap): number[] => [...(takesBatch(m) ? [I32] : []), ...m.buffers.map(() => I32), ...m.scalars.map(() => F64)];

/** The longest elementwise loop whose accumulated elements are held in registers (8 vectors: no spills on x64). */
export const HOLD_MAX = 16;

/**
 * The buffers a map kernel holds in registers across its outer loops: with
 * outer loops and at most HOLD_MAX elements, a buffer no outer loop moves
 * (every stride 0), which the loop only adds into (`+=` stores, at one
 * offset) and which shares its storage with no other buffer of the kernel.
 */
export function heldBuffers(m: WasmMap): Set<string> {
  const held = new Set<string>();
  if (m.outer.length === 0 || m.loop.to - m.loop.from > HOLD_MAX) return held;
  const reads = new Set<string>();
  const offsets = new Map<string, Set<number>>();
  const readIn = (e: Expr): void => {
    if (e.k === "load") reads.add(e.buf);
    else if (e.k === "bin") (readIn(e.a), readIn(e.b));
    else if (e.k === "op") e.args.forEach(readIn);
    else if (e.k === "select") (readCond(e.test), readIn(e.then), readIn(e.else));
  };
  const readCond = (c: Cond): void => (c.k === "and" ? (readCond(c.a), readCond(c.b)) : (readIn(c.a), readIn(c.b)));
  const plain = new Set<string>();
  for (const st of m.loop.body) {
    if (st.k === "let") readIn(st.value);
    else if (st.k === "store") {
      readIn(st.value);
      if (!st.acc) plain.add(st.buf);
      const at = offsets.get(st.buf) ?? new Set<number>();
      at.add(offsetOf(st.index, m.loop.v)!);
      offsets.set(st.buf, at);
    }
  }
  const root = (b: WasmMap["buffers"][number]) => b.root ?? b.buf;
  for (const b of m.buffers) {
    const alone = m.buffers.every((o) => o === b || root(o) !== root(b));
    if (alone && b.strides.every((k) => k === 0) && !plain.has(b.buf) && !reads.has(b.buf) && offsets.get(b.buf)?.size === 1) held.add(b.buf);
  }
  return held;
}

/** The function body of a map kernel. */
export function mapBody(m: WasmMap): number[] {
  const x = new Asm();
  const nb = m.buffers.length;
  const ns = m.scalars.length;
  // params: [n,] one address per buffer, one f64 per scalar
  const P = takesBatch(m) ? 1 : 0;
  const I = P + nb + ns;
  const slot = new Map(m.buffers.map((b, k) => [b.buf, k]));
  const scalarArg = new Map(m.scalars.map((s, k) => [scalarKey(s), P + nb + k]));
  // locals: i (i32); a splatted copy of every scalar (v128); per let a v128 and an f64;
  // with outer loops, their variables and each buffer's address at the current outer position (i32)
  const splat = new Map(m.scalars.map((s, k) => [scalarKey(s), I + 1 + k]));
  const lets = m.loop.body.flatMap((s) => (s.k === "let" ? [s.name] : []));
  const vlet = new Map(lets.map((n, k) => [n, I + 1 + ns + k]));
  const slet = new Map(lets.map((n, k) => [n, I + 1 + ns + lets.length + k]));
  // a pair of locals per max/min (its operands, each evaluated once), v128 then f64; taken in order in each pass
  const pairs = m.loop.body.reduce((n, s) => n + (s.k === "let" || s.k === "store" ? selects(s.value) : 0), 0);
  const vpair = I + 1 + ns + 2 * lets.length;
  const spair = vpair + 2 * pairs;
  let taken = 0;
  const depth = m.outer.length;
  const outerVar = (j: number) => spair + 2 * pairs + j;
  const row = (k: number) => (depth === 0 ? P + k : outerVar(depth) + k);
  const { from, to } = m.loop;
  const steps = Math.floor((to - from) / 2);
  // buffers held in registers across the outer loops: a v128 per step and an f64 for an odd last element, after the other locals
  const held = [...heldBuffers(m)];
  const heldFrom = outerVar(depth) + nb;
  const heldVector = (buf: string, step: number) => heldFrom + held.indexOf(buf) * steps + step;
  const heldScalar = (buf: string) => heldFrom + held.length * steps + held.indexOf(buf);
  /** The step of the unrolled loop being emitted (kernels with held buffers unroll it). */
  let step = 0;

  /** Pushes element (i + offset) of `buf`'s address; the offset goes into the memarg. */
  const address = (buf: string, index: Expr): number => {
    const b = m.buffers[slot.get(buf)!]!;
    const e = bytesOf(b.type);
    x.get(row(slot.get(buf)!)).get(I).i32(e).mul().add();
    return (b.base + offsetOf(index, m.loop.v)!) * e;
  };
  const cond = (c: Cond, vector: boolean): void => {
    if (c.k === "and") {
      cond(c.a, vector);
      cond(c.b, vector);
      if (vector) x.simd(0x4e); // v128.and
      else x.op(0x71); // i32.and
      return;
    }
    expr(c.a, vector);
    expr(c.b, vector);
    const k = ["==", "!=", "<", ">", "<=", ">="].indexOf(c.op);
    if (vector) x.simd(0x47 + k); // f64x2.eq/ne/lt/gt/le/ge
    else x.op(0x61 + k); // f64.eq/ne/lt/gt/le/ge
  };
  const expr = (e: Expr, vector: boolean): void => {
    switch (e.k) {
      case "num": {
        x.op(0x44);
        const f = new Float64Array([e.v]);
        append(x.b, [...new Uint8Array(f.buffer)]);
        if (vector) x.simd(0x14); // f64x2.splat
        return;
      }
      case "var": {
        const key = scalarKey({ name: e.name });
        if (vlet.has(e.name)) x.get(vector ? vlet.get(e.name)! : slet.get(e.name)!);
        else x.get(vector ? splat.get(key)! : scalarArg.get(key)!);
        return;
      }
      case "load": {
        if (!slot.has(e.buf)) {
          const key = scalarKey({ buf: e.buf, index: (e.index as { v: number }).v });
          x.get(vector ? splat.get(key)! : scalarArg.get(key)!);
          return;
        }
        const t = m.buffers[slot.get(e.buf)!]!.type;
        const offset = address(e.buf, e.index);
        if (vector) {
          if (t === "f64") x.simd(0x00).mem(3, offset); // v128.load
          else x.simd(0x5d).mem(2, offset).simd(0x5f); // v128.load64_zero, f64x2.promote_low_f32x4
        } else if (t === "f64") x.op(0x2b).mem(3, offset);
        else x.op(0x2a).mem(2, offset).op(0xbb); // f32.load, f64.promote_f32
        return;
      }
      case "bin": {
        expr(e.a, vector);
        expr(e.b, vector);
        const k = "+-*/".indexOf(e.op);
        if (vector) x.simd(0xf0 + k); // f64x2.add/sub/mul/div
        else x.op(0xa0 + k); // f64.add/sub/mul/div
        return;
      }
      case "select":
        // both sides are loads and arithmetic (no effects): evaluate both, keep one
        expr(e.then, vector);
        expr(e.else, vector);
        cond(e.test, vector);
        if (vector) x.simd(0x52); // v128.bitselect
        else x.op(0x1b); // select
        return;
      case "op":
        if (e.op === "max" || e.op === "min") {
          // a >= b ? a : b (max), a <= b ? a : b (min)
          const at = (vector ? vpair : spair) + 2 * taken++;
          expr(e.args[0]!, vector);
          x.set(at);
          expr(e.args[1]!, vector);
          x.set(at + 1);
          x.get(at).get(at + 1).get(at).get(at + 1);
          if (vector) x.simd(e.op === "max" ? 0x4c : 0x4b).simd(0x52); // f64x2.ge/le, v128.bitselect
          else x.op(e.op === "max" ? 0x66 : 0x65, 0x1b); // f64.ge/le, select
          return;
        }
        expr(e.args[0]!, vector);
        if (e.op === "sqrt") {
          if (vector) x.simd(0xef);
          else x.op(0x9f);
        } else if (vector) x.simd(0xec);
        else x.op(0x99);
        return;
      default:
        throw new Error(`layerc internal error: map kernel cannot compile ${e.k}`);
    }
  };
  const body = (vector: boolean) => {
    taken = 0;
    for (const s of m.loop.body) {
      if (s.k === "let") {
        expr(s.value, vector);
        x.set(vector ? vlet.get(s.name)! : slet.get(s.name)!);
      } else if (s.k === "store") {
        const t = m.buffers[slot.get(s.buf)!]!.type;
        if (held.includes(s.buf)) {
          // v += value in the register, rounded as the float32 store and reload would
          const local = vector ? heldVector(s.buf, step) : heldScalar(s.buf);
          x.get(local);
          expr(s.value, vector);
          if (vector) x.simd(0xf0); // f64x2.add
          else x.op(0xa0); // f64.add
          if (t === "f32" && vector) x.simd(0x5e).simd(0x5f); // f32x4.demote_f64x2_zero, f64x2.promote_low_f32x4
          else if (t === "f32") x.op(0xb6, 0xbb); // f32.demote_f64, f64.promote_f32
          x.set(local);
          continue;
        }
        const offset = address(s.buf, s.index);
        if (s.acc) {
          // v += value: the element loaded again, as the TypeScript `a[i] += value` reads it
          expr({ k: "bin", op: "+", a: { k: "load", buf: s.buf, index: s.index }, b: s.value }, vector);
        } else expr(s.value, vector);
        if (vector) {
          if (t === "f64") x.simd(0x0b).mem(3, offset); // v128.store
          else x.simd(0x5e).simd(0x5b).mem(2, offset).op(0); // f32x4.demote_f64x2_zero, v128.store64_lane 0
        } else if (t === "f64") x.op(0x39).mem(3, offset);
        else x.op(0xb6).op(0x38).mem(2, offset); // f32.demote_f64, f32.store
      }
    }
  };
  for (const [s, local] of splat) x.get(scalarArg.get(s)!).simd(0x14).set(local);
  /** Loads (`load`) or stores a held buffer's elements from or into its registers. */
  const transfer = (load: boolean) => {
    for (const buf of held) {
      const k = slot.get(buf)!;
      const { type, base } = m.buffers[k]!;
      const store = m.loop.body.find((st) => st.k === "store" && st.buf === buf) as Extract<Stmt, { k: "store" }>;
      const at = (i: number) => (base + offsetOf(store.index, m.loop.v)! + i) * bytesOf(type);
      for (let j = 0; j <= steps; j++) {
        const vector = j < steps;
        if (!vector && (to - from) % 2 === 0) break;
        const local = vector ? heldVector(buf, j) : heldScalar(buf);
        const offset = at(from + 2 * j);
        x.get(P + k);
        if (load && vector) {
          if (type === "f64") x.simd(0x00).mem(3, offset); // v128.load
          else x.simd(0x5d).mem(2, offset).simd(0x5f); // v128.load64_zero, f64x2.promote_low_f32x4
          x.set(local);
        } else if (load) {
          if (type === "f64") x.op(0x2b).mem(3, offset);
          else x.op(0x2a).mem(2, offset).op(0xbb); // f32.load, f64.promote_f32
          x.set(local);
        } else if (vector) {
          x.get(local);
          if (type === "f64") x.simd(0x0b).mem(3, offset); // v128.store
          else x.simd(0x5e).simd(0x5b).mem(2, offset).op(0); // f32x4.demote_f64x2_zero, v128.store64_lane 0
        } else {
          x.get(local);
          if (type === "f64") x.op(0x39).mem(3, offset);
          else x.op(0xb6).op(0x38).mem(2, offset); // f32.demote_f64, f32.store
        }
      }
    }
  };
  const elementwise = () => {
    if (held.length > 0) {
      // unrolled: each step adds into its own registers
      for (step = 0; step < steps; step++) {
        x.i32(from + 2 * step).set(I);
        body(true);
      }
      if ((to - from) % 2 === 1) {
        x.i32(from + 2 * steps).set(I);
        body(false);
      }
      return;
    }
    x.i32(from).set(I);
    x.loop();
    body(true);
    x.get(I).i32(2).add().set(I).get(I).i32(from + 2 * steps).ltU().brIf(0);
    x.end();
    if ((to - from) % 2 === 1) body(false);
  };
  /** Outer loop j (and the ones inside it) around the elementwise loop: `for (u = 0; u < extent; u++)`. */
  const outer = (j: number): void => {
    if (j === depth) {
      // each buffer's address at this outer position: its argument + Σ u·stride·bytes
      m.buffers.forEach((b, k) => {
        x.get(P + k);
        b.strides.forEach((stride, o) => {
          if (stride !== 0) x.get(outerVar(o)).i32(stride * bytesOf(b.type)).mul().add();
        });
        x.set(row(k));
      });
      elementwise();
      return;
    }
    const { per, batch } = m.outer[j]!;
    x.i32(0).set(outerVar(j));
    x.block();
    x.loop();
    x.get(outerVar(j));
    if (batch) x.get(0).i32(per).mul();
    else x.i32(per);
    x.op(0x4f).brIf(1); // i32.ge_u: done
    outer(j + 1);
    x.get(outerVar(j)).i32(1).add().set(outerVar(j)).br(0);
    x.end();
    x.end();
  };
  transfer(true);
  outer(0);
  transfer(false);
  x.end();

  return functionBody(
    [
      [1, I32],
      [ns + lets.length, V128],
      [lets.length, F64],
      ...(pairs > 0
        ? ([
            [2 * pairs, V128],
            [2 * pairs, F64],
          ] as const)
        : []),
      ...(depth > 0 ? ([[depth + nb, I32]] as const) : []),
      ...(held.length > 0
        ? ([
            [held.length * steps, V128],
            [held.length, F64],
          ] as const)
        : []),
    ],
    x,
  );
}

/** The max/min operations in `e` (each needs a pair of locals). */
function selects(e: Expr): number {
  if (e.k === "bin") return selects(e.a) + selects(e.b);
  if (e.k === "op") return (e.op === "max" || e.op === "min" ? 1 : 0) + e.args.reduce((n, a) => n + selects(a), 0);
  if (e.k === "select") return selectsIn(e.test) + selects(e.then) + selects(e.else);
  return 0;
}

function selectsIn(c: Cond): number {
  return c.k === "and" ? selectsIn(c.a) + selectsIn(c.b) : selects(c.a) + selects(c.b);
}
