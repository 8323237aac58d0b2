/**
 * Elementwise loops over the batch as native kernels (wasm-map.ts): an
 * activation's gradient and a bias gradient, built by the same kernel-form
 * builders the layers use, compile to f64x2 WebAssembly (outer loops over
 * the batch and constant extents, selections) and compute exactly the
 * numbers of the loops the interpreter runs (float64 arithmetic, one
 * rounding per float32 store): every bit, for float32 and float64 buffers,
 * odd widths (the scalar last element), NaN, ±0 and ±Infinity inputs.
 */
import { describe, expect, it } from "vitest";
import { activationBackward, activationKinds } from "../src/kernel/activation.js";
import { Buf, loop } from "../src/kernel/buffer.js";
import { BATCH, call, cmp, elementwise, mul, num, select, type Stmt } from "../src/kernel/expr.js";
import { compileKernel } from "../src/interpreter/exec.js";
import { HOLD_MAX, heldBuffers, mapBody, mapParams, planMap, takesBatch, type MapPlace } from "../src/phases/3-emit/wasm-map.js";
import { kernelModule, type ElemType } from "../src/phases/3-emit/wasm.js";
import type { ActivationName } from "../src/ir/model-ir.js";

type For = Extract<Stmt, { k: "for" }>;
/** The part of the WebAssembly API used here (the tests' types include no DOM lib). */
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: object };
    };
  }
).WebAssembly;
interface Layout {
  readonly type: ElemType;
  readonly base: number;
  readonly size: number;
  readonly root?: string;
}

/** Values that exercise every branch: both signs, zeros, the relu6 edge, non-finite ones. */
const special = [0, -0, 6, -6, 1e-30, Number.NaN, Infinity, -Infinity];
const valueAt = (i: number, salt: number) => (i % 11 === 3 ? special[(i + salt) % special.length]! : Math.sin(i * 1.37 + salt) * 7);

/**
 * Runs `stmt` (an elementwise statement) natively and by the interpreter's
 * loops from the same buffer contents; returns each written buffer's bits
 * from both, or null when the loop does not compile natively.
 */
function bothWays(stmt: Stmt, layouts: Record<string, Layout>, n: number): { native: Record<string, number[]>; loops: Record<string, number[]> } | null {
  if (stmt.k !== "gemm") throw new Error("not an elementwise statement");
  const place: MapPlace = (buf) => (layouts[buf] ? { type: layouts[buf].type, base: layouts[buf].base, root: layouts[buf].root ?? buf } : null);
  const m = planMap("k", stmt.lowered[0] as For, new Set(), place);
  if (m === null) return null;
  const bytes = kernelModule([{ name: "k", body: () => mapBody(m), params: mapParams(m) }]);
  const memory = new Wasm.Memory({ initial: 4 });
  const kernel = (new Wasm.Instance(new Wasm.Module(bytes), { env: { memory } }).exports as Record<string, (...a: number[]) => void>)["k"]!;
  // each root array at its own 64-byte aligned address; views of the same root share it
  const roots = [...new Set(Object.entries(layouts).map(([name, l]) => l.root ?? name))];
  const address = new Map<string, number>();
  let at = 64;
  for (const r of roots) {
    address.set(r, at);
    const l = layouts[r]!;
    at += Math.ceil(((l.base + l.size) * (l.type === "f64" ? 8 : 4)) / 64) * 64 + 64;
  }
  const view = (buffer: ArrayBufferLike, name: string) => {
    const l = layouts[name]!;
    const start = address.get(l.root ?? name)!;
    return l.type === "f64" ? new Float64Array(buffer, start, l.base + l.size) : new Float32Array(buffer, start, l.base + l.size);
  };
  roots.forEach((r, salt) => {
    const v = view(memory.buffer, r);
    for (let i = 0; i < v.length; i++) v[i] = valueAt(i, salt);
  });
  const copy = memory.buffer.slice(0);
  const names = Object.keys(layouts);
  kernel(...(takesBatch(m) ? [n] : []), ...m.buffers.map((b) => address.get(layouts[b.buf]!.root ?? b.buf)!));
  const arrays = names.map((name) => view(copy, name));
  const run = compileKernel([stmt], (buf) => ({ slot: names.indexOf(buf), base: layouts[buf]!.base }));
  run({ arrays, batch: n });
  const bits = (a: Float32Array | Float64Array) => [...new Uint32Array(a.buffer, a.byteOffset, (a.length * a.BYTES_PER_ELEMENT) / 4)];
  const native: Record<string, number[]> = {};
  const loops: Record<string, number[]> = {};
  for (const name of names) {
    native[name] = bits(view(memory.buffer, name));
    loops[name] = bits(arrays[names.indexOf(name)]!);
  }
  return { native, loops };
}

