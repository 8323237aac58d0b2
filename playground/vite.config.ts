/**
 * The playground's build: a static app (`npm run playground:build` writes
 * playground/dist). The compiler runs in a worker, so its few Node imports
 * are mapped to small browser shims: the emitter's template file is bundled
 * as text, prettier is its standalone build, ts-morph runs on its in-memory
 * file system.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./",
  resolve: {
    alias: [
      { find: /^node:fs$/, replacement: here("shims/node-fs.ts") },
      { find: /^node:url$/, replacement: here("shims/node-url.ts") },
      { find: /^(node:)?path$/, replacement: "path-browserify" },
      { find: /^(node:fs\/promises|node:os|tinyglobby)$/, replacement: here("shims/empty.ts") },
      { find: /^prettier$/, replacement: here("shims/prettier.ts") },
    ],
  },
  worker: { format: "es" },
  build: { outDir: here("dist"), emptyOutDir: true, chunkSizeWarningLimit: 12_000, target: "es2022" },
  server: { port: 5183, strictPort: false },
  preview: { port: 5184 },
});
