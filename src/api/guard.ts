/**
 * What keeps the public API total: option validation (options are the
 * caller's code, so a bad one is a TypeError naming it), the per-file cap on
 * diagnostics, and the conversion of a layerc bug into an `internal_error`
 * diagnostic instead of an exception escaping a spec that happened to reach it.
 */
import { makeDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { defaultLimits } from "../phases/2-check/options.js";

/** Diagnostics reported per file at most; the rest are counted in one `file_too_many_diagnostics`. */
export const MAX_DIAGNOSTICS = 100;

export function capDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  if (diags.length <= MAX_DIAGNOSTICS) return diags;
  const sorted = [...diags].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  const kept = sorted.slice(0, MAX_DIAGNOSTICS);
  const hidden = sorted.slice(MAX_DIAGNOSTICS);
  // an error must stay visible when there is one: it is what blocks code generation
  const hiddenError = hidden.find((d) => d.severity === "error");
  if (hiddenError && !kept.some((d) => d.severity === "error")) kept[kept.length - 1] = hiddenError;
  return [...kept, makeDiagnostic("file_too_many_diagnostics", hidden[0]!.span, { count: diags.length - kept.length })];
}

export function internalError(phase: string, e: unknown): Diagnostic {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const detail = text.split(/\r\n|[\r\n\u2028\u2029]/)[0]!.slice(0, 300);
  return makeDiagnostic("internal_error", { start: 0, end: 0 }, { phase, detail });
}

type Check = (v: unknown) => string | undefined;

const optional = (check: Check): Check => (v) => (v === undefined ? undefined : check(v));
const isString: Check = (v) => (typeof v === "string" ? undefined : "a string");
const isBool: Check = (v) => (typeof v === "boolean" ? undefined : "true or false");
const isCount: Check = (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? undefined : "a non-negative integer");
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === "string" && values.includes(v) ? undefined : values.map((x) => `"${x}"`).join(" or ");

/**
 * The module specifier generated code imports the runtime from. It is
 * printed as a string literal (escaped), so any text is safe; control
 * characters and line breaks are refused because no real specifier has them.
 */
const isSpecifier: Check = (v) =>
  typeof v === "string" && v.length > 0 && v.length <= 1000 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v)
    ? undefined
    : "a non-empty module specifier without control characters or line breaks";

const optionChecks: Readonly<Record<string, Check>> = {
  fileName: optional(isString),
  runtimeImport: optional(isSpecifier),
  banner: optional((v) => (v === false || typeof v === "string" ? undefined : "a string or false")),
  unroll: optional(oneOf("auto", "full", "loops")),
  unrollThreshold: optional(isCount),
  wasm: optional(isBool),
  wasmThreshold: optional(isCount),
  declaration: optional(isBool),
  silence: optional((v) => (Array.isArray(v) && v.every((c) => typeof c === "string") ? undefined : "an array of diagnostic codes")),
  limits: optional((v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return "an object of limits";
    for (const [k, n] of Object.entries(v)) {
      if (!Object.prototype.hasOwnProperty.call(defaultLimits, k)) return `an object of limits (unknown limit \`${k}\`; known: ${Object.keys(defaultLimits).join(", ")})`;
      if (typeof n !== "number" || !(n > 0) || !Number.isInteger(n)) return `an object of limits (\`${k}\` must be a positive integer, got ${describe(n)})`;
    }
    return undefined;
  }),
};

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? "an array" : typeof v;
}

/** Throws a TypeError naming the first invalid option; unknown option names are ignored (plugins pass their own). */
export function validateOptions(opts: unknown): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== "object") throw new TypeError(`layerc: options must be an object, got ${describe(opts)}`);
  for (const [name, check] of Object.entries(optionChecks)) {
    const value = (opts as Record<string, unknown>)[name];
    const problem = check(value);
    if (problem !== undefined) throw new TypeError(`layerc: option \`${name}\` must be ${problem}, got ${describe(value)}`);
  }
}
