/**
 * Batch-parallel native kernels (`new Model({ threads: n })`): the model's
 * memory becomes a shared WebAssembly memory, n − 1 worker threads
 * instantiate the same kernels on it, and every large product call is split
 * into parts, each computing some rows of its result (the kernels' `part`,
 * `parts` arguments, src/phases/3-emit/wasm.ts). The main thread publishes a
 * call in a small shared control block and works on it too; any thread
 * claims the next part with one compare-and-swap, so a worker that is late
 * (not started yet, descheduled) only means the main thread computes more
 * parts itself. Every element of a result is computed by one part in the
 * same order as by the whole call, so results have exactly the bits of the
 * single-thread path, whichever thread computed what. The TypeScript code
 * between the kernels (activations, im2col, losses, the update) stays on the
 * main thread.
 *
 * Workers are Node `worker_threads` or, in browsers, Workers when the page
 * is cross-origin isolated (SharedArrayBuffer); elsewhere, or when anything
 * here cannot be set up, the model runs on one thread. Workers are unref'd
 * (a Node process exits without `dispose()`) and sleep in Atomics.wait
 * between calls.
 */
import { LayercError } from "./errors.js";
import { decodeBase64, leb, scanModuleBytes, type NativeKernel, type NativeScan } from "./native.js";

/** Multiply-adds from which a call is split (smaller ones run whole on the calling thread). */
export const SPLIT_MIN_WORK = 1 << 17;

// the control block (Int32Array over a SharedArrayBuffer)
/** (call sequence << 8) | next unclaimed part; claimed by compare-and-swap. */
const NEXT = 0;
/** Parts finished. */
const DONE = 1;
/** Parts of the current call. */
const PARTS = 2;
/** Kernel index, then its 6 arguments. */
const CALL = 3;
/** Workers asleep in Atomics.wait (the main thread notifies only then). */
const SLEEPERS = 10;
/** Set by dispose: workers return. */
const STOP = 11;
/** A part failed in a worker: its message follows (length, then UTF-16 code units). */
const FAILED = 12;
const MESSAGE = 13;
const MESSAGE_CHARS = 240;
/** Parts computed by workers since the pool started (statistics). */
const WORKER_PARTS = MESSAGE + 1 + MESSAGE_CHARS;
const CONTROL_INTS = WORKER_PARTS + 1;
/**
 * Polls of the call word a worker makes, when it finds nothing to claim,
 * before it sleeps (a few microseconds). Measured on the MLP train step, 2
 * threads vs 1 (bench/threads.ts, 5 rounds): idle machine 1.02× without
 * polling, 1.17× with 1,500 polls (1.11× with 5,000); with both cores busy
 * 0.88× → 0.83× (2 rounds). Threads are opt-in for a free core, so the
 * polls are kept short.
 */
const SPIN_POLLS = 1500;

/**
 * Parts per thread of a split call: more than one, so that a thread that is
 * late or descheduled (a busy machine) holds up only a small part.
 */
const PARTS_PER_THREAD = 2;

/**
 * The worker's whole program, as source (a Node eval worker or a browser
 * Blob worker; kept free of any import so that it runs as is in both):
 * instantiate the kernels on the shared memory, then claim and compute parts
 * until stopped. With nothing to claim, a worker polls briefly (SPIN_POLLS)
 * and then sleeps until the next call: polling long would take CPU time from
 * the model's own thread on a busy machine (Linux schedules a process's
 * threads as one group), which measured 0.71× instead of 0.88× on the MLP
 * train step at load 19 (polling 50 µs).
 */
