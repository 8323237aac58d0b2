/**
 * What makes a training step all-or-nothing: before the step, the model's
 * mutable state — every parameter (BatchNormalization's moving statistics
 * included), the optimizer state, and the random streams dropout draws
 * from — is copied into buffers kept for the model's lifetime (so a step
 * allocates nothing); a rejected step copies it back. Part of the shipped
 * runtime: imports only runtime files.
 */
import { SCAN_BLOCK, type NativeScan } from "./native.js";
import type { Rng } from "./random.js";
import { HYPER } from "./optimizers.js";

export class StepGuard {
  private params: Float32Array | Float64Array | null = null;
  private readonly slots: Float64Array[] = [];
  private readonly rng = new Float64Array(5);
  private readonly streams = new Map<number, Float64Array>();

  private readonly hyper = new Float64Array(HYPER.size);

  /** Saves the parameters, optimizer slots, the optimizer's per-step scalars (`hyper`: Nadam carries a product across steps) and every random stream. */
  save(params: Float32Array | Float64Array, slots: readonly Float64Array[], rng: Rng, streams: ReadonlyMap<number, Rng>, hyper: Float64Array): void {
    for (let i = 0; i < hyper.length; i++) this.hyper[i] = hyper[i]!;
    if (this.params === null || this.params.length !== params.length || this.params.constructor !== params.constructor) {
      this.params = params instanceof Float64Array ? new Float64Array(params.length) : new Float32Array(params.length);
    }
    copyInto(this.params, params);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const copy = this.slots[i]?.length === s.length ? this.slots[i]! : (this.slots[i] = new Float64Array(s.length));
      copyInto(copy, s);
    }
    rng.saveState(this.rng);
    if (streams.size === 0 && this.streams.size === 0) return;
    for (const [seed, stream] of streams) {
      let state = this.streams.get(seed);
      if (state === undefined) this.streams.set(seed, (state = new Float64Array(5)));
      stream.saveState(state);
    }
    // streams first created by a rejected step are dropped again on restore
    for (const seed of this.streams.keys()) if (!streams.has(seed)) this.streams.delete(seed);
  }

  restore(params: Float32Array | Float64Array, slots: readonly Float64Array[], rng: Rng, streams: Map<number, Rng>, hyper: Float64Array): void {
    params.set(this.params!);
    hyper.set(this.hyper);
    slots.forEach((s, i) => s.set(this.slots[i]!));
    rng.restoreState(this.rng);
    for (const [seed, stream] of [...streams]) {
      const state = this.streams.get(seed);
      if (state === undefined) streams.delete(seed);
      else stream.restoreState(state);
    }
  }
}

/** `to.set(from)`, by a loop for short arrays (where the call costs more than the copy). */
function copyInto(to: Float32Array | Float64Array, from: Float32Array | Float64Array): void {
  if (from.length > 64) to.set(from);
  else for (let i = 0; i < from.length; i++) to[i] = from[i]!;
}

/**
 * True when every value of `a` is finite (no NaN, no ±Infinity). An array
 * in a native memory (`memory`, scanned by `scan`) is scanned with SIMD, at
 * about 6× the speed of the loop; the loop does the rest.
 */
export function allFinite(a: Float32Array | Float64Array, scan: NativeScan | null = null, memory: ArrayBufferLike | null = null): boolean {
  let from = 0;
  if (scan !== null && a.buffer === memory) {
    const f64 = a instanceof Float64Array;
    from = a.length - (a.length % (f64 ? SCAN_BLOCK.f64 : SCAN_BLOCK.f32));
    if ((f64 ? scan.f64(a.byteOffset, from) : scan.f32(a.byteOffset, from)) !== 0) return false;
  }
  // v - v is 0 for every finite v and NaN otherwise; a branch per element, no dependency chain
  for (let i = from; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) return false;
  }
  return true;
}

/**
 * True when the first `count` values of input `x` are finite, for a native
 * model: they are copied into `stage` (scratch in its native memory; `x`
 * may be that scratch itself) and the copy is scanned with SIMD, which together cost a fraction of the loop
 * (which a float32 input makes slow: a conversion per element).
 */
export function inputFinite(x: Float32Array, count: number, stage: Float32Array, scan: NativeScan): boolean {
  // (fit may have gathered the batch into the stage already)
  if (x !== stage) stage.set(x.length === count ? x : x.subarray(0, count));
  const from = count - (count % SCAN_BLOCK.f32);
  if (scan.f32(stage.byteOffset, from) !== 0) return false;
  for (let i = from; i < count; i++) {
    const v = x[i]!;
    if (v - v !== 0) return false;
  }
  return true;
}

/** The check after a step: every parameter and every optimizer slot is finite (those in the native memory scanned with SIMD). */
export function stateFinite(params: Float32Array | Float64Array, slots: readonly Float64Array[], scan: NativeScan | null, memory: ArrayBufferLike | null): boolean {
  if (!allFinite(params, scan, memory)) return false;
  for (let i = 0; i < slots.length; i++) if (!allFinite(slots[i]!, scan, memory)) return false;
  return true;
}
