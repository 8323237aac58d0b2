/**
 * Timing and memory primitives for bench/run.ts.
 *
 * Timing: each cell runs its call in batches of k calls (k calibrated so a
 * batch lasts about 1 ms), repeatedly for a window of W ms; the cell's value
 * for the round is the median over batches of (batch time / k). Every cell
 * gets its own loop function compiled with `new Function`, so each call site
 * is monomorphic and V8 can inline the measured call (as it would in user code).
 *
 * Memory: after a forced GC, N calls run inside a v8.GCProfiler window;
 * allocated bytes = heapUsed delta + bytes freed by every GC in the window;
 * retained bytes = heapUsed after one more forced GC − heapUsed before.
 */
import v8 from "node:v8";

export type Call = () => unknown;
export type AsyncCall = () => Promise<unknown>;

const gcFn: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
export const hasGc = typeof gcFn === "function";

export function forceGc(): void {
  if (gcFn) gcFn();
}

type SyncLoop = (fn: Call, k: number) => number;
type AsyncLoop = (fn: AsyncCall, k: number) => Promise<number>;

/** A fresh (unshared-feedback) timing loop: returns ms for k calls. */
function makeSyncLoop(): SyncLoop {
  return new Function(
    "fn",
    "k",
    "const t0 = performance.now(); for (let i = 0; i < k; i++) fn(); return performance.now() - t0;",
  ) as SyncLoop;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => AsyncLoop;

function makeAsyncLoop(): AsyncLoop {
  return new AsyncFunction("fn", "k", "const t0 = performance.now(); for (let i = 0; i < k; i++) await fn(); return performance.now() - t0;");
}

export interface Timer {
  readonly isAsync: boolean;
  /** ms for k calls. */
  run(k: number): Promise<number> | number;
}

export function timer(fn: Call | AsyncCall, isAsync: boolean): Timer {
  if (isAsync) {
    const loop = makeAsyncLoop();
    return { isAsync, run: (k) => loop(fn as AsyncCall, k) };
  }
  const loop = makeSyncLoop();
  return { isAsync, run: (k) => loop(fn as Call, k) };
}

export interface WindowResult {
  /** median per-call wall-clock time in µs over the window's batches */
  readonly medianUs: number;
  readonly minUs: number;
  /** median per-call process CPU time (user+system, all threads) in µs over the batches: immune to preemption by other processes */
  readonly medianCpuUs: number;
  readonly batches: number;
  readonly callsPerBatch: number;
  readonly calls: number;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * One cell's window: one untimed warm call (absorbs backend switches and
 * weight resets), calibration to ~batchMs per batch, then batches until
 * windowMs has elapsed and at least 3 batches ran (or 3 windows elapsed).
 */
export async function measureWindow(t: Timer, windowMs: number, batchMs = 1): Promise<WindowResult> {
  const first = await t.run(1);
  let k = 1;
  let per = first;
  if (first < batchMs) {
    // a probe batch sized from the first call, then the real k
    const k0 = Math.max(1, Math.min(1_000_000, Math.floor((batchMs / 4) / Math.max(first, 1e-6))));
    per = (await t.run(k0)) / k0;
    k = Math.max(1, Math.min(10_000_000, Math.round(batchMs / Math.max(per, 1e-7))));
  }
  const samples: number[] = [];
  const cpu: number[] = [];
  const start = performance.now();
  for (;;) {
    const c0 = process.cpuUsage();
    const ms = await t.run(k);
    const c = process.cpuUsage(c0);
    samples.push((ms / k) * 1000);
    cpu.push((c.user + c.system) / k);
    const el = performance.now() - start;
    if (el >= windowMs && (samples.length >= 3 || el >= 3 * windowMs)) break;
  }
  return { medianUs: median(samples), minUs: Math.min(...samples), medianCpuUs: median(cpu), batches: samples.length, callsPerBatch: k, calls: samples.length * k };
}

export interface HeapWindow {
  readonly calls: number;
  /** heapUsed delta + bytes freed by GCs in the window */
  readonly allocBytes: number;
  /** heapUsed after a forced GC − before the window */
  readonly retainedBytes: number;
  readonly gcs: number;
  readonly externalBytes: number;
}

export interface HeapResult {
  /** calls in the short window; the long one has 3× as many */
  readonly calls: number;
  /** JS heap bytes allocated per call in the long window, after subtracting the no-op floor. */
  readonly allocPerCall: number;
  /** JS heap bytes still live per call after a forced GC: (long − short window) / (extra calls). */
  readonly retainedPerCall: number;
  readonly gcs: number;
  /** ArrayBuffer backing-store bytes per call (external memory), only when no GC ran in the long window. */
  readonly externalPerCall: number | null;
  readonly windows: readonly HeapWindow[];
}

interface GcStat {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

async function heapWindow(t: Timer, calls: number): Promise<HeapWindow> {
  forceGc();
  const profiler = new v8.GCProfiler();
  const ab0 = process.memoryUsage().arrayBuffers;
  const h0 = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  await t.run(calls);
  const h1 = v8.getHeapStatistics().used_heap_size;
  const ab1 = process.memoryUsage().arrayBuffers;
  const stats = (profiler.stop()?.statistics ?? []) as unknown as GcStat[];
  let freed = 0;
  for (const s of stats) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  forceGc();
  const h2 = v8.getHeapStatistics().used_heap_size;
  return { calls, allocBytes: h1 - h0 + freed, retainedBytes: h2 - h0, gcs: stats.length, externalBytes: ab1 - ab0 };
}

let floor: { sync: HeapWindow; async: HeapWindow } | undefined;

/**
 * What one measurement window allocates by itself (profiler, statistics
 * objects, the loop's own promise), measured as a window of zero calls
 * (median of 7); subtracted from every window.
 */
export async function heapFloor(): Promise<{ sync: HeapWindow; async: HeapWindow }> {
  if (!floor) {
    const pick = async (t: Timer) => {
      await t.run(100);
      const ws: HeapWindow[] = [];
      for (let i = 0; i < 7; i++) ws.push(await heapWindow(t, 0));
      ws.sort((a, b) => a.allocBytes - b.allocBytes);
      return ws[3]!;
    };
    floor = { sync: await pick(timer(() => 0, false)), async: await pick(timer(async () => 0, true)) };
  }
  return floor;
}

/**
 * Allocation: one window of 3n calls after a 2-call warm-up, minus the
 * no-op floor, per call. Retention (leak slope): (window of 3n − window of
 * n) / 2n after forced GCs, so constant effects cancel.
 */
export async function measureHeap(t: Timer, n: number): Promise<HeapResult> {
  const f = (await heapFloor())[t.isAsync ? "async" : "sync"];
  // first-call allocations (lazy buffers) and one-time JIT/tier-up effects are not per-call
  // growth: one untimed window of n calls first (a 20-call window once showed a 200 KB step)
  await t.run(Math.max(2, n));
  const a = await heapWindow(t, n);
  const b = await heapWindow(t, 3 * n);
  const extra = 2 * n;
  return {
    calls: n,
    allocPerCall: (b.allocBytes - f.allocBytes) / b.calls,
    retainedPerCall: (b.retainedBytes - a.retainedBytes) / extra,
    gcs: a.gcs + b.gcs,
    externalPerCall: b.gcs === 0 ? (b.externalBytes - f.externalBytes) / b.calls : null,
    windows: [a, b],
  };
}

/** Deterministic PRNG (mulberry32) for data and shuffles. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
