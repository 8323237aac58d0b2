/**
 * Native kernels for row lookups (src/kernel/lookup.ts): an embedding's
 * gather of table rows by index and its gradient's scatter-add, as
 * WebAssembly functions in the model's module beside the products and
 * window operations, taking (n, ids, table, values): the batch size and
 * byte addresses (the table's address is its array's; `base` moves to the
 * parameter inside it).
 *
 * Each (sample, position) reads its id (a float, whole and in range: the
 * runtime checks every id before any kernel runs), truncates it to an
 * integer and copies the row (gather: 16 bytes per vector, the element type
 * does not matter) or adds it into the table row (scatter_add: f32x4 or
 * f64x2 adds, float32 values widened exactly into a float64 table,
 * positions in order, so a repeated id adds in the loop nest's order and
 * the numbers equal its own bit for bit). Alignment hints are 1: rows sit
 * at any element offset.
 */
import type { Lookup } from "../../kernel/lookup.js";
import { extent } from "../../kernel/gemm.js";
import { Asm, bytesOf, functionBody, I32, type ElemType, type KernelSplit } from "./wasm.js";

export interface WasmLookup {
  readonly name: string;
  readonly spec: Lookup;
  readonly types: { readonly ids: ElemType; readonly table: ElemType; readonly values: ElemType };
  /** Element offset of the table inside its array (parameters, gradients). */
  readonly base: number;
}

// params: n, ids, table, values (then two unused, as every window kernel); i32 locals
const N_ARG = 0;
const IDS_ARG = 1;
const TABLE_ARG = 2;
const VALUES_ARG = 3;
const COUNT = 6; // (sample, position) pairs left
const PID = 7; // ids pointer
const PV = 8; // values pointer (a row per position)
const ROW = 9; // table row address
const LOOP = 10;
const R1 = 11; // values pointer of a looped row
const R2 = 12; // row pointer of a looped row
const N_I32 = 7;

/** Row vectors up to this many are unrolled; longer rows loop. */
const UNROLL_VECTORS = 8;

export function lookupBody(k: WasmLookup): number[] {
  const { spec: l, types } = k;
  if (!lookupTypesOk(l, types)) throw new Error("layerc internal error: a lookup's element types do not fit");
  const [tt, tv] = [types.table, types.values];
  const [et, ev, eid] = [bytesOf(tt), bytesOf(tv), bytesOf(types.ids)];
  const x = new Asm();
  const samples = extent(l.batch)!;
  // COUNT = n · per · positions; PID, PV at the start
  x.get(N_ARG).i32(samples.per * l.positions).mul().set(COUNT);
  x.get(IDS_ARG).set(PID).get(VALUES_ARG).set(PV);
  x.block().loop();
  x.get(COUNT).op(0x45).brIf(1); // i32.eqz
  // ROW = table + (base + trunc(id) · width) · et
  x.get(PID);
  if (types.ids === "f64") x.op(0x2b).mem(3, 0).op(0xaa); // f64.load, i32.trunc_f64_s
  else x.op(0x2a).mem(2, 0).op(0xa8); // f32.load, i32.trunc_f32_s
  x.i32(l.width * et).mul().get(TABLE_ARG).add().i32(k.base * et).add().set(ROW);
  /** Elements per step: a vector of the table's lanes, or one element. */
  const W = 16 / et;
  /** One step of `lanes` elements at element offset `o` from the row (ROW or R2) and the values (PV or R1). */
  const step = (lanes: number, row: number, values: number, o: number) => {
    if (l.op === "gather") {
      // a copy (one element type): the bits move unchanged
      x.get(values).get(row);
      if (lanes > 1) x.simd(0x00).mem(0, o * et).simd(0x0b).mem(0, o * ev);
      else if (et === 8) x.op(0x29).mem(0, o * et).op(0x37).mem(0, o * ev); // i64.load / i64.store
      else x.op(0x28).mem(0, o * et).op(0x36).mem(0, o * ev); // i32.load / i32.store
      return;
    }
    // table row += values, in the table's precision (float32 values widened exactly)
    x.get(row).get(row);
    if (lanes > 1) {
      x.simd(0x00).mem(0, o * et).get(values);
      if (tv === tt) x.simd(0x00).mem(0, o * ev);
      else x.simd(0x5d).mem(0, o * ev).simd(0x5f); // v128.load64_zero, f64x2.promote_low_f32x4
      x.simd(tt === "f64" ? 0xf0 : 0xe4).simd(0x0b).mem(0, o * et); // f64x2.add / f32x4.add, v128.store
      return;
    }
    if (tt === "f64") {
      x.op(0x2b).mem(0, o * et).get(values);
      if (tv === "f64") x.op(0x2b).mem(0, o * ev);
      else x.op(0x2a).mem(0, o * ev).op(0xbb); // f32.load, f64.promote_f32
      x.op(0xa0).op(0x39).mem(0, o * et); // f64.add, f64.store
    } else x.op(0x2a).mem(0, o * et).get(values).op(0x2a).mem(0, o * ev).op(0x92).op(0x38).mem(0, o * et);
  };
  const nvec = Math.floor(l.width / W);
  let [row, values, o0] = [ROW, PV, 0];
  if (nvec <= UNROLL_VECTORS) {
    for (let q = 0; q < nvec; q++) step(W, ROW, PV, q * W);
    o0 = nvec * W;
  } else {
    x.get(ROW).set(R2).get(PV).set(R1);
    x.i32(nvec).set(LOOP).loop();
    step(W, R2, R1, 0);
    x.get(R2).i32(W * et).add().set(R2).get(R1).i32(W * ev).add().set(R1);
    x.get(LOOP).i32(1).sub().tee(LOOP).brIf(0).end();
    [row, values] = [R2, R1];
  }
  // the rest of the row, element by element
  for (let j = 0; j < l.width - nvec * W; j++) step(1, row, values, o0 + j);
  x.get(PID).i32(eid).add().set(PID);
  x.get(PV).i32(l.width * ev).add().set(PV);
  x.get(COUNT).i32(1).sub().set(COUNT);
  x.br(0).end().end();
  x.end();
  return functionBody([[N_I32, I32]], x);
}

/**
 * The element types a lookup kernel takes: a gather copies between one
 * type; a scatter-add adds values into a table of their type or, float32
 * values, into a float64 table. (The emitter hands it one type: a float32
 * model with native kernels keeps float32 gradients, a float64 model
 * float64 everything; the widening add is the kernel's, tested on its own.)
 */
export function lookupTypesOk(l: Lookup, types: WasmLookup["types"]): boolean {
  return types.table === types.values || (l.op === "scatter_add" && types.table === "f64");
}

/**
 * How threads may split a lookup's calls: a gather over samples (ids and
 * values move by their bytes per sample, the table stays); a scatter-add
 * into the one table runs whole. Arguments: (n, ids, table, values).
 */
export function lookupSplit(k: WasmLookup): KernelSplit | undefined {
  const { spec: l, types } = k;
  if (l.op !== "gather") return undefined;
  const per = extent(l.batch)!.per;
  return { kind: "samples", work: l.positions * l.width * per, strides: [per * l.positions * bytesOf(types.ids), 0, per * l.positions * l.width * bytesOf(types.values), 0, 0] };
}
