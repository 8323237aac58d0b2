/**
 * Options that steer checking: unroll override, limits, silenced warnings.
 * Limits are checked before any allocation or emission.
 */
/** Resource limits, checked before any allocation or emission (each violation is a diagnostic). */
export interface Limits {
  /** Largest spec file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Largest parameter count of one model. */
  readonly maxParams: number;
  /** Largest activation tensor of one layer, in values per sample. */
  readonly maxTensorSize: number;
  /**
   * Largest generated code, in statements, of each model and of the whole
   * file (unrolled code size budget). The default is what compiles in about
   * 2 s (about 20 µs per estimated statement; see test/limits.test.ts).
   */
  readonly maxStatements: number;
  /** Most layers in one model, and in one file (all its models together). */
  readonly maxLayers: number;
}

/** The limits used when `CompileOptions.limits` does not override them (frozen). */
export const defaultLimits: Limits = Object.freeze({
  maxFileBytes: 1_048_576,
  maxParams: 10_000_000,
  maxTensorSize: 16_777_216,
  maxStatements: 100_000,
  maxLayers: 2_000,
});

export interface CheckOptions {
  /** Overrides each model's `unroll=` option when given. */
  readonly unroll?: "auto" | "full" | "loops";
  readonly limits?: Partial<Limits>;
  /** Warning codes to drop (errors cannot be silenced). */
  readonly silence?: readonly string[];
}

export function resolveLimits(opts: CheckOptions): Limits {
  return { ...defaultLimits, ...(opts.limits ?? {}) };
}
