/**
 * Native kernels for large matrix products: a WebAssembly module with one
 * function per product, generated at compile time with every extent,
 * stride and offset baked in (only a batch-dependent extent is read at run
 * time).
 *
 * Precision follows the model's dtype. A float64 model computes in f64x2
 * SIMD, like the TypeScript path and the interpreter: float32 operands are
 * widened on load, and results differ from the loop nest only by summation
 * order. A float32 model (Keras's default) computes in f32x4 SIMD, twice the
 * lanes: products and sums are float32, operands are float32 (activations,
 * parameters and their gradients and the inputs are float32 buffers in a
 * float32 model; a float64 operand, such as a buffer sharing storage with
 * random draws, is narrowed on load), and results are stored as float32, or
 * widened into a float64 buffer. So
 * the product is what Keras computes in float32, and it differs from the
 * float64 reference by float32 rounding, which grows with the reduction
 * length (test/native.test.ts bounds it by (K + 3)·2⁻²⁴·Σ|a·b|).
 *
 * Schedule: 4 rows of C × 2 vectors of columns (4 columns in f64x2, 8 in
 * f32x4) per register block, 8 accumulators kept in registers over the
 * whole reduction; when B's columns are not contiguous but both operands
 * are contiguous along k (a transposed B), the dot form vectorizes k
 * instead (see `dot` below); other layouts fall back to 4 scalar
 * accumulators per row; row and column remainders get the same block with
 * fewer rows/columns. Each function takes (n, a, b, c, bias, out, part,
 * parts): the batch size, the byte addresses of the operand buffers in the
 * model's memory, and optionally a part of the call to compute (rows of C,
 * for the runtime's threads; see rowSplittable). Fused epilogue: a product with a `bias` starts C at the bias row
 * instead of zero (no separate pass writing it), and one with `relu`
 * applies relu as the accumulators are stored — into C itself, or into a
 * second buffer laid out like C while C keeps the pre-activation.
 *
 * The binary is written directly (no toolchain): the few instructions used
 * are encoded below; `WebAssembly.validate` checks the result in tests.
 */
import { extent, type Gemm } from "../../kernel/gemm.js";
import { append } from "./append.js";

export type ElemType = "f32" | "f64";

export interface WasmGemm {
  readonly name: string;
  readonly spec: Gemm;
  /** Element type of each operand's buffer (and of the bias's, when the product has one). */
  readonly types: { readonly a: ElemType; readonly b: ElemType; readonly c: ElemType; readonly bias?: ElemType };
  /** Element offset of each operand's tensor inside its buffer's array (parameters, gradients). */
  readonly bases: { readonly a: number; readonly b: number; readonly c: number; readonly bias?: number };
  /** Arithmetic: f64 (f64x2 lanes) or f32 (f32x4 lanes, operands rounded on load); f64 when absent. */
  readonly precision?: ElemType;
}

/** Can this product become a native kernel? (n constant, extents known; C float64, or float32 under f32 arithmetic.) */
export function nativeEligible(spec: Gemm, types: WasmGemm["types"], precision: ElemType = "f64"): boolean {
  const m = extent(spec.m);
  const n = extent(spec.n);
  const k = extent(spec.k);
  const outer = (spec.outer ?? []).map((o) => extent(o.size));
  return (
    m !== null &&
    k !== null &&
    n !== null &&
    !n.batch &&
    (types.c === "f64" || (types.c === "f32" && precision === "f32")) &&
    m.per > 0 &&
    n.per > 0 &&
    k.per > 0 &&
    outer.every((o) => o !== null && o.per > 0) &&
    (spec.taps ?? []).every((t) => t.size > 0)
  );
}

/** Multiply-adds per sample: every extent (batch factors count once) and every tap. */
export function productWork(spec: Gemm): number {
  const extents = [spec.m, spec.n, spec.k, ...(spec.outer ?? []).map((o) => o.size)];
  return extents.reduce((w, e) => w * extent(e)!.per, 1) * (spec.taps ?? []).reduce((w, t) => w * t.size, 1);
}

/**
 * Whether a call may be split into parts that each compute some rows of C
 * (the `part`, `parts` arguments; the runtime's thread pool runs parts on
 * several threads): true when no element of C is written from two rows, i.e.
 * every outer dimension either keeps C in place (it accumulates into the
 * same rows) or moves it past everything the dimensions inside it write.
 * Each element is then computed by one part, in the same order as by the
 * whole call, so the result has the same bits.
 */
export function rowSplittable(spec: Gemm): boolean {
  const m = extent(spec.m)!;
  const n = extent(spec.n)!;
  // elements spanned by one block of C (unknown when it grows with the batch)
  let span: number | null = m.batch ? null : (m.per - 1) * Math.abs(spec.c.rows) + (n.per - 1) * Math.abs(spec.c.cols) + 1;
  for (const o of [...(spec.outer ?? [])].reverse()) {
    if (o.c === 0) continue;
    const size = extent(o.size)!;
    if (span === null || Math.abs(o.c) < span) return false;
    span = size.batch ? null : (size.per - 1) * Math.abs(o.c) + span;
  }
  return true;
}