// a pure call, so a bundle of a model without native kernels (which never starts threads) drops it
export const WORKER_SOURCE: string = /* @__PURE__ */ (() => `"use strict";
const start = (d) => {
  const c = new Int32Array(d.control);
  const exp = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  const fns = d.names.map((n) => exp[n]);
  const call = (k, n, a, b, o, bias, out, p, parts) => {
    const st = d.strides[k];
    if (st === null) return fns[k](n, a, b, o, bias, out, p, parts);
    const s0 = Math.floor((n * p) / parts), count = Math.floor((n * (p + 1)) / parts) - s0;
    const at = (x, i) => x + s0 * st[i];
    if (count > 0) fns[k](count, at(a, 0), at(b, 1), at(o, 2), at(bias, 3), at(out, 4));
  };
  for (;;) {
    const w = Atomics.load(c, ${NEXT});
    const p = w & 255;
    const parts = Atomics.load(c, ${PARTS});
    if (p < parts) {
      const k = c[${CALL}];
      const n = c[${CALL + 1}], a = c[${CALL + 2}], b = c[${CALL + 3}], o = c[${CALL + 4}], bias = c[${CALL + 5}], out = c[${CALL + 6}];
      if (Atomics.compareExchange(c, ${NEXT}, w, w + 1) === w) {
        try {
          call(k, n, a, b, o, bias, out, p, parts);
        } catch (e) {
          const m = String(e && e.message || e).slice(0, ${MESSAGE_CHARS});
          c[${MESSAGE}] = m.length;
          for (let i = 0; i < m.length; i++) c[${MESSAGE + 1} + i] = m.charCodeAt(i);
          Atomics.store(c, ${FAILED}, 1);
        }
        Atomics.add(c, ${WORKER_PARTS}, 1);
        Atomics.add(c, ${DONE}, 1);
        Atomics.notify(c, ${DONE});
      }
      continue;
    }
    if (Atomics.load(c, ${STOP})) return;
    // poll briefly before sleeping: a training step's kernels come microseconds apart, and waking from Atomics.wait takes longer
    let spun = 0;
    while (spun < ${SPIN_POLLS} && Atomics.load(c, ${NEXT}) === w) spun++;
    if (spun < ${SPIN_POLLS}) continue;
    Atomics.add(c, ${SLEEPERS}, 1);
    Atomics.wait(c, ${NEXT}, w);
    Atomics.sub(c, ${SLEEPERS}, 1);
  }
};
if (typeof require === "function") require("node:worker_threads").parentPort.once("message", start);
else self.onmessage = (e) => start(e.data);
`)();

/** A started worker, Node's or a browser's. */
interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Starts a worker running `source`; `failed` is called if it dies of an error (it never started, or its program threw). */
type Spawn = (source: string, failed: (error: unknown) => void) => WorkerHandle;

interface Host {
  readonly process?: { getBuiltinModule?(name: string): unknown };
  readonly Worker?: new (url: string) => WorkerHandle;
  readonly crossOriginIsolated?: boolean;
  readonly SharedArrayBuffer?: new (bytes: number) => ArrayBuffer;
  readonly Blob?: new (parts: string[], options: { type: string }) => object;
  readonly URL?: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  readonly WebAssembly?: {
    readonly Module: { new (bytes: Uint8Array): object; customSections(module: object, name: string): ArrayBuffer[] };
    readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { readonly buffer: ArrayBuffer };
    readonly Instance: new (module: object, imports: object) => { readonly exports: object };
  };
}

const host = globalThis as unknown as Host;

/** A way to start workers from source, or null where there is none (no worker_threads, a page that is not cross-origin isolated). */
function workerFactory(): Spawn | null {
  if (typeof host.SharedArrayBuffer !== "function" || host.WebAssembly === undefined) return null;
  type NodeWorker = WorkerHandle & { unref(): void; on(event: "error", listener: (e: unknown) => void): void };
  const wt = host.process?.getBuiltinModule?.("node:worker_threads") as { Worker: new (source: string, options: { eval: boolean }) => NodeWorker } | undefined;
  if (wt !== undefined) {
    return (source, failed) => {
      const worker = new wt.Worker(source, { eval: true });
      worker.on("error", failed);
      // a model left undisposed does not keep the process alive
      worker.unref();
      return worker;
    };
  }
  const { Worker, Blob, URL } = host;
  if (host.crossOriginIsolated === true && Worker !== undefined && Blob !== undefined && URL !== undefined) {
    // the Blob URL of the worker program, made once per factory and kept: a worker may load it after its constructor returns
    let workerUrl: string | undefined;
    return (source, failed) => {
      workerUrl ??= URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      const worker = new Worker(workerUrl) as WorkerHandle & { onerror: ((e: unknown) => void) | null };
      worker.onerror = failed;
      return worker;
    };
  }
  return null;
}

/** Whether this platform can run worker threads over a shared memory at all. */
export function threadsAvailable(): boolean {
  return workerFactory() !== null;
}

/**
 * Rewrites a module's imported memory as shared (limits: flag 3, its minimum,
 * a maximum of 65536 pages), which a shared memory needs; returns null when
 * the bytes are not the layout the emitter writes.
 */
