/** The WebAssembly JS API as the native tests use it (the repo's type settings have no DOM lib). */
export interface Wasm {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer };
  readonly Instance: new (m: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The host's WebAssembly (undefined where the host has none: native.test.ts deletes it to test the fallback). */
export const host = globalThis as unknown as { WebAssembly: Wasm | undefined };