/** Every combination of tap indices, as (A, B) element offsets. */
function tapOffsets(spec: Gemm): { a: number; b: number }[] {
  let combos = [{ a: 0, b: 0 }];
  for (const t of spec.taps ?? []) {
    combos = combos.flatMap((c) => Array.from({ length: t.size }, (_, v) => ({ a: c.a + v * t.a, b: c.b + v * t.b })));
  }
  return combos;
}

// ---- binary encoding --------------------------------------------------------

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

export function uleb(v: number, out: number[]): void {
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(v: number, out: number[]): void {
  for (;;) {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  append(out, bytes);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  append(out, body);
}

/** A function body under construction: instructions as bytes. */
export class Asm {
  readonly b: number[] = [];
  op(...bytes: number[]): this {
    append(this.b, bytes);
    return this;
  }
  simd(code: number): this {
    this.b.push(0xfd);
    uleb(code, this.b);
    return this;
  }
  mem(align: number, offset: number): this {
    uleb(align, this.b);
    uleb(offset, this.b);
    return this;
  }
  tee(i: number) {
    this.op(0x22);
    uleb(i, this.b);
    return this;
  }
  get(i: number) {
    this.op(0x20);
    uleb(i, this.b);
    return this;
  }
  set(i: number) {
    this.op(0x21);
    uleb(i, this.b);
    return this;
  }
  i32(v: number) {
    this.op(0x41);
    sleb(v, this.b);
    return this;
  }
  add = () => this.op(0x6a);
  sub = () => this.op(0x6b);
  mul = () => this.op(0x6c);
  gtU = () => this.op(0x4b);
  ltU = () => this.op(0x49);
  block = () => this.op(0x02, 0x40);
  loop = () => this.op(0x03, 0x40);
  end = () => this.op(0x0b);
  br(depth: number) {
    this.op(0x0c);
    uleb(depth, this.b);
    return this;
  }
  brIf(depth: number) {
    this.op(0x0d);
    uleb(depth, this.b);
    return this;
  }
  /** Loads one element as f64 (widening f32). */
  loadScalar(t: ElemType, offset: number) {
    if (t === "f64") return this.op(0x2b).mem(3, offset);
    return this.op(0x2a).mem(2, offset).op(0xbb); // f32.load, f64.promote_f32
  }
  /** Loads two consecutive elements as an f64x2 (widening f32). */
  loadPair(t: ElemType, offset: number) {
    if (t === "f64") return this.simd(0x00).mem(3, offset); // v128.load
    return this.simd(0x5d).mem(2, offset).simd(0x5f); // v128.load64_zero, f64x2.promote_low_f32x4
  }
  /** Loads one element as f32 (narrowing f64). */
  loadScalar32(t: ElemType, offset: number) {
    if (t === "f32") return this.op(0x2a).mem(2, offset); // f32.load
    return this.op(0x2b).mem(3, offset).op(0xb6); // f64.load, f32.demote_f64
  }
  /** Loads four consecutive elements as an f32x4 (narrowing f64: two f64x2 loads, demoted and joined). */
  loadQuad(t: ElemType, offset: number, addr: () => void) {
    if (t === "f32") return this.simd(0x00).mem(2, offset); // v128.load
    this.simd(0x00).mem(3, offset).simd(0x5e); // v128.load, f32x4.demote_f64x2_zero
    addr();
    this.simd(0x00).mem(3, offset + 16).simd(0x5e);
    return this.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]); // low halves of both
  }
  /** i8x16.shuffle of the two vectors on the stack. */
  /** v128.load32_splat / v128.load64_splat: one element loaded into every lane (one instruction, no scalar round trip). */
  loadSplat(t: ElemType, offset: number) {
    return t === "f32" ? this.simd(0x09).mem(2, offset) : this.simd(0x0a).mem(3, offset);
  }
  shuffle(lanes: readonly number[]) {
    this.simd(0x0d);
    append(this.b, lanes);
    return this;
  }
  storeScalar(offset: number) {
    return this.op(0x39).mem(3, offset); // f64.store
  }
  storePair(offset: number) {
    return this.simd(0x0b).mem(3, offset); // v128.store
  }
  storeScalar32(offset: number) {
    return this.op(0x38).mem(2, offset); // f32.store
  }
  storeQuad(offset: number) {
    return this.simd(0x0b).mem(2, offset); // v128.store of four f32
  }
  f64zero() {
    this.op(0x44);
    for (let i = 0; i < 8; i++) this.b.push(0);
    return this;
  }
  f32zero() {
    return this.op(0x43, 0, 0, 0, 0);
  }
  v128zero() {
    this.simd(0x0c);
    for (let i = 0; i < 16; i++) this.b.push(0);
    return this;
  }
  splat = () => this.simd(0x14); // f64x2.splat
  fadd = () => this.op(0xa0);
  fmul = () => this.op(0xa2);
  vadd = () => this.simd(0xf0); // f64x2.add
  vmul = () => this.simd(0xf2); // f64x2.mul
  splat32 = () => this.simd(0x13); // f32x4.splat
  fadd32 = () => this.op(0x92);
  fmul32 = () => this.op(0x94);
  vadd32 = () => this.simd(0xe4); // f32x4.add
  vmul32 = () => this.simd(0xe6); // f32x4.mul
  promote = () => this.op(0xbb); // f64.promote_f32
  eqz = () => this.op(0x45);
  /** fNxM.pmax (b < a ? a : b with a, b on the stack as pmax(a, b)): 0xeb for f32x4, 0xf7 for f64x2. */
  pmax(code: number) {
    return this.simd(code);
  }
  select = () => this.op(0x1b);
  shrU = () => this.op(0x76);
  and = () => this.op(0x71);
  or = () => this.op(0x72);
  eq = () => this.op(0x46);
  divU = () => this.op(0x6e);
  /** fNxM.extract_lane: 0x1f for f32x4, 0x21 for f64x2. */
  extract(code: number, lane: number) {
    this.simd(code);
    this.b.push(lane);
    return this;
  }
  promoteLow = () => this.simd(0x5f); // f64x2.promote_low_f32x4
}

