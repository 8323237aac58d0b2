/**
 * Makes this repository look installed as the `layerc` package inside a
 * fixture folder (node_modules/layerc → the repo root), so fixtures resolve
 * `layerc/runtime`, `layerc/nn` and `layerc/vite` through package.json
 * "exports" exactly as a user's project would (dist is built by `npm test`).
 */
import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./process.js";

/** Links the package into `dir/node_modules/layerc`; returns a function that removes the link. */
export function linkPackage(dir: string): () => void {
  const modules = join(dir, "node_modules");
  const link = join(modules, "layerc");
  const created = !existsSync(modules);
  mkdirSync(modules, { recursive: true });
  rmSync(link, { recursive: true, force: true });
  symlinkSync(repoRoot, link, "dir");
  return () => {
    rmSync(link, { force: true });
    if (created) rmSync(modules, { recursive: true, force: true });
  };
}
