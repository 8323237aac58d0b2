/**
 * Loading a generated model's native kernels: a WebAssembly module with
 * SIMD, embedded in the generated code as base64 (ModelMeta.wasm). The
 * module is compiled once per model class; each instance gets its own
 * memory. Where WebAssembly or its SIMD extension is missing, or synchronous
 * compilation is refused, loading returns null and the model runs its
 * TypeScript loops, which compute the same function.
 */

/** One matrix-product kernel: (batch size, byte addresses of A, B and C). */
export type NativeKernel = (n: number, a: number, b: number, c: number) => void;

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

/** A fresh memory of at least `bytes` and the kernels bound to it; null if either cannot be created. */
export function instantiate(module: NativeModule, bytes: number): { buffer: ArrayBuffer; kernels: Record<string, NativeKernel> } | null {
  try {
    const wasm = wasmApi()!;
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const instance = new wasm.Instance(module, { env: { memory } });
    return { buffer: memory.buffer, kernels: instance.exports as Record<string, NativeKernel> };
  } catch {
    return null;
  }
}
