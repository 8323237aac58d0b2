/**
 * Native kernels for window operations (src/kernel/window.ts): im2col
 * gathers, col2im scatters, max/average pooling and their gradients, as
 * WebAssembly functions with the whole geometry baked in; and the depthwise
 * convolution's forward and gradients. They live in the model's module
 * beside the products (wasm.ts) and take the same arguments: (n, image,
 * windows, source, mask or depthwise kernel, bias, relu output), the batch
 * size and byte addresses.
 *
 * Every operation walks (sample, window position…, tap…) with integer
 * counters and tests each tap's input position with one unsigned compare
 * per axis that can leave the input. Channels are the contiguous innermost
 * axis on both sides, so they are the vector lanes: f64x2 when some operand
 * is float64, f32x4 when all are float32, then scalar for the remainder.
 * Copies (gather, scatter) run taps outside and channels inside; reductions
 * (pooling) keep a vector of channels in registers across the window's taps;
 * depthwise products run taps outside and unrolled channel chunks inside,
 * accumulating in memory (the window's outputs or the kernel gradient stay
 * in L1), with lanes gathered where the depth multiplier spreads them.
 * The arithmetic is the loop nest's: the same summation order (so float64
 * results are identical), max by strict `>` (pmax / gt + bitselect), and
 * the arg-max of max_grad is the first maximum in tap order, 0 when none.
 */
import { writesImage, type Window } from "../../kernel/window.js";
import { extent } from "../../kernel/gemm.js";
import { Asm, bytesOf, F32, F64, I32, uleb, V128, type ElemType, type KernelSplit } from "./wasm.js";

export interface WasmWindow {
  readonly name: string;
  readonly spec: Window;
  readonly types: {
    readonly image: ElemType;
    readonly windows: ElemType;
    readonly source?: ElemType;
    readonly mask?: ElemType;
    readonly weights?: ElemType;
    readonly bias?: ElemType;
    readonly relu?: ElemType;
  };
  /** Element offsets of the depthwise kernel and bias inside their arrays (parameters, gradients). */
  readonly bases?: { readonly weights: number; readonly bias: number };
}

// locals: params n, image, windows, source (then two unused); i32 locals, v128 locals, scalar locals
const N_ARG = 0;
const IMAGE_ARG = 1;
const WIN_ARG = 2;
const SRC_ARG = 3;
const OUT_ARG = 5;
const SAMPLES = 6;
const PIN = 7; // image sample base
const PW = 8; // windows pointer (advances in memory order)
const PSRC = 9; // source sample base
const COFF = 10; // channel offset of the current chunk
const CELL = 11; // image element index within the sample (position·C + COFF)
const INSIDE = 12;
const LIN = 14;
const A1 = 15;
const LOOP = 17;
const SIDX = 18;
const HI = 19;
const LO = 20;
const R1 = 21; // running pointers of a looped channel run
const R2 = 22;
const TAP = 23; // linear tap index (depthwise)
const WBASE = 24; // depthwise kernel (or gradient) address
const BBASE = 25; // bias address
const KT = 26; // the kernel at the current tap
const AXIS = 27; // 4 per axis: window counter, window start, tap counter, tap position
const MAX_AXES = 4;
const N_I32 = AXIS - 6 + 4 * MAX_AXES;
const VBASE = 6 + N_I32;
const ACC = VBASE;
const VAL = VBASE + 1;
const IDX = VBASE + 2;
const MASK = VBASE + 3;
const GS = VBASE + 4;
const N_V = 5;
const SBASE = VBASE + N_V;
const SACC = SBASE;
const SVAL = SBASE + 1;
const SGS = SBASE + 2;
const FCOUNT = SBASE + 3;
const N_S = 4;

/** Channel vectors at or below this many are unrolled in copies; longer runs loop. */
const UNROLL_VECTORS = 8;

