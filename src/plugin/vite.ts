/**
 * The layerc plugin for Vite: `import { Seed } from "./seed.nn"` works, spec errors
 * are build errors (and the dev overlay), and the dev server hot-reloads specs.
 * One implementation for every bundler: see unplugin.ts.
 */
import type { Plugin } from "vite";
import { layercUnplugin } from "./unplugin.js";
import type { LayercPluginOptions } from "./options.js";

export type { LayercPluginOptions } from "./options.js";

/**
 * Creates the plugin; options pass through to `compile` (unroll, limits,
 * silence, unrollThreshold, runtimeImport) plus `include`.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import layerc from "layerc/vite";
 * export default { plugins: [layerc()] };
 * ```
 */
export const layerc: (options?: LayercPluginOptions) => Plugin = layercUnplugin.vite;

export default layerc;
