/**
 * Converting user samples (flat typed arrays, number[], nested arrays) to
 * one flat Float32Array, validating them before anything is mutated: only
 * numbers, and nested arrays must be rectangular (a ragged row is an error
 * even when the total length happens to match).
 */
import { LayercError } from "./errors.js";

export type Samples = ArrayLike<number> | readonly Samples[];

const isNumericView = (x: unknown): x is ArrayLike<number> => ArrayBuffer.isView(x) && !(x instanceof DataView);

/** `[2][0]`-style position of a nested element. */
const at = (path: readonly number[]) => path.map((i) => `[${i}]`).join("");

/** What nesting was seen so far: the length of the arrays at each depth, and the depth of the numbers. */
interface Nesting {
  readonly dims: number[];
  leaf: number;
}

const ragged = (what: string, path: readonly number[], problem: string) => new LayercError(`${what} is ragged: ${path.length ? at(path) : "the outer array"} ${problem}`);

/**
 * Appends the numbers of `x` (an array or typed array at nesting
 * `path.length`) to `out`, checking that every array at one depth has the
 * same length and that numbers appear at one depth only.
 */
function flattenInto(x: ArrayLike<unknown>, out: number[], what: string, n: Nesting, path: number[]): void {
  const depth = path.length;
  if (n.dims.length === depth) n.dims.push(x.length);
  else if (n.dims[depth] !== x.length) throw ragged(what, path, `has ${x.length} values where the arrays before it at that depth have ${n.dims[depth]}`);
  const numbersHere = () => {
    if (n.leaf < 0) n.leaf = depth + 1;
    else if (n.leaf !== depth + 1) throw ragged(what, path, n.leaf > depth + 1 ? "holds numbers where arrays were seen before" : "holds arrays where numbers were seen before");
  };
  if (isNumericView(x)) {
    numbersHere();
    for (let i = 0; i < x.length; i++) out.push(Number(x[i]));
    return;
  }
  for (let i = 0; i < x.length; i++) {
    const item = x[i];
    if (typeof item === "number") {
      numbersHere();
      out.push(item);
    } else if (Array.isArray(item) || isNumericView(item)) {
      if (n.leaf >= 0 && n.leaf <= depth + 1) throw ragged(what, path, "mixes numbers and arrays");
      path.push(i);
      flattenInto(item as ArrayLike<unknown>, out, what, n, path);
      path.pop();
    } else {
      throw new LayercError(`${what} must contain only numbers, got ${item === null ? "null" : typeof item} at ${at([...path, i])}`);
    }
  }
}

/** A flat Float32Array view of `x`; copies only when `x` is not one already. */
export function toFloat32(x: Samples, what: string): Float32Array {
  if (x instanceof Float32Array) return x;
  if (x === null || typeof x !== "object" || (!Array.isArray(x) && !isNumericView(x))) {
    throw new LayercError(`${what} must be an array of numbers (or a Float32Array), got ${x === null ? "null" : typeof x}`);
  }
  const out: number[] = [];
  flattenInto(x as ArrayLike<unknown>, out, what, { dims: [], leaf: -1 }, []);
  return Float32Array.from(out);
}

/** Index of the first value of `a[from, to)` that is NaN or ±Infinity, or -1. */
export function firstNonFinite(a: ArrayLike<number>, from = 0, to = a.length): number {
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

export function lengthError(a: ArrayLike<number>, expected: number, what: string, shape: string): LayercError {
  return new LayercError(`${what} has ${a.length} values, expected ${expected} (${shape})`);
}

export const shapeText = (s: readonly number[]): string => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;