/** The arithmetic of one precision over operands of either element type. */
class Lanes {
  readonly width: number;
  constructor(
    readonly x: Asm,
    readonly p: ElemType,
  ) {
    this.width = p === "f64" ? 2 : 4;
  }
  /** Vector of `width` elements of type `t` at (address on the stack) + offset. */
  vload(t: ElemType, offset: number) {
    if (this.p === "f32") return this.x.simd(0x00).mem(2, offset);
    if (t === "f64") return this.x.simd(0x00).mem(3, offset);
    return this.x.simd(0x5d).mem(2, offset).simd(0x5f); // v128.load64_zero, f64x2.promote_low_f32x4
  }
  /** Stores the vector on the stack (address below it) as `width` elements of type `t`. */
  vstore(t: ElemType, offset: number) {
    if (this.p === "f32" || t === "f64") return this.x.simd(0x0b).mem(this.p === "f32" ? 2 : 3, offset);
    this.x.simd(0x5e).simd(0x5b).mem(2, offset); // f32x4.demote_f64x2_zero, v128.store64_lane 0
    this.x.b.push(0);
    return this.x;
  }
  sload(t: ElemType, offset: number) {
    if (t === "f64") return this.x.op(0x2b).mem(3, offset);
    this.x.op(0x2a).mem(2, offset);
    return this.p === "f64" ? this.x.op(0xbb) : this.x; // f64.promote_f32
  }
  sstore(t: ElemType, offset: number) {
    if (t === "f64") return this.x.op(0x39).mem(3, offset);
    if (this.p === "f64") this.x.op(0xb6); // f32.demote_f64
    return this.x.op(0x38).mem(2, offset);
  }
  vconst(bytes: readonly number[]) {
    this.x.simd(0x0c);
    for (const b of bytes) this.x.b.push(b);
    return this.x;
  }
  vzero = () => this.vconst(new Array<number>(16).fill(0));
  vneginf = () => this.vconst(this.p === "f64" ? [0, 0, 0, 0, 0, 0, 0xf0, 0xff, 0, 0, 0, 0, 0, 0, 0xf0, 0xff] : [0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff]);
  szero = () => (this.p === "f64" ? this.x.f64zero() : this.x.f32zero());
  sneginf = () => (this.p === "f64" ? this.x.op(0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0xff) : this.x.op(0x43, 0, 0, 0x80, 0xff));
  vadd = () => this.x.simd(this.p === "f64" ? 0xf0 : 0xe4);
  vdiv = () => this.x.simd(this.p === "f64" ? 0xf3 : 0xe7);
  vmax = () => this.x.simd(this.p === "f64" ? 0xf7 : 0xeb); // pmax(a, b) = a < b ? b : a
  vgt = () => this.x.simd(this.p === "f64" ? 0x4a : 0x44);
  vsplat = () => this.x.simd(this.p === "f64" ? 0x14 : 0x13);
  sadd = () => this.x.op(this.p === "f64" ? 0xa0 : 0x92);
  sdiv = () => this.x.op(this.p === "f64" ? 0xa3 : 0x95);
  sgt = () => this.x.op(this.p === "f64" ? 0x64 : 0x5e);
  /** i32 on the stack → a float of this precision. */
  fromInt = () => this.x.op(this.p === "f64" ? 0xb7 : 0xb2);
  /** An index vector (i64x2 or i32x4 lanes, matching the float lanes) of the i32 on the stack plus 0, 1, …. */
  indexVector() {
    if (this.p === "f64") {
      this.x.op(0xad).simd(0x12); // i64.extend_i32_u, i64x2.splat
      this.vconst([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
      return this.x.simd(0xce); // i64x2.add
    }
    this.x.simd(0x11); // i32x4.splat
    this.vconst([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
    return this.x.simd(0xae); // i32x4.add
  }
  /** Replaces lane `l` of the vector below the scalar on the stack. */
  replaceLane(l: number) {
    this.x.simd(this.p === "f64" ? 0x22 : 0x20).b.push(l);
    return this.x;
  }
  vmul = () => this.x.simd(this.p === "f64" ? 0xf2 : 0xe6);
  smul = () => this.x.op(this.p === "f64" ? 0xa2 : 0x94);
  /** Lane `l` of the index vector local `v`, as an i32. */
  indexLane(v: number, l: number) {
    this.x.get(v);
    if (this.p === "f64") {
      this.x.simd(0x1d).b.push(l);
      return this.x.op(0xa7); // i32.wrap_i64
    }
    this.x.simd(0x1b).b.push(l);
    return this.x;
  }
}

export function windowBody(k: WasmWindow): number[] {
  const { spec: w, types } = k;
  const p: ElemType = [types.image, types.windows, types.source, types.mask, types.weights, types.bias, types.relu].includes("f64") ? "f64" : "f32";
  const x = new Asm();
  const v = new Lanes(x, p);
  const W = v.width;
  const C = w.channels;
  const axes = w.axes;
  if (axes.length > MAX_AXES) throw new Error("layerc internal error: too many window axes");
  const ei = bytesOf(types.image);
  const ew = bytesOf(types.windows);
  const es = bytesOf(types.source ?? "f64");
  const imageSample = axes.reduce((n, a) => n * a.L, 1) * C;
  /** A masked average's weights, one per position: passed where a source goes, and moved by their own sample size. */
  const em = bytesOf(types.mask ?? "f64");
  const sourceSample = w.mask !== undefined ? (imageSample / C) * em : imageSample * es;
  /** Elements between consecutive positions of axis `i` in the image, divided by C. */
  const stride = axes.map((_, i) => axes.slice(i + 1).reduce((n, a) => n * a.L, 1));
  const checked = axes.map((a) => a.before > 0 || (a.out - 1) * a.s + (a.k - 1) * a.d - a.before >= a.L);
  const depthwise = w.op.startsWith("depthwise");
  const dm = w.multiplier ?? 1;
  /** Channels of the window side: C·dm for depthwise operations. */
  const J = depthwise ? C * dm : C;
  const tapStride = axes.map((_, i) => axes.slice(i + 1).reduce((n, a) => n * a.k, 1));
  const O = (i: number) => AXIS + 4 * i;
  const P = (i: number) => AXIS + 4 * i + 1;
  const T = (i: number) => AXIS + 4 * i + 2;
  const Q = (i: number) => AXIS + 4 * i + 3;

  /** do { body } while (--counter), for a constant count > 0. */
  const counted = (counter: number, count: number, body: () => void) => {
    x.i32(count).set(counter).loop();
    body();
    x.get(counter).i32(1).sub().tee(counter).brIf(0).end();
  };
  /** Window positions on axes i…, then `body` at each (window starts P). */
  const windowLoops = (i: number, body: () => void) => {
    if (i === axes.length) return body();
    const a = axes[i]!;
    x.i32(-a.before).set(P(i));
    counted(O(i), a.out, () => {
      windowLoops(i + 1, body);
      x.get(P(i)).i32(a.s).add().set(P(i));
    });
  };
  /** Taps on axes i…, then `body` with LIN (the position's index / C) and, where some axis can leave, INSIDE. */
  const tapLoops = (i: number, body: () => void) => {
    if (i === axes.length) {
      x.i32(0);
      axes.forEach((_, j) => x.get(Q(j)).i32(stride[j]!).mul().add());
      x.set(LIN);
      if (depthwise) {
        // taps count down: the tap index on axis j is k − T
        x.i32(0);
        axes.forEach((a, j) => x.i32(a.k).get(T(j)).sub().i32(tapStride[j]!).mul().add());
        x.set(TAP);
      }
      if (checked.some((c) => c)) {
        let first = true;
        axes.forEach((a, j) => {
          if (!checked[j]) return;
          x.get(Q(j)).i32(a.L).ltU();
          if (!first) x.and();
          first = false;
        });
        x.set(INSIDE);
      }
      return body();
    }
    const a = axes[i]!;
    x.get(P(i)).set(Q(i));
    counted(T(i), a.k, () => {
      tapLoops(i + 1, body);
      x.get(Q(i)).i32(a.d).add().set(Q(i));
    });
  };
  /** `then` where the tap is inside the input, `otherwise` in the padding. */
  const ifInside = (then: () => void, otherwise?: () => void) => {
    if (!checked.some((c) => c)) return then();
    x.get(INSIDE).op(0x04, 0x40); // if
    then();
    if (otherwise) {
      x.op(0x05); // else
      otherwise();
    }
    x.end();
  };

  /**
   * One run of C channels from `src` (type ts) to `dst` (type td): a copy, a
   * zero fill (no src), or dst += src; pointers are locals, unchanged.
   */
  const run = (mode: "copy" | "zero" | "add", src: number, ts: ElemType, dst: number, td: ElemType) => {
    const [esrc, edst] = [bytesOf(ts), bytesOf(td)];
    const nvec = Math.floor(C / W);
    /** One element (`vector` false) or one vector of lanes. */
    const step = (vector: boolean, s: number, so: number, d: number, dO: number) => {
      const load = (t: ElemType, offset: number) => (vector ? v.vload(t, offset) : v.sload(t, offset));
      x.get(d);
      if (mode === "zero") {
        if (vector) v.vzero();
        else v.szero();
      } else {
        x.get(s);
        load(ts, so);
        if (mode === "add") {
          x.get(d);
          load(td, dO);
          if (vector) v.vadd();
          else v.sadd();
        }
      }
      if (vector) v.vstore(td, dO);
      else v.sstore(td, dO);
    };
    let [s, d, so, dO] = [src, dst, 0, 0];
    if (nvec <= UNROLL_VECTORS) {
      for (let q = 0; q < nvec; q++) step(true, src, q * W * esrc, dst, q * W * edst);
      [so, dO] = [nvec * W * esrc, nvec * W * edst];
    } else {
      if (mode !== "zero") x.get(src).set(R1);
      x.get(dst).set(R2);
      counted(LOOP, nvec, () => {
        step(true, R1, 0, R2, 0);
        if (mode !== "zero") x.get(R1).i32(W * esrc).add().set(R1);
        x.get(R2).i32(W * edst).add().set(R2);
      });
      [s, d] = [R1, R2];
    }
    for (let c = 0; c < C - nvec * W; c++) step(false, s, so + c * esrc, d, dO + c * edst);
  };

  /** Image address of the tap (LIN) and channel 0 into A1 (gather/scatter). */
  const imageAddress = () => x.get(PIN).get(LIN).i32(C * ei).mul().add().set(A1);

  const samples = extent(w.batch)!;
  x.get(N_ARG).i32(samples.per).mul().set(SAMPLES);
  x.get(IMAGE_ARG).set(PIN).get(WIN_ARG).set(PW).get(SRC_ARG).set(PSRC);
  if (writesImage(w.op)) {
    // the image (dx) is a sum over windows: zero it first
    x.get(PIN).i32(0).get(SAMPLES).i32(imageSample * ei).mul().op(0xfc, 0x0b, 0x00); // memory.fill
  }
  x.block().loop();
  x.get(SAMPLES).eqz().brIf(1);
  if (depthwise) {
    x.get(SRC_ARG).i32((k.bases?.weights ?? 0) * bytesOf(types.weights ?? "f64")).add().set(WBASE);
    x.get(4).i32((k.bases?.bias ?? 0) * bytesOf(types.bias ?? "f64")).add().set(BBASE);
  }
  windowLoops(0, () => {
    if (depthwise) {
      depthwiseAt(w.op);
      x.get(PW).i32(J * ew).add().set(PW);
      return;
    }
    if (w.op === "gather" || w.op === "scatter") {
      tapLoops(0, () => {
        imageAddress();
        if (w.op === "gather")
          ifInside(
            () => run("copy", A1, types.image, PW, types.windows),
            () => run("zero", A1, types.image, PW, types.windows),
          );
        else ifInside(() => run("add", PW, types.windows, A1, types.image));
        x.get(PW).i32(C * ew).add().set(PW);
      });
      return;
    }
    pool(w.op);
    x.get(PW).i32(C * ew).add().set(PW);
  });
  x.get(PIN).i32(imageSample * ei).add().set(PIN);
  x.get(PSRC).i32(sourceSample).add().set(PSRC);
  x.get(SAMPLES).i32(1).sub().set(SAMPLES);
  x.br(0).end().end();
  x.end();

  /** The mask at the current tap (LIN), as a scalar of the precision. */
  function maskAtTap() {
    x.get(PSRC).get(LIN).i32(em).mul().add();
    v.sload(types.mask ?? "f64", 0);
  }

  /** Taps inside the current window, into FCOUNT (average windows; dilation 1); with a mask, the mask's sum over them. */
  function insideCount() {
    if (w.mask !== undefined) {
      v.szero();
      x.set(FCOUNT);
      tapLoops(0, () =>
        ifInside(() => {
          x.get(FCOUNT);
          maskAtTap();
          v.sadd();
          x.set(FCOUNT);
        }),
      );
      return;
    }
    x.i32(1);
    axes.forEach((a, i) => {
      if (!checked[i]) return x.i32(a.k).mul();
      // min(L, start + k) − max(0, start)
      x.get(P(i)).i32(a.k).add().set(HI);
      x.i32(a.L).get(HI).get(HI).i32(a.L).op(0x4a).select().set(HI); // i32.gt_s
      x.i32(0).get(P(i)).get(P(i)).i32(0).op(0x48).select().set(LO); // i32.lt_s
      x.get(HI).get(LO).sub().mul();
    });
    v.fromInt();
    x.set(FCOUNT);
  }

  /** One window position of a pooling operation: channel vectors, then the scalar remainder. */
  function pool(op: Window["op"]) {
    if (op === "avg" || op === "avg_grad") insideCount();
    const nvec = Math.floor(C / W);
    /** The value on the stack times the mask at the tap (splat over the lanes of a vector). */
    const weigh = (vector: boolean) => {
      maskAtTap();
      if (vector) {
        v.vsplat();
        v.vmul();
      } else v.smul();
    };
    const chunk = (vector: boolean) => {
      const winAt = () => x.get(PW).get(COFF).i32(ew).mul().add();
      // the CELL index (and the image/source addresses from it) at each inside tap
      const cell = () => x.get(LIN).i32(C).mul().get(COFF).add().set(CELL);
      const imageAt = () => x.get(PIN).get(CELL).i32(ei).mul().add();
      const sourceAt = () => x.get(PSRC).get(CELL).i32(es).mul().add();
      const acc = vector ? ACC : SACC;
      const load = (t: ElemType, at: () => void) => {
        at();
        if (vector) v.vload(t, 0);
        else v.sload(t, 0);
      };
      switch (op) {
        case "max":
        case "avg": {
          // acc starts at −∞ (max) or 0 (avg), takes every inside tap, and is stored (avg: divided by the count)
          if (op === "max") {
            if (vector) v.vneginf();
            else v.sneginf();
          } else if (vector) v.vzero();
          else v.szero();
          x.set(acc);
          tapLoops(0, () =>
            ifInside(() => {
              cell();
              if (op === "avg" || vector) {
                x.get(acc);
                load(types.image, imageAt);
                if (w.mask !== undefined) weigh(vector);
                if (op === "max") v.vmax();
                else if (vector) v.vadd();
                else v.sadd();
              } else {
                load(types.image, imageAt);
                x.set(SVAL).get(SVAL).get(acc).get(SVAL).get(acc);
                v.sgt();
                x.select();
              }
              x.set(acc);
            }),
          );
          winAt();
          x.get(acc);
          if (op === "avg") {
            x.get(FCOUNT);
            if (vector) v.vsplat();
            if (vector) v.vdiv();
            else v.sdiv();
          }
          if (vector) v.vstore(types.windows, 0);
          else v.sstore(types.windows, 0);
          return;
        }
        case "avg_grad": {
          const gs = vector ? GS : SGS;
          load(types.windows, winAt);
          x.get(FCOUNT);
          if (vector) {
            v.vsplat();
            v.vdiv();
          } else v.sdiv();
          x.set(gs);
          tapLoops(0, () =>
            ifInside(() => {
              cell();
              imageAt();
              load(types.image, imageAt);
              x.get(gs);
              if (w.mask !== undefined) weigh(vector);
              if (vector) {
                v.vadd();
                v.vstore(types.image, 0);
              } else {
                v.sadd();
                v.sstore(types.image, 0);
              }
            }),
          );
          return;
        }
        default: {
          // max_grad: the first maximum's cell per lane, then dx(cell) += dy
          if (vector) {
            v.vneginf().set(acc);
            v.vzero().set(IDX);
          } else {
            v.sneginf().set(acc);
            x.i32(0).set(SIDX);
          }
          tapLoops(0, () =>
            ifInside(() => {
              cell();
              load(types.source ?? "f64", sourceAt);
              x.set(vector ? VAL : SVAL);
              if (vector) {
                x.get(VAL).get(acc);
                v.vgt().set(MASK);
                x.get(VAL).get(acc).get(MASK).simd(0x52).set(acc); // v128.bitselect
                x.get(CELL);
                v.indexVector();
                x.get(IDX).get(MASK).simd(0x52).set(IDX);
              } else {
                x.get(SVAL).get(acc);
                v.sgt();
                x.op(0x04, 0x40).get(SVAL).set(acc).get(CELL).set(SIDX).end();
              }
            }),
          );
          for (let l = 0; l < (vector ? W : 1); l++) {
            // image(b, cell) += windows(b, o, COFF + l)
            if (vector) v.indexLane(IDX, l);
            else x.get(SIDX);
            x.i32(ei).mul().get(PIN).add().tee(A1);
            x.get(A1);
            v.sload(types.image, 0);
            winAt();
            v.sload(types.windows, l * ew);
            v.sadd();
            v.sstore(types.image, 0);
          }
        }
      }
    };
    if (nvec > 0) {
      x.i32(0).set(COFF);
      counted(LOOP, nvec, () => {
        chunk(true);
        x.get(COFF).i32(W).add().set(COFF);
      });
    }
    for (let c = nvec * W; c < C; c++) {
      x.i32(c).set(COFF);
      chunk(false);
    }
  }

  /**
   * Pushes a vector (lanes == null: one scalar) of elements of type `t`
   * from the address in local `base`: lane l at element offset offsets[l] —
   * one load when consecutive, a splat when all equal, else lane by lane.
   */
  function gatherLanes(base: number, t: ElemType, offsets: readonly number[]) {
    const e = bytesOf(t);
    if (offsets.length === 1) {
      x.get(base);
      v.sload(t, offsets[0]! * e);
      return;
    }
    if (offsets.every((o, l) => o === offsets[0]! + l)) {
      x.get(base);
      v.vload(t, offsets[0]! * e);
      return;
    }
    x.get(base);
    v.sload(t, offsets[0]! * e);
    v.vsplat();
    offsets.forEach((o, l) => {
      if (l === 0 || o === offsets[0]) return;
      x.get(base);
      v.sload(t, o * e);
      v.replaceLane(l);
    });
  }

  /**
   * One window position of a depthwise operation, taps outside and channel
   * chunks (vectors, then scalars; unrolled, so lane offsets are constants)
   * inside; the forward starts the window side at the bias.
   */
  function depthwiseAt(op: Window["op"]) {
    const wt = types.weights ?? "f64";
    const ek = bytesOf(wt);
    /** Chunks of `count` channels: [first channel, lanes]. */
    const chunks = (count: number) => {
      const out: [number, number][] = [];
      let j = 0;
      for (; j + W <= count; j += W) out.push([j, W]);
      for (; j < count; j++) out.push([j, 1]);
      return out;
    };
    const lanes = (j0: number, n: number, f: (j: number) => number) => Array.from({ length: n }, (_, l) => f(j0 + l));
    /** acc + a·b, for the three values on the stack: n lanes (1: scalars). */
    const mulAdd = (n: number) => {
      if (n === 1) {
        v.smul();
        v.sadd();
      } else {
        v.vmul();
        v.vadd();
      }
    };
    /** Stores the value on the stack (its address below it) at channel j0. */
    const store = (t: ElemType, j0: number, n: number) => (n === 1 ? v.sstore(t, j0 * bytesOf(t)) : v.vstore(t, j0 * bytesOf(t)));
    if (op === "depthwise") {
      for (const [j0, n] of chunks(J)) {
        x.get(PW);
        if (w.bias !== undefined) gatherLanes(BBASE, types.bias ?? "f64", lanes(j0, n, (j) => j));
        else if (n === 1) v.szero();
        else v.vzero();
        store(types.windows, j0, n);
      }
    }
    tapLoops(0, () =>
      ifInside(() => {
        x.get(PIN).get(LIN).i32(C * ei).mul().add().set(A1);
        x.get(WBASE).get(TAP).i32(J * ek).mul().add().set(KT);
        if (op === "depthwise_input_grad") {
          // dx(p, c) += Σ_m K(t, c, m) · dz(o, c, m)
          for (const [c0, n] of chunks(C)) {
            x.get(A1);
            gatherLanes(A1, types.image, lanes(c0, n, (c) => c));
            for (let m = 0; m < dm; m++) {
              gatherLanes(KT, wt, lanes(c0, n, (c) => c * dm + m));
              gatherLanes(PW, types.windows, lanes(c0, n, (c) => c * dm + m));
              mulAdd(n);
            }
            store(types.image, c0, n);
          }
          return;
        }
        for (const [j0, n] of chunks(J)) {
          const [dst, dt] = op === "depthwise" ? [PW, types.windows] : [KT, wt];
          x.get(dst);
          gatherLanes(dst, dt, lanes(j0, n, (j) => j));
          gatherLanes(A1, types.image, lanes(j0, n, (j) => Math.floor(j / dm)));
          if (op === "depthwise") gatherLanes(KT, wt, lanes(j0, n, (j) => j));
          else gatherLanes(PW, types.windows, lanes(j0, n, (j) => j));
          mulAdd(n);
          store(dt, j0, n);
        }
      }),
    );
    if (op === "depthwise" && w.relu !== undefined) {
      // the fused epilogue: relu of this window's outputs, still in cache, at the same place in the relu buffer
      x.get(PW).get(WIN_ARG).sub().get(OUT_ARG).add().set(A1);
      for (const [j0, n] of chunks(J)) {
        x.get(A1);
        if (n === 1) {
          gatherLanes(PW, types.windows, [j0]);
          x.set(SVAL).get(SVAL);
          v.szero();
          x.get(SVAL);
          v.szero();
          v.sgt();
          x.select();
        } else {
          v.vzero();
          gatherLanes(PW, types.windows, lanes(j0, n, (j) => j));
          v.vmax();
        }
        store(types.relu ?? types.windows, j0, n);
      }
    }
  }

  const out: number[] = [];
  const locals: [number, number][] = [
    [N_I32, I32],
    [N_V, V128],
    [N_S, p === "f64" ? F64 : F32],
  ];
  uleb(locals.length, out);
  for (const [count, type] of locals) {
    uleb(count, out);
    out.push(type);
  }
  for (const b of x.b) out.push(b);
  return out;
}

/**
 * How the runtime's threads may split a window operation's calls: over
 * samples (each sample's windows and image are disjoint, and each is
 * computed the same way whatever samples share a call), every sample-sized
 * argument moved by its bytes per sample — except depthwise_kernel_grad,
 * which sums every sample into one kernel gradient and runs whole.
 * Arguments: (n, image, windows, source, mask or depthwise kernel, bias, relu output).
 */
export function windowSplit(k: WasmWindow): KernelSplit | undefined {
  const { spec: w, types } = k;
  if (w.op === "depthwise_kernel_grad") return undefined;
  const per = extent(w.batch)!.per;
  const image = w.axes.reduce((n, a) => n * a.L, 1) * w.channels;
  const outs = w.axes.reduce((n, a) => n * a.out, 1);
  const taps = w.axes.reduce((n, a) => n * a.k, 1);
  const windows = outs * w.channels * (w.op === "gather" || w.op === "scatter" ? taps : (w.multiplier ?? 1));
  const work = outs * taps * w.channels * (w.multiplier ?? 1) * per;
  const windowBytes = per * windows * bytesOf(types.windows);
  // the source is image-shaped, a mask has one weight per position
  const third = w.source !== undefined ? per * image * bytesOf(types.source ?? "f64") : w.mask !== undefined ? ((per * image) / w.channels) * bytesOf(types.mask ?? "f64") : 0;
  return {
    kind: "samples",
    work,
    strides: [per * image * bytesOf(types.image), windowBytes, third, 0, w.relu !== undefined ? windowBytes : 0],
  };
}