// ---- the product kernel -------------------------------------------------------

export const bytesOf = (t: ElemType) => (t === "f64" ? 8 : 4);

// locals: params n, a, b, c, bias, out, part, parts; then i32 M, K, i, j, kk, pa, pb, pc, lo; v128 acc×8, bv×4, av; scalar acc×16, bs×4, as (f64 or f32)
const N_ARG = 0;
const A_ARG = 1;
const B_ARG = 2;
const C_ARG = 3;
const BIAS_ARG = 4;
const OUT_ARG = 5;
const PART_ARG = 6;
const PARTS_ARG = 7;
const M = 8;
const K = 9;
const I = 10;
const J = 11;
const KK = 12;
const PA = 13;
const PB = 14;
const PC = 15;
const LO = 16;
const VACC = 17; // 8
const VB = 25; // 4
const VA = 29;
const SACC = 30; // 16
const SB = 46; // 4
const SA = 50;
const ABASE = 51;
const CBASE = 52;
const OUTER = 53; // one counter per outer dimension, then the dot form's remainder counter
export const F32 = 0x7d;
const LOCALS = (outer: number, scalar: number): [number, number][] => [
  [9, I32],
  [13, V128],
  [21, scalar],
  [4 + outer, I32],
];

/** Steps per chunk of a long accumulating reduction. */
const K_CHUNK = 128;

/** A column chunk of a register block: one vector of lanes, or one scalar column, at column `col` of the block. */
interface Chunk {
  readonly vector: boolean;
  readonly col: number;
}

/**
 * The arithmetic of one precision: how operands load (as a splatted scalar
 * of A, a vector or scalar of B or C), how products accumulate, and how
 * accumulators store into C.
 */
interface Lanes {
  readonly width: number;
  readonly scalarType: number;
  /** Pushes A's element (address on the stack) splatted to a vector, or as a scalar. */
  readonly scalarLoad: (x: Asm, t: ElemType, offset: number) => void;
  readonly splat: (x: Asm) => void;
  /** Pushes A's element (address on the stack) splatted to a vector. */
  readonly splatLoad: (x: Asm, t: ElemType, offset: number) => void;
  /** Pushes a vector of `width` consecutive elements; `addr` pushes the address again (a second load). */
  readonly vectorLoad: (x: Asm, t: ElemType, offset: number, addr: () => void) => void;
  readonly vzero: (x: Asm) => void;
  readonly szero: (x: Asm) => void;
  readonly vmulAdd: (x: Asm) => void;
  readonly smulAdd: (x: Asm) => void;
  readonly sadd: (x: Asm) => void;
  /** Sets local `v` (a vector, or a scalar when `scalar`) to relu(v) = v > 0 ? v : 0 (NaN and −0 give 0, like the TypeScript op). */
  readonly relu: (x: Asm, v: number, scalar: boolean) => void;
  /** Pushes the sum of the lanes of vector local `v`. */
  readonly hsum: (x: Asm, v: number) => void;
  /** Stores the vector accumulator `acc` at `offset` from the address `addr` pushes, into C of element type `t`. */
  readonly vectorStore: (x: Asm, t: ElemType, acc: number, offset: number, addr: () => void) => void;
  readonly scalarStore: (x: Asm, t: ElemType, acc: number, offset: number, addr: () => void) => void;
}

