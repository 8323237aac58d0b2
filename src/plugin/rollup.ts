/**
 * The layerc plugin for Rollup: `import { Seed } from "./seed.nn"` works and spec
 * errors are build errors at file:line:col.
 * One implementation for every bundler: see unplugin.ts.
 */
import type { Plugin } from "rollup";
import { layercUnplugin } from "./unplugin.js";
import type { LayercPluginOptions } from "./options.js";

export type { LayercPluginOptions } from "./options.js";

/**
 * Creates the plugin; options pass through to `compile` (unroll, limits,
 * silence, unrollThreshold, runtimeImport) plus `include`.
 *
 * @example
 * ```ts
 * // rollup.config.js
 * import layerc from "layerc/rollup";
 * export default { input: "src/main.ts", plugins: [layerc()] };
 * ```
 */
export const layerc: (options?: LayercPluginOptions) => Plugin = layercUnplugin.rollup;

export default layerc;
