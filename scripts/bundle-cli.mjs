// Bundles the command line into dist/cli/ (part of `npm run build`). The compiler's ESM
// graph is hundreds of small modules (chevrotain pulls in lodash-es one function per file);
// loading them one by one was most of `layerc check`'s cold start. One bundle (split so
// that emit, declarations and watch stay lazy chunks) starts in a fraction of the time.
// The heavy dependencies that load only on use stay external: ts-morph, prettier, chokidar,
// and the language server's library (only `layerc lsp` imports it).
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["ts-morph", "prettier", "chokidar", "vscode-languageserver", "vscode-languageserver-textdocument"],
  sourcemap: true,
  sourcesContent: true,
  logLevel: "warning",
});