export function sharedMemoryImport(bytes: Uint8Array): Uint8Array | null {
  const out: number[] = Array.from(bytes.subarray(0, 8));
  const c: Cursor = { bytes, at: 8 };
  let patched = false;
  while (c.at < bytes.length) {
    const id = bytes[c.at++]!;
    const size = readUleb(c);
    const end = c.at + size;
    if (id !== 2) {
      out.push(id, ...leb(size));
      for (let i = c.at; i < end; i++) out.push(bytes[i]!);
      c.at = end;
      continue;
    }
    const body: number[] = [];
    const count = readUleb(c);
    body.push(...leb(count));
    for (let i = 0; i < count; i++) {
      for (let s = 0; s < 2; s++) {
        const len = readUleb(c);
        body.push(...leb(len));
        for (let j = 0; j < len; j++) body.push(bytes[c.at++]!);
      }
      const kind = bytes[c.at++]!;
      body.push(kind);
      if (kind !== 2) return null;
      const flags = bytes[c.at++]!;
      const min = readUleb(c);
      if (flags & 1) readUleb(c);
      body.push(3, ...leb(min), ...leb(65536));
      patched = true;
    }
    if (c.at !== end) return null;
    out.push(2, ...leb(body.length));
    for (const b of body) out.push(b);
  }
  return patched ? Uint8Array.from(out) : null;
}

/** A position in a module's bytes, for reading them. */
interface Cursor {
  readonly bytes: Uint8Array;
  at: number;
}

/** Reads an unsigned LEB128 number at the cursor and moves past it. */
function readUleb(c: Cursor): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = c.bytes[c.at++]!;
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return v;
  }
}

/** Compiled shared-memory variants of a model's kernels and of the scan module, per model metadata. */
interface SharedModules {
  readonly kernels: object;
  readonly scan: object | null;
  /** How each kernel's calls may be split, in export order (null: never). */
  readonly splits: readonly (Split | null)[];
}

const compiled = new WeakMap<object, SharedModules | null>();

function sharedModules(meta: { readonly wasm?: string }): SharedModules | null {
  if (compiled.has(meta)) return compiled.get(meta)!;
  let result: SharedModules | null = null;
  try {
    const wasm = host.WebAssembly!;
    const bytes = sharedMemoryImport(decodeBase64(meta.wasm!));
    if (bytes !== null) {
      const kernels = new wasm.Module(bytes);
      const scanBytes = sharedMemoryImport(scanModuleBytes());
      const scan = scanBytes !== null ? new wasm.Module(scanBytes) : null;
      const section = wasm.Module.customSections(kernels, "layerc.work")[0];
      if (section !== undefined) result = { kernels, scan, splits: readSplits(new Uint8Array(section)) };
    }
  } catch {
    result = null;
  }
  compiled.set(meta, result);
  return result;
}

/**
 * How a kernel's calls split (the emitter's KernelSplit): `strides` null —
 * by rows of C (the kernel's part, parts arguments); else over samples, each
 * address argument moved by its bytes per sample. `work`: per sample.
 */
export interface Split {
  readonly work: number;
  readonly strides: readonly number[] | null;
}

/** The split section's contents, per kernel in export order: 0; 1, work; or 2, work, 5 strides (ulebs). */
export function readSplits(section: Uint8Array): (Split | null)[] {
  const out: (Split | null)[] = [];
  const c: Cursor = { bytes: section, at: 0 };
  const uleb = () => readUleb(c);
  while (c.at < section.length) {
    const kind = uleb();
    if (kind === 0) out.push(null);
    else if (kind === 1) out.push({ work: uleb(), strides: null });
    else out.push({ work: uleb(), strides: [uleb(), uleb(), uleb(), uleb(), uleb()] });
  }
  return out;
}

/** The worker threads of one model instance: dispose() stops them. */
export interface ThreadPool {
  /** Threads computing (the caller's included). */
  readonly threads: number;
  /** Parts of split calls so far: all of them, and those worker threads computed. */
  parts(): { all: number; workers: number };
  dispose(): void;
}

/**
 * Part `p` of `parts` of a call: rows of C (the kernel's own arguments), or
 * a range of samples (addresses moved by their strides; an empty range does
 * nothing). WORKER_SOURCE does the same.
 */
function callPart(fn: NativeKernel, strides: readonly number[] | null, n: number, a: number, b: number, o: number, bias: number, out: number, p: number, parts: number): void {
  if (strides === null) return fn(n, a, b, o, bias, out, p, parts);
  const s0 = Math.floor((n * p) / parts);
  const count = Math.floor((n * (p + 1)) / parts) - s0;
  if (count === 0) return;
  // absent arguments and parameters have stride 0
  const at = (address: number, i: number) => address + s0 * strides[i]!;
  fn(count, at(a, 0), at(b, 1), at(o, 2), at(bias, 3), at(out, 4));
}

/**
 * A shared memory of at least `bytes`, the kernels on it (large calls split
 * across `threads` threads) and the scans; null when threads cannot run here
 * (the caller then takes the single-thread path).
 */
