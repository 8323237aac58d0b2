/**
 * Which `layerc lsp` the extension starts: the `bin/layerc.js` of the layerc
 * package that the workspace itself resolves (Node's own resolution from
 * each workspace folder, so hoisted and nested installs both work), or the
 * configured path. Kept apart from the `vscode` API so it can be tested.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export function findServer(folders: readonly string[], configured: string): string | undefined {
  if (configured) return existsSync(configured) ? configured : undefined;
  for (const folder of folders) {
    try {
      const pkg = createRequire(join(folder, "package.json")).resolve("layerc/package.json");
      const bin = join(pkg, "..", "bin", "layerc.js");
      if (existsSync(bin)) return bin;
    } catch {
      // layerc is not installed for this folder; try the next one.
    }
  }
  return undefined;
}