describe("native elementwise loops over the batch", () => {
  const compiled = new Set<string>();
  for (const type of ["f32", "f64"] as const) {
    for (const [rows, cols] of [
      [1, 37],
      [3, 16],
      [5, 9],
    ] as const) {
      it(`activation gradients, ${type}, ${rows} × ${cols} per sample: the interpreter's bits`, () => {
        const n = 6;
        const size = n * rows * cols;
        const layouts: Record<string, Layout> = { z: { type, base: 0, size }, y: { type, base: 0, size }, dy: { type, base: 0, size }, dz: { type, base: 0, size } };
        for (const act of Object.keys(activationKinds) as ActivationName[]) {
          const kind = activationKinds[act].kind;
          if (kind !== "elementwise" && kind !== "identity") continue;
          const [stmt] = activationBackward(act, new Buf("z", []), new Buf("y", []), new Buf("dy", []), new Buf("dz", []), rows, cols);
          const r = bothWays(stmt!, layouts, n);
          if (r === null) continue;
          compiled.add(act);
          expect(r.native, act).toEqual(r.loops);
        }
      });
    }
  }

  it("compiles the activations whose gradients are selections and arithmetic", () => {
    for (const act of ["linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid"]) expect(compiled, act).toContain(act);
  });

  for (const [gType, dzType] of [
    ["f64", "f32"],
    ["f64", "f64"],
    ["f32", "f32"],
    ["f32", "f64"],
  ] as const) {
    it(`bias gradient (${gType} += ${dzType}), every sample and position into the same elements, in order`, () => {
      for (const [rows, units] of [
        [1, 128],
        [1, 17],
        [12, 8],
        [3, 7],
        [2, 16],
      ] as const) {
        const n = 5;
        const dz = new Buf("dz", ["batch", rows, units]);
        const g = new Buf("g", [units]);
        const stmt = elementwise("bias_grad", rows * units, loop("b", BATCH, (b) => [loop("r", rows, (r) => [loop("o", units, (o) => [g.accumulate([o], dz.at(b, r, o))])])]), true);
        // the bias's gradient sits 37 elements into the gradient array
        const layouts = { dz: { type: dzType, base: 0, size: n * rows * units }, g: { type: gType, base: 37, size: units } };
        // up to HOLD_MAX units, the gradient stays in registers across the samples (rounded to float32 after each addition when float32)
        const m = planMap("k", (stmt as Extract<Stmt, { k: "gemm" }>).lowered[0] as For, new Set(), (buf) => layouts[buf as "g" | "dz"] ?? null);
        expect([...heldBuffers(m!)]).toEqual(units <= HOLD_MAX ? ["g"] : []);
        const r = bothWays(stmt, layouts, n);
        expect(r).not.toBeNull();
        expect(r!.native).toEqual(r!.loops);
      }
    });
  }

  it("holds no buffer in registers that the loop also reads, or that shares storage with another buffer", () => {
    const n = 3;
    const dz = new Buf("dz", ["batch", 4]);
    const g = new Buf("g", [4]);
    const plan = (stmt: Stmt, layouts: Record<string, Layout>) => planMap("k", (stmt as Extract<Stmt, { k: "gemm" }>).lowered[0] as For, new Set(), (buf) => (layouts[buf] ? { ...layouts[buf], root: layouts[buf].root ?? buf } : null))!;
    // reads g besides adding into it: the loop's order of loads and stores must stay
    const reading = elementwise("k", 4, loop("b", BATCH, (b) => [loop("o", 4, (o) => [g.accumulate([o], mul(g.at(o), dz.at(b, o)))])]), true);
    const layouts: Record<string, Layout> = { dz: { type: "f32", base: 0, size: n * 4 }, g: { type: "f32", base: 0, size: 4 } };
    expect([...heldBuffers(plan(reading, layouts))]).toEqual([]);
    const r = bothWays(reading, layouts, n);
    expect(r!.native).toEqual(r!.loops);
    // h names the same elements of the same array as g: holding g would hide its sums from h's reads
    const h = new Buf("h", [4]);
    const aliased = elementwise("k", 4, loop("b", BATCH, (b) => [loop("o", 4, (o) => [g.accumulate([o], mul(h.at(o), dz.at(b, o)))])]), true);
    const shared: Record<string, Layout> = { ...layouts, h: { type: "f32", base: 0, size: 4, root: "g" } };
    expect([...heldBuffers(plan(aliased, shared))]).toEqual([]);
    const s = bothWays(aliased, shared, n);
    expect(s!.native).toEqual(s!.loops);
    // h its own array: g is held
    const apart: Record<string, Layout> = { ...layouts, h: { type: "f32", base: 0, size: 4 } };
    expect([...heldBuffers(plan(aliased, apart))]).toEqual(["g"]);
    const a = bothWays(aliased, apart, n);
    expect(a!.native).toEqual(a!.loops);
  });

  it("max/min inside a selection get their own locals (compare-and-select within a select)", () => {
    const n = 4;
    const z = new Buf("z", ["batch", 1, 9]);
    const dy = new Buf("dy", ["batch", 1, 9]);
    const dz = new Buf("dz", ["batch", 1, 9]);
    const stmt = elementwise(
      "clip_grad",
      9,
      loop("b", BATCH, (b) => [
        loop("j", 9, (j) => [dz.store([b, num(0), j], select(cmp(">", call("max", z.at(b, num(0), j), num(0.5)), num(1)), call("min", dy.at(b, num(0), j), num(2)), call("max", dy.at(b, num(0), j), z.at(b, num(0), j))))]),
      ]),
      true,
    );
    const r = bothWays(stmt, { z: { type: "f64", base: 0, size: n * 9 }, dy: { type: "f32", base: 0, size: n * 9 }, dz: { type: "f32", base: 0, size: n * 9 } }, n);
    expect(r).not.toBeNull();
    expect(r!.native).toEqual(r!.loops);
  });

  it("runs a loop on storage shared with another buffer only at the very same elements", () => {
    const n = 3;
    const [stmt] = activationBackward("relu", new Buf("z", []), new Buf("y", []), new Buf("dy", []), new Buf("dz", []), 1, 20);
    // dz written in place of dy (the same array, same elements): compiles, same bits
    const same = bothWays(stmt!, { z: { type: "f32", base: 0, size: 60 }, y: { type: "f32", base: 0, size: 60 }, dy: { type: "f32", base: 0, size: 60 }, dz: { type: "f32", base: 0, size: 60, root: "dy" } }, n);
    expect(same).not.toBeNull();
    expect(same!.native).toEqual(same!.loops);
    // the same array at another offset would make the vector order visible: kept as a loop
    const shifted = bothWays(stmt!, { z: { type: "f32", base: 0, size: 60 }, y: { type: "f32", base: 0, size: 60 }, dy: { type: "f32", base: 0, size: 60 }, dz: { type: "f32", base: 1, size: 60, root: "dy" } }, n);
    expect(shifted).toBeNull();
  });
});
