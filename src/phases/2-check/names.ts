/**
 * Identifier safety for names that reach generated code. Model names become
 * exported class names; layer names become parts of identifiers and string
 * literals. Anything that is not a plain identifier, or that would shadow a
 * reserved word, a global or a runtime import, is rejected.
 */

const reserved = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "as implements interface let package private protected public static yield any boolean constructor declare get " +
    "module require number set string symbol type from of async await never unknown object undefined keyof readonly " +
    "infer is asserts abstract override satisfies accessor out global namespace bigint unique"
  ).split(" "),
);

/** Globals and runtime names the generated module refers to. */
const taken = new Set(
  (
    "Math Object Array Float32Array Float64Array Int32Array Uint8Array Number String Boolean Error TypeError RangeError " +
    "JSON Infinity NaN Symbol Promise Map Set Date RegExp globalThis console ModelBase LayercError erf Rng " +
    "initialize runtime ModelMeta ModelOptions TrainableModel NativeKernel Store Samples " +
    // the types of the statics a class links (emit/links.ts)
    "MetricKinds InitializerKinds OptimizerKinds ScheduleKinds NativeLoader"
  ).split(" "),
);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why `name` cannot be a model (class) name, if it cannot. (The emitter's
 * own module-level names, `<Model>Meta` and `<Model>Kernels`, give way to
 * model names, so they need no reservation here.)
 */
export function modelNameProblem(name: string): string | undefined {
  if (!IDENT.test(name)) return "it is not an identifier (letters, digits and `_`)";
  if (reserved.has(name)) return "it is a reserved word in TypeScript";
  if (taken.has(name)) return "it would shadow a global or runtime name in the generated module";
  if (!/^[A-Z]/.test(name)) return `model names become exported classes and must start with an uppercase letter (e.g. \`${name[0]!.toUpperCase()}${name.slice(1)}\`)`;
  if (name.length > 100) return "it is longer than 100 characters";
  return undefined;
}

export function layerNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return "use letters, digits and `_`, starting with a letter";
  if (name.length > 100) return "it is longer than 100 characters";
  return undefined;
}
