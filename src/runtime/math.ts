/**
 * Scalar math the runtime provides to generated code and the interpreter
 * alike (JavaScript's Math has no erf).
 */

/**
 * erf to double precision: the all-positive series
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) for |x| < 6
 * (no cancellation), and ±1 beyond, where erfc < 3e−17.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return x > 0 ? 1 : -1;
  if (Number.isNaN(x)) return NaN;
  const x2 = a * a;
  let term = a;
  let sum = a;
  for (let n = 1; n < 400; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}