const LANES: Record<ElemType, Lanes> = {
  f64: {
    width: 2,
    scalarType: F64,
    scalarLoad: (x, t, offset) => x.loadScalar(t, offset),
    splat: (x) => x.splat(),
    splatLoad: (x, t, offset) => (t === "f64" ? x.loadSplat("f64", offset) : x.loadScalar(t, offset).splat()),
    vectorLoad: (x, t, offset) => x.loadPair(t, offset),
    vzero: (x) => x.v128zero(),
    szero: (x) => x.f64zero(),
    vmulAdd: (x) => x.vmul().vadd(),
    smulAdd: (x) => x.fmul().fadd(),
    sadd: (x) => x.fadd(),
    relu: (x, v, scalar) => (scalar ? x.get(v).f64zero().get(v).f64zero().op(0x64).select() : x.v128zero().get(v).pmax(0xf7)).set(v), // f64.gt; f64x2.pmax
    hsum: (x, v) => x.get(v).extract(0x21, 0).get(v).extract(0x21, 1).fadd(),
    // f64 arithmetic only ever stores into a float64 C (nativeEligible)
    vectorStore: (x, _t, acc, offset, addr) => {
      addr();
      x.get(acc).storePair(offset);
    },
    scalarStore: (x, _t, acc, offset, addr) => {
      addr();
      x.get(acc).storeScalar(offset);
    },
  },
  f32: {
    width: 4,
    scalarType: F32,
    scalarLoad: (x, t, offset) => x.loadScalar32(t, offset),
    splat: (x) => x.splat32(),
    splatLoad: (x, t, offset) => (t === "f32" ? x.loadSplat("f32", offset) : x.loadScalar32(t, offset).splat32()),
    vectorLoad: (x, t, offset, addr) => x.loadQuad(t, offset, addr),
    vzero: (x) => x.v128zero(),
    szero: (x) => x.f32zero(),
    vmulAdd: (x) => x.vmul32().vadd32(),
    smulAdd: (x) => x.fmul32().fadd32(),
    sadd: (x) => x.fadd32(),
    relu: (x, v, scalar) => (scalar ? x.get(v).f32zero().get(v).f32zero().op(0x5e).select() : x.v128zero().get(v).pmax(0xeb)).set(v), // f32.gt; f32x4.pmax
    hsum: (x, v) => x.get(v).extract(0x1f, 0).get(v).extract(0x1f, 1).fadd32().get(v).extract(0x1f, 2).get(v).extract(0x1f, 3).fadd32().fadd32(),
    vectorStore: (x, t, acc, offset, addr) => {
      if (t === "f32") {
        addr();
        x.get(acc).storeQuad(offset);
        return;
      }
      // lanes 0–1 widen into the first f64x2, lanes 2–3 (moved down by a shuffle) into the second
      addr();
      x.get(acc).promoteLow().storePair(offset);
      addr();
      x.get(acc).get(acc).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]).promoteLow().storePair(offset + 16);
    },
    scalarStore: (x, t, acc, offset, addr) => {
      addr();
      if (t === "f32") x.get(acc).storeScalar32(offset);
      else x.get(acc).promote().storeScalar(offset);
    },
  },
};

