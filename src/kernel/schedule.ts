/**
 * Scheduling constants shared by layers (which pick a loop order) and the
 * emitter (which decides what to unroll). A kernel whose per-sample work is
 * at most SMALL_WORK is "small": it is unrolled under `unroll=auto`, and
 * layers write it in the form that folds best when unrolled (dot products
 * into one expression per output). Larger kernels use loop orders that
 * stream weights row by row and reuse each row across the batch.
 */
export const SMALL_WORK = 128;

/**
 * Multiply-adds per sample from which a matrix product runs as a native
 * WebAssembly SIMD kernel under `unroll=auto`: every product too large to
 * unroll. Measured with `npx tsx bench/native-threshold.ts` (bench/RESULTS.md):
 * the native kernel is 1.5–2× faster than the TypeScript loops already at
 * 144–256 multiply-adds and 7–12× faster from 4096 on, at batch 1 and 32,
 * predicting and training.
 */
export const NATIVE_MIN_WORK = SMALL_WORK + 1;
