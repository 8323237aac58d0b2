/**
 * The unroll policy. `auto` fully unrolls a layer kernel whose per-sample
 * work (innermost statement executions) is at most UNROLL_THRESHOLD, and
 * keeps constant-bound loops otherwise; `full` and `loops` force one style.
 * Unrolled Dense code is O(parameters); the statement budget
 * (limits.maxStatements) fails the build before a layer could explode.
 */
export type UnrollMode = "auto" | "full" | "loops";

import { NATIVE_MIN_WORK, SMALL_WORK } from "../../kernel/schedule.js";

/** Per-sample work up to which `auto` unrolls (see src/kernel/schedule.ts and bench/RESULTS.md). */
export const UNROLL_THRESHOLD = SMALL_WORK;

export function shouldUnroll(mode: UnrollMode, kernelWork: number, threshold = UNROLL_THRESHOLD): boolean {
  return mode === "full" || (mode === "auto" && kernelWork <= threshold);
}

/** Does a matrix product of this many multiply-adds per sample get a native (WASM SIMD) kernel under `auto`? */
export function useNative(productWork: number, threshold = NATIVE_MIN_WORK): boolean {
  return productWork >= threshold;
}