export function gemmBody(g: WasmGemm): number[] {
  const { spec, types, bases } = g;
  const lanes = LANES[g.precision ?? "f64"];
  const w = lanes.width;
  const m = extent(spec.m)!;
  const n = extent(spec.n)!.per;
  const k = extent(spec.k)!;
  const ea = bytesOf(types.a);
  const eb = bytesOf(types.b);
  const ec = bytesOf(types.c);
  const { a, b, c } = spec;
  const vector = b.cols === 1 && c.cols === 1;
  const taps = tapOffsets(spec);
  const outer = spec.outer ?? [];
  const x = new Asm();
  /**
   * Long accumulating reductions (a kernel gradient sums over every sample
   * and position) run in chunks of K_CHUNK steps, all of C per chunk, so the
   * chunk's rows of A and B stay in cache across C's blocks.
   */
  const chunked = spec.accumulate && !(a.cols === 1 && b.rows === 1 && !vector) && (k.batch || k.per > K_CHUNK);
  const KC0 = OUTER + outer.length + 1;

  /** Pushes an extent: a constant, or the batch size times one. */
  const size = (e: { per: number; batch: boolean }) => {
    if (e.batch) x.get(N_ARG).i32(e.per).mul();
    else x.i32(e.per);
  };
  size(m);
  x.set(M);
  size(k);
  x.set(K);
  // part `part` of `parts` (0 parts: all of it) computes rows [lo, hi) of every C block, cut at multiples of 4 (see rowRange)
  x.get(PARTS_ARG).get(PARTS_ARG).eqz().or().set(PARTS_ARG);
  x.get(M).get(PART_ARG).mul().get(PARTS_ARG).divU().i32(-4).and().set(LO);
  x.get(M).get(M).get(PART_ARG).i32(1).add().mul().get(PARTS_ARG).divU().i32(-4).and();
  x.get(PART_ARG).i32(1).add().get(PARTS_ARG).eq().select().set(M);

  /** One register block: rows i..i+rows-1, columns j + chunk.col…; j is local J. */
  const block = (rows: number, chunks: readonly Chunk[]) => {
    // pa = A + (off + i·rows)·ea, pb = B + (off + j·cols)·eb, pc = C + (off + i·rows + j·cols)·ec
    x.get(ABASE).i32((bases.a + a.offset) * ea).add().get(I).i32(a.rows * ea).mul().add().set(PA);
    x.get(B_ARG).i32((bases.b + b.offset) * eb).add().get(J).i32(b.cols * eb).mul().add().set(PB);
    x.get(CBASE).i32((bases.c + c.offset) * ec).add().get(I).i32(c.rows * ec).mul().add().get(J).i32(c.cols * ec).mul().add().set(PC);
    if (chunked) {
      // this k chunk: A and B start KC0 steps in, KK = min(KC, K − KC0) steps
      x.get(PA).get(KC0).i32(a.cols * ea).mul().add().set(PA);
      x.get(PB).get(KC0).i32(b.rows * eb).mul().add().set(PB);
    }
    const acc = (r: number, h: number) => (chunks[h]!.vector ? VACC + r * 2 + h : SACC + r * 4 + h);
    const cOffset = (r: number, h: number) => (r * c.rows + chunks[h]!.col * c.cols) * ec;
    const pc = () => x.get(PC);
    const pb = () => x.get(PB);
    if (spec.bias) {
      // C starts at the bias row: one load per chunk, copied into every row's accumulator
      const tb = types.bias ?? "f64";
      const eBias = bytesOf(tb);
      const at = () => x.get(BIAS_ARG).get(J).i32(eBias).mul().add();
      chunks.forEach((ch, h) => {
        const offset = ((bases.bias ?? 0) + spec.bias!.offset + ch.col) * eBias;
        at();
        if (ch.vector) lanes.vectorLoad(x, tb, offset, at);
        else lanes.scalarLoad(x, tb, offset);
        x.set(ch.vector ? VB + h : SB + h);
        for (let r = 0; r < rows; r++) x.get(ch.vector ? VB + h : SB + h).set(acc(r, h));
      });
    } else {
      for (let r = 0; r < rows; r++) {
        chunks.forEach((ch, h) => {
          const load = () => {
            x.get(PC);
            if (ch.vector) lanes.vectorLoad(x, types.c, cOffset(r, h), pc);
            else lanes.scalarLoad(x, types.c, cOffset(r, h));
          };
          const zero = () => (ch.vector ? lanes.vzero(x) : lanes.szero(x));
          if (spec.accumulate && spec.overwrite !== true) load();
          else if (spec.accumulate && chunked) {
            // overwrite: the first chunk starts from zero, the later ones from what the earlier ones stored
            zero();
            load();
            x.get(KC0).eqz().select();
          } else zero();
          x.set(acc(r, h));
        });
      }
    }
    if (chunked) x.i32(K_CHUNK).get(K).get(KC0).sub().tee(KK).get(KK).i32(K_CHUNK).gtU().select().set(KK);
    else x.get(K).set(KK);
    x.loop();
    const anyVector = chunks.some((ch) => ch.vector);
    const anyScalar = chunks.some((ch) => !ch.vector);
    if (anyScalar && anyVector) throw new Error("layerc internal error: mixed register block");
    // constant taps unroll inside the reduction: their shifts are load offsets
    for (const tap of taps) {
      chunks.forEach((ch, h) => {
        x.get(PB);
        const offset = (ch.col * b.cols + tap.b) * eb;
        if (ch.vector) lanes.vectorLoad(x, types.b, offset, pb);
        else lanes.scalarLoad(x, types.b, offset);
        x.set(ch.vector ? VB + h : SB + h);
      });
      for (let r = 0; r < rows; r++) {
        x.get(PA);
        if (anyVector && taps.length === 1 && rows > 1) lanes.splatLoad(x, types.a, (r * a.rows + tap.a) * ea);
        else {
          lanes.scalarLoad(x, types.a, (r * a.rows + tap.a) * ea);
          if (anyVector) lanes.splat(x);
        }
        x.set(anyVector ? VA : SA);
        chunks.forEach((ch, h) => {
          if (ch.vector) {
            x.get(acc(r, h)).get(VA).get(VB + h);
            lanes.vmulAdd(x);
          } else {
            x.get(acc(r, h)).get(SA).get(SB + h);
            lanes.smulAdd(x);
          }
          x.set(acc(r, h));
        });
      }
    }
    x.get(PA).i32(a.cols * ea).add().set(PA);
    x.get(PB).i32(b.rows * eb).add().set(PB);
    x.get(KK).i32(1).sub().set(KK).get(KK).brIf(0);
    x.end();
    // the epilogue: relu into C itself, or C kept (the pre-activation) and relu(C) stored at the same place in `out`;
    // with `affine`, the final value v becomes v·scale[j] + shift[j] (scale and shift n and 2n past the bias)
    const inPlace = spec.relu !== undefined && spec.relu.buf === c.buf;
    const po = () => x.get(PC).get(C_ARG).sub().get(OUT_ARG).add();
    const affine = (r: number, h: number) => {
      if (!spec.affine) return;
      const ch = chunks[h]!;
      const tb = types.bias ?? "f64";
      const eBias = bytesOf(tb);
      const at = () => x.get(BIAS_ARG).get(J).i32(eBias).mul().add();
      const load = (row: number) => {
        const offset = ((bases.bias ?? 0) + spec.bias!.offset + row * n + ch.col) * eBias;
        at();
        if (ch.vector) lanes.vectorLoad(x, tb, offset, at);
        else lanes.scalarLoad(x, tb, offset);
      };
      // shift + v·scale
      load(2);
      x.get(acc(r, h));
      load(1);
      if (ch.vector) lanes.vmulAdd(x);
      else lanes.smulAdd(x);
      x.set(acc(r, h));
    };
    // the final value: relu then the affine map, or (reluLast) the map then relu
    const final = (r: number, h: number) => {
      if (!spec.reluLast) lanes.relu(x, acc(r, h), !chunks[h]!.vector);
      affine(r, h);
      if (spec.reluLast) lanes.relu(x, acc(r, h), !chunks[h]!.vector);
    };
    for (let r = 0; r < rows; r++) {
      chunks.forEach((ch, h) => {
        if (inPlace) final(r, h);
        else if (!spec.relu) affine(r, h);
        if (ch.vector) lanes.vectorStore(x, types.c, acc(r, h), cOffset(r, h), pc);
        else lanes.scalarStore(x, types.c, acc(r, h), cOffset(r, h), pc);
        if (spec.relu && !inPlace) {
          final(r, h);
          if (ch.vector) lanes.vectorStore(x, types.c, acc(r, h), cOffset(r, h), po);
          else lanes.scalarStore(x, types.c, acc(r, h), cOffset(r, h), po);
        }
      });
    }
  };

  /** All columns for the rows at i: full blocks (two vectors, or 4 scalar columns) in a loop, then the remainder. */
  const columns = (rows: number) => {
    const span = vector ? 2 * w : 4;
    const full = Math.floor(n / span);
    const main: Chunk[] = vector
      ? [
          { vector: true, col: 0 },
          { vector: true, col: w },
        ]
      : [0, 1, 2, 3].map((col) => ({ vector: false, col }));
    if (full > 0) {
      x.i32(0).set(J);
      x.loop();
      block(rows, main);
      x.get(J).i32(span).add().set(J).get(J).i32(full * span).ltU().brIf(0);
      x.end();
    }
    let j = full * span;
    if (vector && n - j >= w) {
      x.i32(j).set(J);
      block(rows, [{ vector: true, col: 0 }]);
      j += w;
    }
    for (; j < n; j++) {
      x.i32(j).set(J);
      block(rows, [{ vector: false, col: 0 }]);
    }
  };

  /**
   * The dot form, for products whose A rows and B columns are both
   * contiguous along k but whose B columns are not (B is a transposed
   * matrix, e.g. an input gradient dY·Wᵀ): a block of rows × 2 columns keeps
   * one vector accumulator per element of C, reduces k a vector of lanes at a
   * time, the k remainder in scalars, and adds the lanes at the end.
   */
  const dot = !vector && a.cols === 1 && b.rows === 1 && taps.length === 1 && taps[0]!.a === 0 && taps[0]!.b === 0 && !spec.bias && !spec.relu && !spec.affine;
  const KR = OUTER + outer.length;
  // 4 rows × 2 columns of accumulators; 2 × 4 when A's rows are narrowed from float64 (each one then serves 4 columns)
  const dotShape = g.precision === "f32" && types.a === "f64" && types.b === "f32" ? { rows: 2, cols: 4 } : { rows: 4, cols: 2 };
  const dotBlock = (rows: number, cols: number) => {
    x.get(ABASE).i32((bases.a + a.offset) * ea).add().get(I).i32(a.rows * ea).mul().add().set(PA);
    x.get(B_ARG).i32((bases.b + b.offset) * eb).add().get(J).i32(b.cols * eb).mul().add().set(PB);
    x.get(CBASE).i32((bases.c + c.offset) * ec).add().get(I).i32(c.rows * ec).mul().add().get(J).i32(c.cols * ec).mul().add().set(PC);
    const vacc = (r: number, h: number) => VACC + r * dotShape.cols + h;
    const sacc = (r: number, h: number) => SACC + r * 4 + h;
    const pa = () => x.get(PA);
    const pb = () => x.get(PB);
    for (let r = 0; r < rows; r++) {
      for (let h = 0; h < cols; h++) {
        lanes.vzero(x);
        x.set(vacc(r, h));
        lanes.szero(x);
        x.set(sacc(r, h));
      }
    }
    // k / lanes vector steps, then k mod lanes scalar steps
    x.get(K).i32(Math.log2(w)).shrU().set(KK);
    x.get(K).i32(w - 1).and().set(KR);
    x.block().loop();
    x.get(KK).eqz().brIf(1);
    for (let h = 0; h < cols; h++) {
      x.get(PB);
      lanes.vectorLoad(x, types.b, h * b.cols * eb, pb);
      x.set(VB + h);
    }
    for (let r = 0; r < rows; r++) {
      x.get(PA);
      lanes.vectorLoad(x, types.a, r * a.rows * ea, pa);
      x.set(VA);
      for (let h = 0; h < cols; h++) {
        x.get(vacc(r, h)).get(VA).get(VB + h);
        lanes.vmulAdd(x);
        x.set(vacc(r, h));
      }
    }
    x.get(PA).i32(w * ea).add().set(PA);
    x.get(PB).i32(w * eb).add().set(PB);
    x.get(KK).i32(1).sub().set(KK);
    x.br(0).end().end();
    x.block().loop();
    x.get(KR).eqz().brIf(1);
    for (let h = 0; h < cols; h++) {
      x.get(PB);
      lanes.scalarLoad(x, types.b, h * b.cols * eb);
      x.set(SB + h);
    }
    for (let r = 0; r < rows; r++) {
      x.get(PA);
      lanes.scalarLoad(x, types.a, r * a.rows * ea);
      x.set(SA);
      for (let h = 0; h < cols; h++) {
        x.get(sacc(r, h)).get(SA).get(SB + h);
        lanes.smulAdd(x);
        x.set(sacc(r, h));
      }
    }
    x.get(PA).i32(ea).add().set(PA);
    x.get(PB).i32(eb).add().set(PB);
    x.get(KR).i32(1).sub().set(KR);
    x.br(0).end().end();
    const pc = () => x.get(PC);
    for (let r = 0; r < rows; r++) {
      for (let h = 0; h < cols; h++) {
        const offset = (r * c.rows + h * c.cols) * ec;
        lanes.hsum(x, vacc(r, h));
        x.get(sacc(r, h));
        lanes.sadd(x);
        if (spec.accumulate && spec.overwrite !== true) {
          x.get(PC);
          lanes.scalarLoad(x, types.c, offset);
          lanes.sadd(x);
        }
        x.set(sacc(r, h));
        lanes.scalarStore(x, types.c, sacc(r, h), offset, pc);
      }
    }
  };
  const dotColumns = (rows: number) => {
    const span = dotShape.cols;
    const full = Math.floor(n / span);
    if (full > 0) {
      x.i32(0).set(J);
      x.loop();
      dotBlock(rows, span);
      x.get(J).i32(span).add().set(J).get(J).i32(full * span).ltU().brIf(0);
      x.end();
    }
    for (let j = full * span; j < n; j++) {
      x.i32(j).set(J);
      dotBlock(rows, 1);
    }
  };

  /** Rows in blocks of `rows` while at least that many remain. */
  const rowLoop = (rows: number) => {
    x.block().loop();
    x.get(I).i32(rows).add().get(M).gtU().brIf(1);
    if (dot) dotColumns(rows);
    else columns(rows);
    x.get(I).i32(rows).add().set(I);
    x.br(0).end().end();
  };
  /** Outer dimensions from `d` on, each a counted loop shifting the A and C bases. */
  const outerLoops = (d: number) => {
    const o = outer[d];
    if (!o) {
      if (chunked) x.i32(0).set(KC0).loop();
      x.get(LO).set(I);
      rowLoop(dot ? dotShape.rows : 4);
      rowLoop(1);
      if (chunked) x.get(KC0).i32(K_CHUNK).add().tee(KC0).get(K).ltU().brIf(0).end();
      return;
    }
    const e = extent(o.size)!;
    size(e);
    x.set(OUTER + d);
    x.loop();
    outerLoops(d + 1);
    x.get(ABASE).i32(o.a * ea).add().set(ABASE);
    x.get(CBASE).i32(o.c * ec).add().set(CBASE);
    x.get(OUTER + d).i32(1).sub().set(OUTER + d).get(OUTER + d).brIf(0);
    x.end();
    // back to this level's start for the enclosing loop's next step
    x.get(ABASE);
    size(e);
    x.i32(o.a * ea).mul().sub().set(ABASE);
    x.get(CBASE);
    size(e);
    x.i32(o.c * ec).mul().sub().set(CBASE);
  };
  x.get(A_ARG).set(ABASE);
  x.get(C_ARG).set(CBASE);
  outerLoops(0);
  x.end();

  return functionBody(LOCALS(outer.length, lanes.scalarType), x);
}

