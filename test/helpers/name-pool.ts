/**
 * Model names drawn from the whole space the checker accepts: names that
 * look like the emitter's placeholders and markers, every global and every
 * runtime export, the emitter's own module-level names (`<M>Meta`,
 * `<M>Kernels`) beside their models, and random identifiers. Shared by
 * test/generated-names.test.ts and test/fuzz/names.fuzz.ts.
 */
import fc from "fast-check";
import * as runtime from "../../src/runtime/index.js";

const tricky = [
  "A__B", "A_", "A__", "A___B__", "A__layerc_body_0_meta__", "B__layerc_body_meta__", "X__META__", "Z__MODEL__", "M__MODEL",
  "Meta", "Kernels", "K", "P", "G", "N", "X", "Y", "H", "Res", "DOut", "Training", "Capacity", "This",
];

/** Every uppercase global (Array, Map, WebAssembly, Buffer, …) and runtime export (Store, TrainableModel, …). */
export function globalAndRuntimeNames(): string[] {
  const names = [...Object.getOwnPropertyNames(globalThis), ...Object.keys(runtime)].filter((n) => /^[A-Z][A-Za-z0-9_]*$/.test(n));
  return [...new Set(names)].sort();
}

/** The names of the emitter's per-model declarations, beside the model itself. */
export function withGeneratedNeighbours(base: string): string[] {
  return [base, `${base}Meta`, `${base}Kernels`, `${base}Meta_`, `${base}Kernels_`];
}

/**
 * The tricky names, `M`/`A`/`Seed` with their generated neighbours, every
 * `globalStep`-th global or runtime export (1: all), and `randomCount`
 * random identifiers.
 */
export function namePool(randomCount: number, seed: number, globalStep = 1): string[] {
  const random = fc.sample(fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,14}$/), { numRuns: randomCount, seed });
  const globals = globalAndRuntimeNames().filter((_, i) => i % globalStep === 0);
  const pool = [...tricky, ...["M", "A", "Seed"].flatMap(withGeneratedNeighbours), "Buffer", "WebAssembly", "Proxy", ...globals, ...random];
  return [...new Set(pool)];
}

/**
 * A spec declaring one model per name; every other model is trainable and
 * `M`, `A`, `Seed` and every eighth model have a product large enough for a native kernel, so the
 * module declares metadata, kernels interfaces and both base classes.
 */
export function specOf(names: readonly string[]): string {
  return names
    .map((n, i) => {
      const train = i % 2 === 0 ? "\n  compile(optimizer='adam', loss='categorical_crossentropy')" : "";
      const width = inputWidth(n, i);
      return `model ${n}(seed=${i}) {\n  Dense(${width}, input_shape=(${width},), activation='gelu')\n  Dense(2, activation='softmax')${train}\n}\n`;
    })
    .join("\n");
}

/** Input width of the `i`-th model of {@link specOf}. */
/** Input width of model `name`, the `i`-th of {@link specOf}: 12 (a native kernel) for the names whose `<M>Kernels` neighbour is drawn, and every eighth. */
export const inputWidth = (name: string, i: number): number => (i % 8 === 0 || ["M", "A", "Seed", "A__B", "A_"].includes(name) ? 12 : 3);
