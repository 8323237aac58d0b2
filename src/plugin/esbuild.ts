/**
 * The layerc plugin for esbuild: `import { Seed } from "./seed.nn"` works and spec
 * errors are build errors at file:line:col.
 * One implementation for every bundler: see unplugin.ts.
 */
import type { Plugin } from "esbuild";
import { layercUnplugin } from "./unplugin.js";
import type { LayercPluginOptions } from "./options.js";

export type { LayercPluginOptions } from "./options.js";

/**
 * Creates the plugin; options pass through to `compile` (unroll, limits,
 * silence, unrollThreshold, runtimeImport) plus `include`.
 *
 * @example
 * ```ts
 * import { build } from "esbuild";
 * import layerc from "layerc/esbuild";
 * await build({ entryPoints: ["src/main.ts"], bundle: true, plugins: [layerc()] });
 * ```
 */
export const layerc: (options?: LayercPluginOptions) => Plugin = layercUnplugin.esbuild;

export default layerc;
