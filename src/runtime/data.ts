/**
 * Converting user samples (flat typed arrays, number[], nested arrays) to
 * one flat Float32Array, validating lengths before anything is mutated.
 */
import { LayercError } from "./errors.js";

export type Samples = ArrayLike<number> | readonly Samples[];

function flattenInto(x: unknown, out: number[], what: string): void {
  if (typeof x === "number") {
    out.push(x);
    return;
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) out.push(Number(a[i]));
    return;
  }
  if (Array.isArray(x)) {
    for (const item of x) flattenInto(item, out, what);
    return;
  }
  throw new LayercError(`${what} must contain only numbers, got ${x === null ? "null" : typeof x}`);
}

/** A flat Float32Array view of `x`; copies only when `x` is not one already. */
export function toFloat32(x: Samples, what: string): Float32Array {
  if (x instanceof Float32Array) return x;
  if (x === null || typeof x !== "object") throw new LayercError(`${what} must be an array of numbers`);
  const out: number[] = [];
  flattenInto(x, out, what);
  return Float32Array.from(out);
}

export function lengthError(a: ArrayLike<number>, expected: number, what: string, shape: string): LayercError {
  return new LayercError(`${what} has ${a.length} values, expected ${expected} (${shape})`);
}


export const shapeText = (s: readonly number[]): string => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;
