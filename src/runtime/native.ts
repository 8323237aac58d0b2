/**
 * Loading a generated model's native kernels: a WebAssembly module with
 * SIMD, embedded in the generated code as base64 (ModelMeta.wasm). The
 * module is compiled once per model class; each instance gets its own
 * memory. Where WebAssembly or its SIMD extension is missing, or synchronous
 * compilation is refused, loading returns null and the model runs its
 * TypeScript loops, which compute the same function.
 */

/**
 * One matrix-product kernel: (batch size, byte addresses of A, B and C[, of
 * its bias and of its relu output][, part, parts: compute only part `part`
 * of `parts` of C's rows, as threads.ts splits a call]).
 */
export type NativeKernel = (n: number, a: number, b: number, c: number, bias?: number, out?: number, part?: number, parts?: number) => void;

/** The part of the WebAssembly JS API used here (declared locally: the runtime's types need no DOM lib). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => NativeModule;
  readonly Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  readonly Instance: new (module: NativeModule, imports: object) => { readonly exports: object };
}

/** A compiled module (opaque). */
export interface NativeModule {
  readonly __nativeModule?: never;
}

const wasmApi = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const modules = new WeakMap<object, NativeModule | null>();

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes standard base64 (written here: `atob` is not in every runtime's type definitions). */
export function decodeBase64(base64: string): Uint8Array {
  const clean = base64.replace(/=+$/, "");
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const d = DIGITS.indexOf(clean[i]!);
    if (d < 0) throw new Error(`invalid base64 digit at ${i}`);
    value = (value << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[o++] = (value >> bits) & 0xff;
    }
  }
  return bytes;
}

function compileModule(base64: string): NativeModule | null {
  try {
    const wasm = wasmApi();
    if (wasm === undefined) return null;
    const bytes = decodeBase64(base64);
    // fails where SIMD is not supported
    if (!wasm.validate(bytes)) return null;
    return new wasm.Module(bytes);
  } catch {
    return null;
  }
}

/** The compiled module for a model's metadata (cached), or null. */
export function nativeModule(meta: { readonly wasm?: string }): NativeModule | null {
  if (meta.wasm === undefined) return null;
  let m = modules.get(meta);
  if (m === undefined) {
    m = compileModule(meta.wasm);
    modules.set(meta, m);
  }
  return m;
}

/**
 * Finiteness scans over a native memory (SIMD): `f32(address, count)` /
 * `f64(address, count)` return 1 when one of `count` values at the byte
 * address is NaN or ±Infinity (count a multiple of 16 / 8; the caller
 * scans any rest). What makes the all-or-nothing training step cheap on
 * large models (see step-guard.ts).
 */
export interface NativeScan {
  f32(address: number, count: number): number;
  f64(address: number, count: number): number;
}

/** Values per loop iteration of the scans: 4 vectors. */
export const SCAN_BLOCK = { f32: 16, f64: 8 } as const;

/**
 * The scan module's body for one element type: every exponent field all
 * ones (the bit pattern of NaN and ±Infinity) is OR-ed into an accumulator,
 * 4 vectors per iteration. Params: address, count; locals: end, acc.
 */
function scanBody(maskLane: number[], eqOp: number[], elemShift: number): number[] {
  const mask = [0xfd, 0x0c, ...Array.from({ length: 16 / maskLane.length }, () => maskLane).flat()];
  const vector = (offset: number) => [0x20, 3, 0x20, 0, 0xfd, 0x00, 0x00, offset, ...mask, 0xfd, 0x4e, ...mask, ...eqOp, 0xfd, 0x50, 0x21, 3];
  return [
    0x02, 0x01, 0x7f, 0x01, 0x7b, // locals: end i32, acc v128
    0x20, 0, 0x20, 1, 0x41, elemShift, 0x74, 0x6a, 0x21, 2, // end = address + count << shift
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0, 0x20, 2, 0x4f, 0x0d, 1, // address >= end → break
    ...vector(0), ...vector(16), ...vector(32), ...vector(48),
    0x20, 0, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0, // address += 64
    0x0c, 0, 0x0b, 0x0b, // br loop, end loop, end block
    0x20, 3, 0xfd, 0x53, // v128.any_true(acc)
    0x0b,
  ];
}

/** The finiteness-scan module's bytes (threads.ts compiles a shared-memory variant). */
export function scanModuleBytes(): Uint8Array {
  const f32 = scanBody([0x00, 0x00, 0x80, 0x7f], [0xfd, 0x37], 2);
  const f64 = scanBody([0, 0, 0, 0, 0, 0, 0xf0, 0x7f], [0xfd, 0xd6, 0x01], 3);
  const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
  const code = [2, ...leb(f32.length), ...f32, ...leb(f64.length), ...f64];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]),
    ...section(2, [1, 3, 0x65, 0x6e, 0x76, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00]),
    ...section(3, [2, 0, 0]),
    ...section(7, [2, 3, 0x66, 0x33, 0x32, 0x00, 0, 3, 0x66, 0x36, 0x34, 0x00, 1]),
    ...section(10, code),
  ]);
}

/** An unsigned LEB128 number (WebAssembly's encoding) as bytes. */
export function leb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function compileScanModule(): NativeModule | null {
  try {
    const wasm = wasmApi();
    if (wasm === undefined) return null;
    const scanBytes = scanModuleBytes();
    return wasm.validate(scanBytes) ? new wasm.Module(scanBytes) : null;
  } catch {
    return null;
  }
}

/** A fresh memory of at least `bytes`, the kernels bound to it and the scans over it; null if they cannot be created. */
export function instantiate(module: NativeModule, bytes: number): { buffer: ArrayBuffer; kernels: Record<string, NativeKernel>; scan: NativeScan | null } | null {
  try {
    const wasm = wasmApi()!;
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const instance = new wasm.Instance(module, { env: { memory } });
    // The finiteness-scan module is a few hundred bytes: compiled per model
    // memory (microseconds) rather than cached in module state, which src/
    // keeps free of (test/api-concurrency).
    const scanModule = compileScanModule();
    const scan = scanModule !== null ? (new wasm.Instance(scanModule, { env: { memory } }).exports as NativeScan) : null;
    return { buffer: memory.buffer, kernels: instance.exports as Record<string, NativeKernel>, scan };
  } catch {
    return null;
  }
}

/**
 * What ModelBase needs to run a model's native kernels. Generated classes
 * that have native kernels link it (`protected static nativeLoader`), so a
 * bundle of a model without them carries no WebAssembly loader.
 */
export interface NativeLoader {
  module(meta: { readonly wasm?: string }): NativeModule | null;
  instantiate(module: NativeModule, bytes: number): ReturnType<typeof instantiate>;
}

export const nativeLoader: NativeLoader = { module: nativeModule, instantiate };
