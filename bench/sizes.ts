/**
 * The runtime as users ship it (issue 15: "runtime ≤ 10 KB min+gzip without
 * threads"): esbuild bundle + minify (ESM, platform browser, es2022), gzip
 * level 9 — the method bench/run.ts has always used. Shared by bench/run.ts
 * (its sizes table) and bench/runtime-size.ts (`npm run bench:size`, the
 * sizes alone in seconds).
 *
 * Entries: every export of src/runtime/index.ts; and for each model, the
 * runtime its generated module pulls in (an entry re-exporting exactly the
 * values the module imports from the runtime, tree-shaken: what the model
 * costs beyond its own code) and the whole tree-shaken bundle of the model
 * (runtime + generated code, WebAssembly base64 included).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { compile, formatDiagnostics } from "../src/index.js";

export interface BundleSize {
  entry: string;
  minBytes: number;
  gzipBytes: number;
  error?: string;
}

const ROOT = path.resolve(import.meta.dirname, "..");
const RUNTIME = path.join(ROOT, "src/runtime/index.ts");

/** Bundled, minified and gzipped size of `file` (an entry module). */
export async function bundleSize(file: string, entry: string): Promise<BundleSize> {
  try {
    const r = await build({ entryPoints: [file], bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "silent" });
    const code = r.outputFiles[0]!.contents;
    return { entry, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
  } catch (e) {
    return { entry, minBytes: NaN, gzipBytes: NaN, error: String((e as Error).message).split("\n")[0] };
  }
}

/** The value (non-type) names a generated module imports from the runtime. */
export function runtimeValueImports(code: string): string[] {
  const m = /import\s*\{([^}]*)\}\s*from\s*"[^"]*runtime[^"]*";/.exec(code);
  if (!m) return [];
  return m[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("type "));
}

/**
 * Sizes for the runtime (every export) and for each `.nn` file's models:
 * the runtime they import, and runtime + generated code. `dir` receives the
 * generated modules and entries (a build directory, never committed).
 */
export async function runtimeSizes(files: readonly string[], dir: string): Promise<BundleSize[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, ".gitignore"), "*\n");
  const sizes = [await bundleSize(RUNTIME, "src/runtime/index.ts (every runtime export)")];
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const base = path.basename(file);
    const rel = path.relative(ROOT, file);
    // unique per file (bench/models/seed.nn and examples/seed.nn share a name)
    const id = rel.replace(/[\\/]/g, "_");
    const r = await compile(source, { fileName: base, runtimeImport: path.relative(dir, RUNTIME).replace(/\.ts$/, ".js") });
    if (r.code === undefined) throw new Error(`${rel} does not compile:\n${formatDiagnostics(r.diagnostics, source, { fileName: base })}`);
    const module = path.join(dir, `${id}.ts`);
    writeFileSync(module, r.code);
    const classes = [...r.code.matchAll(/^export class (\w+)/gm)].map((c) => c[1]!);
    const names = runtimeValueImports(r.code);
    const runtimeEntry = path.join(dir, `runtime-of-${id}.ts`);
    writeFileSync(runtimeEntry, `export { ${names.join(", ")} } from "${path.relative(dir, RUNTIME).replace(/\.ts$/, ".js")}";\n`);
    const modelEntry = path.join(dir, `entry-${id}.ts`);
    writeFileSync(modelEntry, `export { ${classes.join(", ")} } from "./${id}.js";\n`);
    sizes.push(await bundleSize(runtimeEntry, `${rel} (${classes.join(", ")}): runtime it imports (${names.join(", ")})`));
    sizes.push(await bundleSize(modelEntry, `${rel} (${classes.join(", ")}): runtime + generated code, tree-shaken`));
  }
  return sizes;
}
