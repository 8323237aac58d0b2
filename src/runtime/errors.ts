/**
 * The one error class the runtime throws for misuse it can detect (bad
 * shapes, unknown names in hand-written specs, out-of-range buffers).
 * Part of the shipped runtime: imports nothing.
 */
export class LayercError extends Error {
  override name = "LayercError";
}
