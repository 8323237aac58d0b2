/**
 * What makes a training step all-or-nothing: before the step, the model's
 * mutable state — every parameter (BatchNormalization's moving statistics
 * included), the optimizer state, and the random streams dropout draws
 * from — is copied into buffers kept for the model's lifetime (so a step
 * allocates nothing); a rejected step copies it back. Part of the shipped
 * runtime: imports only runtime files.
 */
import type { Rng } from "./random.js";

export class StepGuard {
  private params: Float32Array | Float64Array | null = null;
  private readonly slots: Float64Array[] = [];
  private readonly rng = new Float64Array(5);
  private readonly streams = new Map<number, Float64Array>();

  save(params: Float32Array | Float64Array, slots: readonly Float64Array[], rng: Rng, streams: ReadonlyMap<number, Rng>): void {
    if (this.params === null || this.params.length !== params.length || this.params.constructor !== params.constructor) {
      this.params = params instanceof Float64Array ? new Float64Array(params.length) : new Float32Array(params.length);
    }
    this.params.set(params);
    slots.forEach((s, i) => {
      const copy = this.slots[i]?.length === s.length ? this.slots[i]! : (this.slots[i] = new Float64Array(s.length));
      copy.set(s);
    });
    rng.saveState(this.rng);
    for (const [seed, stream] of streams) {
      let state = this.streams.get(seed);
      if (state === undefined) this.streams.set(seed, (state = new Float64Array(5)));
      stream.saveState(state);
    }
    // streams first created by a rejected step are dropped again on restore
    for (const seed of this.streams.keys()) if (!streams.has(seed)) this.streams.delete(seed);
  }

  restore(params: Float32Array | Float64Array, slots: readonly Float64Array[], rng: Rng, streams: Map<number, Rng>): void {
    params.set(this.params!);
    slots.forEach((s, i) => s.set(this.slots[i]!));
    rng.restoreState(this.rng);
    for (const [seed, stream] of [...streams]) {
      const state = this.streams.get(seed);
      if (state === undefined) streams.delete(seed);
      else stream.restoreState(state);
    }
  }
}

/** True when every value of `a` is finite (no NaN, no ±Infinity). */
export function allFinite(a: Float32Array | Float64Array): boolean {
  // v - v is 0 for every finite v and NaN otherwise; a branch per element, no dependency chain
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) return false;
  }
  return true;
}
