/**
 * The layerc plugin for webpack 5: `import { Seed } from "./seed.nn"` works and spec
 * errors are compilation errors at file:line:col.
 * One implementation for every bundler: see unplugin.ts.
 */
import type { WebpackPluginInstance } from "webpack";
import { layercUnplugin } from "./unplugin.js";
import type { LayercPluginOptions } from "./options.js";

export type { LayercPluginOptions } from "./options.js";

/**
 * Creates the plugin; options pass through to `compile` (unroll, limits,
 * silence, unrollThreshold, runtimeImport) plus `include`.
 *
 * @example
 * ```ts
 * // webpack.config.js
 * import layerc from "layerc/webpack";
 * export default { entry: "./src/main.js", plugins: [layerc()] };
 * ```
 */
export const layerc: (options?: LayercPluginOptions) => WebpackPluginInstance = layercUnplugin.webpack;

export default layerc;