export function instantiateThreaded(
  meta: { readonly wasm?: string },
  bytes: number,
  threads: number,
): { buffer: ArrayBuffer; kernels: Record<string, NativeKernel>; scan: NativeScan | null; pool: ThreadPool } | null {
  const spawn = workerFactory();
  const modules = spawn !== null && meta.wasm !== undefined ? sharedModules(meta) : null;
  if (spawn === null || modules === null) return null;
  const wasm = host.WebAssembly!;
  let memory: { readonly buffer: ArrayBuffer };
  let exports: Record<string, NativeKernel>;
  let scan: NativeScan | null;
  try {
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    exports = new wasm.Instance(modules.kernels, { env: { memory } }).exports as Record<string, NativeKernel>;
    scan = modules.scan !== null ? (new wasm.Instance(modules.scan, { env: { memory } }).exports as NativeScan) : null;
  } catch {
    return null;
  }
  // export order is the work section's order
  const names = Object.keys(exports);
  if (names.length !== modules.splits.length) return null;
  const control = new host.SharedArrayBuffer!(CONTROL_INTS * 4);
  const c = new Int32Array(control);
  const workers: WorkerHandle[] = [];
  let live = true;
  let seq = 0;
  let allParts = 0;
  const pool: ThreadPool = {
    get threads() {
      return live ? threads : 1;
    },
    parts: () => ({ all: allParts, workers: Atomics.load(c, WORKER_PARTS) }),
    dispose() {
      if (!live) return;
      live = false;
      Atomics.store(c, STOP, 1);
      // wake sleepers so that they see STOP (terminate ends them anyway)
      Atomics.notify(c, NEXT);
      for (const w of workers) w.terminate();
    },
  };
  // a worker that cannot start (or dies) takes no parts; the pool then stops splitting, and the model runs on one thread
  const failed = () => pool.dispose();
  try {
    for (let i = 1; i < threads; i++) {
      const w = spawn(WORKER_SOURCE, failed);
      workers.push(w);
      w.postMessage({ module: modules.kernels, memory, control, names, strides: modules.splits.map((sp) => sp?.strides ?? null) });
    }
  } catch {
    pool.dispose();
    return null;
  }
  let canWait = true;
  /** Runs kernel `index` split into `threads` parts; throws what a part threw (a worker's failure as a LayercError). */
  const run = (index: number, fn: NativeKernel, strides: readonly number[] | null, n: number, a: number, b: number, o: number, bias = 0, out = 0): void => {
    const parts = threads * PARTS_PER_THREAD;
    c[CALL] = index;
    c[CALL + 1] = n;
    c[CALL + 2] = a;
    c[CALL + 3] = b;
    c[CALL + 4] = o;
    c[CALL + 5] = bias;
    c[CALL + 6] = out;
    Atomics.store(c, PARTS, parts);
    allParts += parts;
    Atomics.store(c, DONE, 0);
    seq = (seq + 1) & 0x7fffff;
    Atomics.store(c, NEXT, seq << 8);
    if (Atomics.load(c, SLEEPERS) > 0) Atomics.notify(c, NEXT);
    let error: unknown = undefined;
    let failed = false;
    for (;;) {
      const w = Atomics.load(c, NEXT);
      const p = w & 255;
      if (p >= parts) break;
      if (Atomics.compareExchange(c, NEXT, w, w + 1) !== w) continue;
      if (!failed) {
        try {
          callPart(fn, strides, n, a, b, o, bias, out, p, parts);
        } catch (e) {
          failed = true;
          error = e;
        }
      }
      Atomics.add(c, DONE, 1);
    }
    // the parts workers claimed: poll, then sleep where the thread may (Node's main thread; a page's may not)
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(c, DONE);
      if (done >= parts) break;
      if (spins > 2000 && canWait) {
        try {
          Atomics.wait(c, DONE, done, 1);
        } catch {
          canWait = false;
        }
      }
    }
    if (failed) throw error;
    if (Atomics.load(c, FAILED) !== 0) {
      const chars: number[] = [];
      for (let i = 0; i < c[MESSAGE]!; i++) chars.push(c[MESSAGE + 1 + i]!);
      Atomics.store(c, FAILED, 0);
      throw new LayercError(`native kernel ${names[index]} failed in a worker thread: ${String.fromCharCode(...chars)}`);
    }
  };
  const kernels: Record<string, NativeKernel> = {};
  names.forEach((name, index) => {
    const fn = exports[name]!;
    const split = modules.splits[index];
    kernels[name] =
      split === null || split === undefined
        ? fn
        : (n, a, b, o, bias, out) => {
            if (live && split.work * n >= SPLIT_MIN_WORK) run(index, fn, split.strides, n, a, b, o, bias, out);
            else fn(n, a, b, o, bias, out);
          };
  });
  return { buffer: memory.buffer, kernels, scan, pool };
}
