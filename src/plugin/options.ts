/**
 * Options of the bundler plugins, in a file of their own so the plugin
 * entries' declarations name only the bundler's own types (not unplugin's,
 * whose declarations import every bundler unplugin supports).
 */
import type { CompileOptions } from "../api/api.js";

/** Options of the layerc bundler plugins (`layerc/vite`, `layerc/rollup`, `layerc/esbuild`, `layerc/webpack`). */
export interface LayercPluginOptions extends Pick<CompileOptions, "unroll" | "limits" | "silence" | "unrollThreshold" | "runtimeImport"> {
  /** Which module ids are specs (default: paths ending in `.nn`). */
  readonly include?: RegExp;
}