/** A function body: its local declarations ([count, type] runs), then the instructions. */
export function functionBody(locals: readonly (readonly [number, number])[], x: Asm): number[] {
  const out: number[] = [];
  uleb(locals.length, out);
  for (const [count, type] of locals) {
    uleb(count, out);
    out.push(type);
  }
  append(out, x.b);
  return out;
}

/** Name of the custom section saying how each kernel's calls may be split (KernelSplit; read by src/runtime/threads.ts). */
export const WORK_SECTION = "layerc.work";

/** The module of a model's products: one exported function per product. */
export function gemmModule(gemms: readonly WasmGemm[]): Uint8Array {
  return kernelModule(gemms.map(gemmKernel));
}

/**
 * How the runtime may split a kernel's calls into parts (src/runtime/threads.ts):
 * `rows` — a product computes rows of C per part (its `part, parts`
 * arguments; see rowSplittable); `samples` — each part calls the kernel on a
 * range of samples, every address argument moved by its bytes per sample
 * (`strides`, for arguments 1–5; 0 for parameters). `work`: multiply-adds
 * (or element operations) per sample, for the size threshold.
 */
export type KernelSplit = { readonly kind: "rows"; readonly work: number } | { readonly kind: "samples"; readonly work: number; readonly strides: readonly number[] };

