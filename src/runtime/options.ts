/**
 * One validator for every option and size argument of the runtime's public
 * methods (the constructor, predictBatch, trainOnBatch, fit, evaluate): each
 * method states its options as rules, and a bad value of any kind (1.5, NaN,
 * "2", -1, null, an object) or an unknown option name is a LayercError
 * naming the method and the option, thrown before anything is touched.
 * Part of the shipped runtime: imports only runtime files.
 */
import { LayercError } from "./errors.js";

/** What a value must be: returns undefined when it is, else what it should have been. */
export type Rule = (v: unknown) => string | undefined;

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** An integer in [min, max]. */
export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Rule =>
  (v) =>
    isInt(v) && v >= min && v <= max ? undefined : min === 1 && max === Number.MAX_SAFE_INTEGER ? "a positive integer" : min === 0 && max === Number.MAX_SAFE_INTEGER ? "a non-negative integer" : `an integer in [${min}, ${max}]`;

/** A number in [0, 1). */
export const fraction: Rule = (v) => (typeof v === "number" && v >= 0 && v < 1 ? undefined : "a number in [0, 1)");

export const boolean: Rule = (v) => (typeof v === "boolean" ? undefined : "true or false");

export const callback: Rule = (v) => (typeof v === "function" ? undefined : "a function");

/** Anything (validated elsewhere, e.g. weights). */
export const any: Rule = () => undefined;

/** A short, safe description of a bad value for a message. */
export function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === "function" ? "a function" : "an object";
}

/** Throws unless `value` satisfies `rule`; `what` names it (`fit option batchSize`). */
export function checkValue(what: string, value: unknown, rule: Rule): void {
  const expected = rule(value);
  if (expected !== undefined) throw new LayercError(`${what} must be ${expected}, got ${describeValue(value)}`);
}

/**
 * Validates an options object against `rules` (every rule applies to a
 * present value; absent options take their defaults): not an object, an
 * unknown name or a bad value throws, naming `method` and the option.
 */
export function checkOptions(method: string, options: unknown, rules: Readonly<Record<string, Rule>>): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new LayercError(`${method} options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(rules, key)) {
      throw new LayercError(`${method} has no option \`${key}\` (options: ${Object.keys(rules).join(", ")})`);
    }
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) checkValue(`${method} option ${key}`, value, rules[key]!);
  }
}
