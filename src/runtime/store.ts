/**
 * Where a model's buffers live. Models with native kernels keep parameters,
 * gradients and every activation buffer in one WebAssembly memory, so the
 * kernels and the TypeScript code work on the same numbers without copies;
 * other models get ordinary typed arrays. A Store hands out the buffers of
 * one layout in order: `plain()` allocates each one, `measure()` only adds
 * up their sizes (to size the memory), `on(buffer)` returns views into it.
 */
const ALIGN = 16;

export class Store {
  private top = 0;

  private constructor(
    private readonly buffer: ArrayBuffer | null,
    /** Buffers are views into one native memory (or sized for one). */
    readonly native: boolean,
  ) {}

  static plain(): Store {
    return new Store(null, false);
  }

  static measure(): Store {
    return new Store(null, true);
  }

  static on(buffer: ArrayBuffer): Store {
    return new Store(buffer, true);
  }

  /** Bytes handed out so far, alignment included. */
  get bytes(): number {
    return this.top;
  }

  private reserve(bytes: number): number {
    const at = this.top;
    this.top = Math.ceil((at + bytes) / ALIGN) * ALIGN;
    return at;
  }

  f64(size: number): Float64Array {
    const at = this.reserve(size * 8);
    if (this.buffer) return new Float64Array(this.buffer, at, size);
    return new Float64Array(this.native ? 0 : size);
  }

  f32(size: number): Float32Array {
    const at = this.reserve(size * 4);
    if (this.buffer) return new Float32Array(this.buffer, at, size);
    return new Float32Array(this.native ? 0 : size);
  }
}
