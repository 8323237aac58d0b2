/**
 * The one error class the runtime throws for misuse it can detect (bad
 * shapes, unknown names in hand-written specs, out-of-range buffers).
 * Part of the shipped runtime: imports nothing.
 */
export class LayercError extends Error {
  override name = "LayercError";
}

/**
 * A training step was rejected because a value was or became NaN or
 * ±Infinity. The model is exactly as before the call. `tensor` names what
 * was not finite (`input`, `labels`, `loss`, `gradient of dense/kernel`,
 * `dense/kernel`, `optimizer state of dense/kernel`, …), `sample` the
 * sample it came from when one did (an index into the data the caller
 * passed), `step` the optimizer step that was rejected (1-based).
 */
export class NonFiniteError extends LayercError {
  override name = "NonFiniteError";
  constructor(
    message: string,
    readonly tensor: string,
    readonly sample: number | null,
    readonly step: number,
  ) {
    super(message);
  }
}
