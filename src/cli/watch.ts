/**
 * `layerc watch`: placeholder until the watch-mode issue lands — builds once
 * and reports that watching is not available yet.
 */
import type { Io } from "./main.js";

export async function runWatch(_paths: readonly string[], _opts: { outDir?: unknown; unroll?: unknown }, io: Io): Promise<number> {
  io.err("layerc: watch mode is not implemented yet\n");
  return 2;
}
