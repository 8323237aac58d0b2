/**
 * layerc/nn — a fallback declaration for `*.nn` imports, for projects that
 * import specs through a bundler plugin (layerc/vite, layerc/rollup, …) and
 * have no generated declarations yet.
 *
 * Model names are only known after compiling, and an ambient wildcard
 * module cannot declare named exports, so this types a spec as a namespace
 * of model classes:
 *
 *     import * as models from "./seed.nn";
 *     const Seed = models.Seed!;           // a model class (or undefined)
 *
 * For exact named imports (`import { Seed } from "./seed.nn"`, with the
 * model's own name checked), generate declarations beside the specs with
 * `layerc build --dts` (or keep `layerc watch --dts` running).
 *
 * Enable with `"types": ["layerc/nn"]` in tsconfig.json, or
 * `/// <reference types="layerc/nn" />` in one source file.
 */
declare module "*.nn" {
  import type { ModelBase, ModelOptions } from "layerc/runtime";

  /** A class generated from one `model` block of the spec. */
  interface NnModelClass {
    new (options?: ModelOptions): ModelBase;
    /** Shape of one input sample (no batch dimension). */
    readonly inputShape: readonly number[];
    /** Shape of one output sample. */
    readonly outputShape: readonly number[];
    /** A new model whose weights come from a `.weights.bin` file (see `readWeights`). */
    loadWeights(bytes: Uint8Array | ArrayBuffer, options?: Omit<ModelOptions, "weights">): ModelBase;
  }

  /** The spec's models, by name. */
  const models: { readonly [model: string]: NnModelClass | undefined };
  export = models;
}