/** One kernel of a module: its export name, its body, whether it takes (part, parts), and how its calls may be split (none: never). */
export interface ModuleKernel {
  readonly name: string;
  readonly body: () => number[];
  readonly product?: boolean;
  readonly split?: KernelSplit;
  /** Parameter types of a kernel with a signature of its own (elementwise loops: wasm-map.ts). */
  readonly params?: readonly number[];
}

/** A product as a module kernel. */
export const gemmKernel = (g: WasmGemm): ModuleKernel => ({
  name: g.name,
  body: () => gemmBody(g),
  product: true,
  ...(rowSplittable(g.spec) ? { split: { kind: "rows", work: productWork(g.spec) } } : {}),
});

/**
 * The module: imports `env.memory`, exports one function per kernel (products
 * here, window operations from wasm-window.ts). A custom section says how
 * each kernel's calls may be split (WORK_SECTION).
 */
export function kernelModule(kernels: readonly ModuleKernel[]): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // two types: (n, a, b, c, bias, out: i32) -> () and the same with (part, parts) (products); kernels ignore the arguments they do not need
  // then one type per distinct signature of the kernels that have their own
  const own = [...new Set(kernels.flatMap((g) => (g.params ? [g.params.join(",")] : [])))];
  const types = [2 + own.length, 0x60, 6, I32, I32, I32, I32, I32, I32, 0, 0x60, 8, I32, I32, I32, I32, I32, I32, I32, I32, 0];
  for (const sig of own) {
    const params = sig.split(",").map(Number);
    types.push(0x60, params.length, ...params, 0);
  }
  section(1, types, out);
  const imports: number[] = [1];
  name("env", imports);
  name("memory", imports);
  imports.push(0x02, 0x00, 0x00); // memory, limits: min 0, no max
  section(2, imports, out);
  const funcs: number[] = [];
  uleb(kernels.length, funcs);
  for (const g of kernels) funcs.push(g.params ? 2 + own.indexOf(g.params.join(",")) : g.product ? 1 : 0);
  section(3, funcs, out);
  const exports: number[] = [];
  uleb(kernels.length, exports);
  kernels.forEach((g, i) => {
    name(g.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  uleb(kernels.length, code);
  for (const g of kernels) {
    const body = g.body();
    uleb(body.length, code);
    append(code, body);
  }
  section(10, code, out);
  // custom section: how each function's calls may be split, in export order (src/runtime/threads.ts)
  const work: number[] = [];
  name(WORK_SECTION, work);
  // per kernel: 0 (never split); 1, work (rows); 2, work, 5 strides (samples)
  for (const g of kernels) {
    const sp = g.split;
    if (sp === undefined) work.push(0);
    else if (sp.kind === "rows") {
      work.push(1);
      uleb(sp.work, work);
    } else {
      work.push(2);
      uleb(sp.work, work);
      for (let i = 0; i < 5; i++) uleb(sp.strides[i] ?? 0, work);
    }
  }
  section(0, work, out);
  return Uint8Array.from(out);
}
